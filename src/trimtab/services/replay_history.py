"""Use case: replay a household's transaction history into tax lots (`trimtab lots replay`).

The rule of the contract (docs/contracts/ledger-replay.md): one JSON object out, either
`{"status": "ok", "lots": [...], "realized": [...]}` or `{"status": "invalid", "errors":
[...]}` with exit code 2. Whatever the input — malformed JSON, a list, a sell of more
shares than held — the answer is one of those two objects, never a traceback, and
nothing is written anywhere.

    >>> answer = replay_history(b'{"accounts": [], "transactions": []}')
    >>> answer.body, answer.exit_code
    ({'status': 'ok', 'lots': [], 'realized': []}, 0)
    >>> print(replay_history(b"[1, 2").body["errors"][0]["message"])
    not valid JSON: Expecting ',' delimiter: line 1 column 6 (char 5)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trimtab.domain.ledger import replay
from trimtab.domain.problems import Problem
from trimtab.services.ledger_contract import invalid_answer, ledger_answer, read_history

__all__ = ["EXIT_INVALID", "EXIT_OK", "ReplayAnswer", "replay_history", "unreadable_history"]

EXIT_OK = 0
EXIT_INVALID = 2


@dataclass(frozen=True, slots=True)
class ReplayAnswer:
    body: dict[str, Any]
    exit_code: int


def replay_history(text: str | bytes) -> ReplayAnswer:
    """The contract's answer to a history document (JSON text, UTF-8 bytes accepted)."""
    try:
        document = json.loads(text, parse_float=Decimal, parse_constant=_no_constants)
    except RecursionError:
        return _invalid([Problem("", "not valid JSON: nested too deeply")])
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return _invalid([Problem("", f"not valid JSON: {error}")])
    history, problems = read_history(document)
    if history is None:
        return _invalid(problems)
    ledger, replay_problems = replay(history)
    if replay_problems:
        return _invalid(list(replay_problems))
    return ReplayAnswer(ledger_answer(ledger), EXIT_OK)


def unreadable_history(reason: str) -> ReplayAnswer:
    """The answer when the history file cannot even be read (missing, a directory...)."""
    return _invalid([Problem("", f"cannot read the history: {reason}")])


def _invalid(problems: list[Problem]) -> ReplayAnswer:
    return ReplayAnswer(invalid_answer(problems), EXIT_INVALID)


def _no_constants(name: str) -> Decimal:
    raise ValueError(f"{name} is not a number JSON allows")
