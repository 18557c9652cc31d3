"""Write a history the way the contract does, replay it, and read the answer.

Scenarios build their transactions with `buy`, `sell` and `action` and replay them through
the same service `trimtab lots replay` calls, so every test also exercises the contract.
"""

from __future__ import annotations

import json
from typing import Any

from trimtab.services.replay_history import replay_history

TAXABLE = {"id": "T1", "household": "H1", "tax_status": "taxable"}
TAXABLE_2 = {"id": "T2", "household": "H1", "tax_status": "taxable"}
IRA = {"id": "IRA1", "household": "H1", "tax_status": "tax_deferred"}
ROTH = {"id": "ROTH1", "household": "H1", "tax_status": "tax_exempt"}
OTHER_HOUSEHOLD = {"id": "N1", "household": "H2", "tax_status": "taxable"}
ALL_ACCOUNTS = [TAXABLE, TAXABLE_2, IRA, ROTH, OTHER_HOUSEHOLD]


def buy(
    date: str, security: str, quantity: float, price: float, account: str = "T1"
) -> dict[str, Any]:
    return {
        "date": date,
        "account": account,
        "security": security,
        "action": "buy",
        "quantity": quantity,
        "price": price,
    }


def sell(
    date: str, security: str, quantity: float, price: float, account: str = "T1", **extra: Any
) -> dict[str, Any]:
    return {
        "date": date,
        "account": account,
        "security": security,
        "action": "sell",
        "quantity": quantity,
        "price": price,
        **extra,
    }


def action(
    date: str, security: str, kind: str, account: str = "T1", **fields: Any
) -> dict[str, Any]:
    return {"date": date, "account": account, "security": security, "action": kind, **fields}


def history(
    *transactions: dict[str, Any],
    method: str = "fifo",
    wash_groups: dict[str, str] | None = None,
    accounts: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "method": method,
        "accounts": ALL_ACCOUNTS if accounts is None else accounts,
        "wash_groups": wash_groups or {},
        "transactions": list(transactions),
    }


def replay_ok(*transactions: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The ok answer of replaying `transactions`; fails the test on an invalid answer."""
    answer = replay_history(json.dumps(history(*transactions, **options)))
    assert answer.body["status"] == "ok", answer.body
    assert answer.exit_code == 0
    return answer.body


def replay_invalid(document: Any) -> list[dict[str, Any]]:
    """The errors of replaying a document that must be invalid."""
    text = document if isinstance(document, str) else json.dumps(document)
    answer = replay_history(text)
    assert answer.body["status"] == "invalid", answer.body
    assert answer.exit_code == 2
    errors: list[dict[str, Any]] = answer.body["errors"]
    return errors


def lots_of(body: dict[str, Any], security: str, account: str = "T1") -> list[dict[str, Any]]:
    return [
        lot for lot in body["lots"] if lot["security"] == security and lot["account"] == account
    ]
