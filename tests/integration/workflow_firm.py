"""A small firm for filter and settings tests, and the same firm as plain records.

`build_firm(seed)` draws ~60 accounts whose fields vary where filters bite: every status
and tax status, tiers in different cases, missing tiers/advisors/programs, firm fields
present or absent (and holding SQL-looking text), accounts never analyzed, accounts with
two analyses (the later must win) and analyses with NULL numbers. `load(db, firm)` writes
it through the store; `records(firm)` gives each account's fields as filters see them, so
the in-memory evaluator is the oracle for the SQL.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import insert

from trimtab.bootstrap import Database
from trimtab.domain import Account, AccountStatus, Advisor, Branch, Firm, Household, TaxStatus
from trimtab.domain.firm import Program
from trimtab.store.workflow_tables import AnalysisRow

ADVISORS = [Advisor("ADV1", "A. Rivera", "BR1"), Advisor("ADV2", "O'Brien", "BR2")]
BRANCHES = [Branch("BR1", "Boston"), Branch("BR2", "Denver")]
PROGRAMS = [Program("ESG", "Sustainable"), Program("ETF", "ETF wrap")]
TIERS = ["Platinum", "Gold", "Silver", "gold", None, 'x"; DROP TABLE accounts; --']
NOTES = ["", "ok", "' OR 1=1 --", "/* */", "a;b", "Ｇold", "é"]


@dataclass
class WorkflowFirm:
    accounts: list[Account]
    # account id -> analyses, oldest first: (as_of, values)
    analyses: dict[str, list[tuple[dt.date, dict[str, object]]]] = field(default_factory=dict)


def build_firm(seed: int = 7, households: int = 24) -> WorkflowFirm:
    rng = random.Random(seed)
    accounts: list[Account] = []
    analyses: dict[str, list[tuple[dt.date, dict[str, object]]]] = {}
    for h in range(households):
        household = f"H-{h:02d}"
        tier = rng.choice(TIERS)
        program = rng.choice([None, "ESG", "ETF"])
        for k in range(rng.randint(1, 4)):
            account_id = f"A-{h:02d}-{k}"
            fields: dict[str, str] = {}
            if rng.random() < 0.7:
                fields["paperwork"] = rng.choice(["complete", "incomplete"])
            if rng.random() < 0.5:
                fields["note"] = rng.choice(NOTES)
            advisor = rng.choice([None, "ADV1", "ADV2"])
            accounts.append(
                Account(
                    account_id,
                    household=household,
                    tax_status=rng.choice(list(TaxStatus)),
                    status=rng.choice(list(AccountStatus)),
                    discretionary=rng.random() < 0.7,
                    approved_for_trading=rng.random() < 0.8,
                    tier=tier,
                    advisor=advisor,
                    branch=next((a.branch for a in ADVISORS if a.id == advisor), None),
                    fields=fields,
                    program=program,
                )
            )
            runs = rng.choice([0, 1, 1, 2])
            history = []
            for run in range(runs):
                day = dt.date(2026, 3, 1) + dt.timedelta(days=run)
                history.append((day, _analysis(rng)))
            if history:
                analyses[account_id] = history
    return WorkflowFirm(accounts, analyses)


def _maybe(rng: random.Random, value: Decimal) -> Decimal | None:
    return None if rng.random() < 0.1 else value


def _analysis(rng: random.Random) -> dict[str, object]:
    return {
        "value": _maybe(rng, Decimal(rng.randrange(10_000, 2_000_000, 500))),
        "drift": _maybe(rng, Decimal(rng.randrange(0, 800)) / 10_000),
        "turnover": _maybe(rng, Decimal(rng.randrange(0, 1500)) / 10_000),
        "estimated_tax": _maybe(rng, Decimal(rng.randrange(0, 5_000_00)) / 100),
        "cost_benefit": _maybe(rng, Decimal(rng.randrange(0, 60)) / 10),
        "data_errors": rng.choice([0, 0, 0, 1, 3]),
        "mandate": rng.random() < 0.3,
        "trades": rng.choice([0, 0, 2, 7]),
    }


def load(db: Database, firm: WorkflowFirm) -> None:
    with db.unit_of_work() as uow:
        uow.organization.add_firm(Firm("F", "Workflow Test Firm"))
        for program in PROGRAMS:
            uow.organization.add_program(program)
        for branch in BRANCHES:
            uow.organization.add_branch(branch)
        for advisor in ADVISORS:
            uow.organization.add_advisor(advisor)
        for household in sorted({a.household for a in firm.accounts}):
            uow.households.add(Household(household, household))
        for account in firm.accounts:
            uow.accounts.add(account)
        rows = [
            {"account_id": a, "as_of": day, "run_id": f"run-{day}", "status": "optimal", **values}
            for a, history in firm.analyses.items()
            for day, values in history
        ]
        if rows:
            uow.session.execute(insert(AnalysisRow), rows)
        uow.commit()


def records(firm: WorkflowFirm) -> dict[str, dict[str, object]]:
    """Each account's fields by filter name, the latest analysis included."""
    names = {a.id: a.name for a in ADVISORS}
    branches = {b.id: b.name for b in BRANCHES}
    out: dict[str, dict[str, object]] = {}
    for a in firm.accounts:
        record: dict[str, object] = {
            "id": a.id,
            "status": a.status.value,
            "tax_status": a.tax_status.value,
            "tier": a.tier,
            "discretionary": a.discretionary,
            "approved": a.approved_for_trading,
            "advisor": names.get(a.advisor or ""),
            "branch": branches.get(a.branch or ""),
            "household": a.household,
            "program": a.program,
            **{f"field.{k}": v for k, v in a.fields.items()},
        }
        history = firm.analyses.get(a.id)
        if history:
            record.update(history[-1][1])
        out[a.id] = record
    return out
