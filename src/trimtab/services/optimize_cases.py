"""Use case: answer rebalance cases from files or JSON Lines (`trimtab optimize`).

The rule of the contract (docs/contracts/rebalance-case.md): one result per case, in order;
each is the engine's Result JSON, `{"status": "invalid", "errors": [...]}` for a case
that cannot be read, or `{"status": "error", "reason": ...}` if the engine fails on it
(a bug: the next case is still answered). Nothing is written anywhere.

Exit code for the whole run: 2 if any case is invalid, else 1 if any errored, else 0
(every case `optimal` or `infeasible`).

    >>> answer_case_text("{", source="a.json")["errors"][0]["message"]
    'not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'
    >>> exit_code([{"status": "optimal"}, {"status": "infeasible"}])
    0
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping

from trimtab.engine import optimize_json

__all__ = [
    "EXIT_ERROR",
    "EXIT_INVALID",
    "EXIT_OK",
    "answer_case_text",
    "case_lines",
    "exit_code",
    "unreadable_case",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INVALID = 2


def unreadable_case(source: str, why: str) -> dict[str, object]:
    return {
        "status": "invalid",
        "errors": [{"path": "", "message": f"cannot read {source}: {why}"}],
    }


def answer_case_text(text: str | bytes, *, source: str) -> dict[str, object]:
    """The contract's answer to one case document (JSON text)."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        return {
            "status": "invalid",
            "errors": [{"path": "", "message": f"not valid JSON: {error}"}],
        }
    return optimize_json(data)


def case_lines(text: str) -> Iterator[str]:
    """JSON Lines: one case per non-blank line."""
    for line in text.splitlines():
        if line.strip():
            yield line


def exit_code(results: Iterable[Mapping[str, object]]) -> int:
    statuses = {r.get("status") for r in results}
    if "invalid" in statuses:
        return EXIT_INVALID
    if "error" in statuses:
        return EXIT_ERROR
    return EXIT_OK
