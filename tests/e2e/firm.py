"""The demo firm the browser tests and the screenshots work on, built as `make demo` does.

Problem: a browser test needs what a person trying trimtab meets after `make demo` — a
firm after one night (proposals waiting for review, orders to export, settings to
change) and the seven demo users — in a database of its own, small enough to build in
seconds and the same on every run so a test never depends on luck.

Rule: `build_demo_firm(url)` migrates the database, loads the demo firm (seed 3, 60 days
of prices ending `DEMO_AS_OF`, `ACCOUNTS` accounts) with its model book and routing policy,
runs the night for `DEMO_AS_OF` (`trimtab run`), and adds the demo users (`trimtab demo
users`: login = the role, password `demo-<role>-password`). It answers the facts a test
needs and cannot read from a page without already trusting that page: the demo
advisor's own accounts, and an account that no advisor scope of theirs covers.

    >>> # firm = build_demo_firm("sqlite:////tmp/e2e/trimtab.db")
    >>> # firm.own_accounts[0], firm.other_account  ->  ('A0000001', 'A0000002')
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tests.builders import DEMO_AS_OF, TESTER, load_small_firm
from trimtab.batch.run import run_nightly
from trimtab.bootstrap import open_database
from trimtab.services.demo_users import DEMO_TEAM, DEMO_USERS, demo_users
from trimtab.services.taxes_saved import compute_counterfactuals, record_taxes_saved_to_date
from trimtab.store.tables import AccountRow

__all__ = ["ACCOUNTS", "DEMO_AS_OF", "PASSWORDS", "DemoFirm", "build_demo_firm"]

ACCOUNTS = 80
PASSWORDS = {d.login: d.password for d in DEMO_USERS}


@dataclass(frozen=True)
class DemoFirm:
    url: str
    advisor_id: str  # the advisor id the demo user `advisor` is linked to
    own_accounts: tuple[str, ...]  # that advisor's accounts, sorted
    other_account: str  # an account outside the demo advisor's scope (own and team)


def build_demo_firm(url: str, accounts: int = ACCOUNTS) -> DemoFirm:
    db = open_database(url)
    try:
        db.upgrade()
        load_small_firm(db, accounts=accounts)
        summary = run_nightly(url, as_of=DEMO_AS_OF, principal=TESTER, workers=1)
        if not summary.finished or summary.failures:
            raise RuntimeError(f"the demo firm's night did not finish cleanly: {summary}")
        # As `make demo` does: the night's counterfactuals and the firm's taxes saved to
        # date (the management dashboard shows it).
        compute_counterfactuals(db.unit_of_work, summary.run_id, principal=TESTER)
        record_taxes_saved_to_date(db.unit_of_work, principal=TESTER)
        added, problems = demo_users(db.unit_of_work, principal=TESTER)
        if problems or len(added) != len(DEMO_USERS):
            raise RuntimeError(f"the demo users were not all added: {added} {problems}")
        with db.unit_of_work() as uow:
            advisor = uow.users.get("advisor")
            team = uow.teams.get(DEMO_TEAM)
            rows = uow.session.execute(
                select(AccountRow.id, AccountRow.advisor_id, AccountRow.household_id).order_by(
                    AccountRow.id
                )
            ).all()
    finally:
        db.close()
    if advisor is None or advisor.advisor_id is None:
        raise RuntimeError("the demo user `advisor` is not linked to an advisor")
    shared = set(team.households) if team is not None else set()
    own = tuple(a for a, adv, _ in rows if adv == advisor.advisor_id)
    other = next(a for a, adv, h in rows if adv != advisor.advisor_id and h not in shared)
    return DemoFirm(url, advisor.advisor_id, own, other)
