"""What process monitoring and the metrics read that no other repository answers.

`SqlMonitoringReads` (`trimtab.services.monitoring.MonitoringReads`): securities held by
analyzed accounts with no close on the day (stale prices), the orders a run exported,
the run's accounts routed to auto-trade with trades, and the review queue's size and
oldest proposal. Each is one aggregate query, cheap enough to run at every scrape.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trimtab.store.nightly_tables import OrderRow, ProposalRow, RunOutcomeRow, RunRow
from trimtab.store.run_repository import ANALYZED
from trimtab.store.tables import AccountRow, PriceRow, TaxLotRow

__all__ = ["SqlMonitoringReads"]


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


class SqlMonitoringReads:
    def __init__(self, session: Session) -> None:
        self.session = session

    def stale_prices(self, day: dt.date) -> list[tuple[str, dt.date | None]]:
        """Securities held by analyzed accounts whose last close on or before `day` is
        older than `day` (or that have none), with that last close's date; by ticker."""
        held = (
            select(TaxLotRow.security)
            .join(AccountRow, AccountRow.id == TaxLotRow.account_id)
            .where(AccountRow.status.in_(ANALYZED))
            .distinct()
            .subquery()
        )
        last = (
            select(PriceRow.security, func.max(PriceRow.date).label("date"))
            .where(PriceRow.date <= day)
            .group_by(PriceRow.security)
            .subquery()
        )
        rows = self.session.execute(
            select(held.c.security, last.c.date)
            .outerjoin(last, last.c.security == held.c.security)
            .where((last.c.date.is_(None)) | (last.c.date < day))
            .order_by(held.c.security)
        ).all()
        return [(ticker, date) for ticker, date in rows]

    def orders_exported(self, run_id: str) -> int:
        return int(self.session.scalar(select(func.count()).where(OrderRow.run_id == run_id)) or 0)

    def auto_trades(self, run_id: str) -> int:
        """Accounts of the run routed to auto-trade with at least one trade."""
        return int(
            self.session.scalar(
                select(func.count()).where(
                    RunOutcomeRow.run_id == run_id,
                    RunOutcomeRow.outcome == "auto_trade",
                    RunOutcomeRow.trades > 0,
                )
            )
            or 0
        )

    def review_queue(self) -> tuple[int, dt.datetime | None]:
        """Proposals waiting for review, and when the oldest one's run started."""
        count, oldest = self.session.execute(
            select(func.count(), func.min(RunRow.started_at))
            .select_from(ProposalRow)
            .join(RunRow, RunRow.id == ProposalRow.run_id)
            .where(ProposalRow.state == "pending", RunRow.state != "voided")
        ).one()
        return int(count or 0), _aware(oldest)
