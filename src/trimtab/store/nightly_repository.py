"""SQL for the nightly run: bulk reads per chunk, bulk writes per chunk, run records,
the routing policy, proposals, review decisions and orders.

A chunk of accounts costs one query per table (accounts, lots, cash, positions, unknown
bases, tax profiles, the households' recent trades, restrictions, holds) with the ids in
`IN (...)` lists of at most 500, and one INSERT per table for its results, all in one
transaction: a chunk's outcomes are committed together or not at all. The first
statement of the write transaction is a write (the data-errors DELETE), so on SQLite the
write lock is taken at once (and waited for) instead of failing on a stale read
snapshot when two workers commit at the same time.

    >>> # with db.unit_of_work() as uow: uow.nightly.snapshots(ids, as_of=day)
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from trimtab.domain import Restriction, Security, TaxLot, TradeRecord, TradeSide
from trimtab.domain.data_quality import PricePoint
from trimtab.domain.filters import SavedFilter
from trimtab.domain.routing import RoutingPolicy, RoutingRule, Stage
from trimtab.services.nightly_analysis import AccountAnalysis, AccountSnapshot
from trimtab.services.nightly_ports import (
    Booking,
    DecisionRecord,
    OrderLine,
    ProposalView,
    RunRecord,
)
from trimtab.store import mapping as m
from trimtab.store.bulk import analyze, insert_rows
from trimtab.store.data_tables import (
    AccountHoldRow,
    CorporateActionEventRow,
    CustodianPositionRow,
    DataErrorRow,
    LotBasisUnknownRow,
)
from trimtab.store.model_tables import AccountTargetRow
from trimtab.store.nightly_tables import (
    AnalysisRecordRow,
    FillRow,
    OrderRow,
    ProposalRow,
    ReviewDecisionRow,
    RoutingPolicyRow,
    RunOutcomeRow,
    RunRow,
)
from trimtab.store.tables import (
    AccountRow,
    AdvisorRow,
    BranchRow,
    CashBalanceRow,
    FirmRow,
    PriceRow,
    RestrictionRow,
    SecurityRow,
    TaxLotRow,
    TaxProfileRow,
    TransactionRow,
)
from trimtab.store.workflow_tables import AnalysisRow, SavedFilterRow

__all__ = ["SqlNightlyRepository"]

_IN = 500  # ids per IN (...) list: well under SQLite's parameter limit
PRICE_LOOKBACK = dt.timedelta(days=21)
WASH_WINDOW = dt.timedelta(days=30)
ANALYZED = ("open", "suspended")  # closed accounts are not analyzed


_LOT_COLUMNS = (  # in TaxLot's field order
    TaxLotRow.id,
    TaxLotRow.account_id,
    TaxLotRow.security,
    TaxLotRow.quantity,
    TaxLotRow.cost_basis,
    TaxLotRow.acquired,
    TaxLotRow.holding_period_start,
    TaxLotRow.wash_sale_adjustment,
)
_TRADE_COLUMNS = (
    TransactionRow.account_id,
    TransactionRow.security,
    TransactionRow.trade_date,
    TransactionRow.side,
    TransactionRow.quantity,
    TransactionRow.price,
    TransactionRow.realized_gain,
)


def _slices(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _IN):
        yield ids[start : start + _IN]


def _json_safe(value: Any) -> Any:
    """JSON the databases accept: NaN and infinities (a solver's undefined gap) become null.

    Almost every document is finite: the C encoder proves it in one fast pass (walking
    every float of a 450-lot case in Python cost more than the rest of the write)."""
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return _finite_only(value)
    return value


def _finite_only(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite_only(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_only(v) for v in value]
    return value


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class SqlNightlyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- what every chunk of a run shares ---------------------------------------------

    def firm(self) -> str:
        return self.session.scalars(select(FirmRow.id).order_by(FirmRow.id)).first() or "firm"

    def securities(self) -> dict[str, Security]:
        return {r.ticker: m.security_from_row(r) for r in self.session.scalars(select(SecurityRow))}

    def closes(self, as_of: dt.date) -> dict[str, tuple[PricePoint, ...]]:
        """Each security's last two closes on or before `as_of` (within three weeks)."""
        rows = self.session.execute(
            select(PriceRow.security, PriceRow.date, PriceRow.close)
            .where(PriceRow.date <= as_of, PriceRow.date >= as_of - PRICE_LOOKBACK)
            .order_by(PriceRow.security, PriceRow.date)
        )
        found: defaultdict[str, list[PricePoint]] = defaultdict(list)
        for security, date, close in rows:
            found[security].append(PricePoint(date, close))
        return {s: tuple(points[-2:]) for s, points in found.items()}

    def actions(self, as_of: dt.date) -> dict[str, dt.date]:
        rows = self.session.execute(
            select(CorporateActionEventRow.security, func.max(CorporateActionEventRow.effective))
            .where(CorporateActionEventRow.effective <= as_of)
            .group_by(CorporateActionEventRow.security)
        )
        return dict(rows.all())

    def names(self) -> tuple[dict[str, str], dict[str, str]]:
        advisors = dict(self.session.execute(select(AdvisorRow.id, AdvisorRow.name)).all())
        branches = dict(self.session.execute(select(BranchRow.id, BranchRow.name)).all())
        return advisors, branches

    def refresh_statistics(self) -> None:
        """Fresh planner statistics for the tables a chunk reads (PostgreSQL's ANALYZE).

        After a bulk load or the day's feeds replaced lots, the statistics can still
        describe yesterday's (or empty) tables until autovacuum gets to them; then the
        planner reads 250 accounts' lots by scanning all 2 million (measured at 100,000
        accounts: 140 ms a chunk instead of 2 ms, likewise the household trades), a fifth
        of a night. ANALYZE samples each table: well under a second for the whole set.
        """
        tables = (
            AccountRow,
            AccountTargetRow,
            TaxLotRow,
            TransactionRow,
            CashBalanceRow,
            CustodianPositionRow,
            LotBasisUnknownRow,
            AccountHoldRow,
            TaxProfileRow,
            RestrictionRow,
        )
        analyze(self.session, [t.__tablename__ for t in tables])

    def population(self) -> list[str]:
        """Every account the nightly run analyzes (open or held), in id order."""
        return list(
            self.session.scalars(
                select(AccountRow.id).where(AccountRow.status.in_(ANALYZED)).order_by(AccountRow.id)
            )
        )

    # -- one chunk: read ---------------------------------------------------------------

    def snapshots(self, ids: Sequence[str], *, as_of: dt.date) -> list[AccountSnapshot]:
        """Everything the analysis needs about these accounts: one query per table."""
        s = self.session
        accounts: dict[str, Any] = {}
        targets: dict[str, str] = {}
        lots: defaultdict[str, list[Any]] = defaultdict(list)
        cash: dict[str, Decimal] = {}
        positions: defaultdict[str, dict[str, Decimal]] = defaultdict(dict)
        unknown: defaultdict[str, set[str]] = defaultdict(set)
        holds: defaultdict[str, list[str]] = defaultdict(list)
        for part in _slices(ids):
            rows = s.execute(
                select(AccountRow, AccountTargetRow.target_id)
                .outerjoin(AccountTargetRow, AccountTargetRow.account_id == AccountRow.id)
                .where(AccountRow.id.in_(part))
            )
            for row, target in rows:
                accounts[row.id] = m.account_from_row(row)
                if target is not None:
                    targets[row.id] = target
            # Columns, not ORM entities: tracking thousands of lot objects an analysis
            # never writes back cost more than the query.
            for lot in s.execute(
                select(*_LOT_COLUMNS).where(TaxLotRow.account_id.in_(part)).order_by(TaxLotRow.id)
            ):
                lots[lot.account_id].append(TaxLot(*lot))
            cash.update(
                s.execute(
                    select(CashBalanceRow.account_id, CashBalanceRow.amount).where(
                        CashBalanceRow.account_id.in_(part)
                    )
                ).all()
            )
            for account, security, quantity in s.execute(
                select(
                    CustodianPositionRow.account_id,
                    CustodianPositionRow.security,
                    CustodianPositionRow.quantity,
                ).where(CustodianPositionRow.account_id.in_(part))
            ):
                positions[account][security] = quantity
            for account, lot_id in s.execute(
                select(TaxLotRow.account_id, LotBasisUnknownRow.lot_id)
                .join(TaxLotRow, TaxLotRow.id == LotBasisUnknownRow.lot_id)
                .where(TaxLotRow.account_id.in_(part))
            ):
                unknown[account].add(lot_id)
            for account, reason in s.execute(
                select(AccountHoldRow.account_id, AccountHoldRow.reason)
                .where(AccountHoldRow.account_id.in_(part), AccountHoldRow.released_at.is_(None))
                .order_by(AccountHoldRow.id)
            ):
                holds[account].append(reason)
        households = sorted({a.household for a in accounts.values()})
        programs = sorted({a.program for a in accounts.values() if a.program})
        profiles: dict[str, Any] = {}
        trades: defaultdict[str, list[Any]] = defaultdict(list)
        restrictions: list[Restriction] = []
        since = as_of - WASH_WINDOW
        for part in _slices(households):
            for profile in s.scalars(
                select(TaxProfileRow).where(TaxProfileRow.household_id.in_(part))
            ):
                profiles[profile.household_id] = m.tax_profile_from_row(profile)
            for household, account, security, day, side, quantity, price, gain in s.execute(
                select(AccountRow.household_id, *_TRADE_COLUMNS)
                .join(AccountRow, AccountRow.id == TransactionRow.account_id)
                .where(
                    AccountRow.household_id.in_(part),
                    TransactionRow.trade_date >= since,
                    TransactionRow.trade_date <= as_of,
                )
                .order_by(TransactionRow.id)
            ):
                trades[household].append(
                    TradeRecord(account, security, day, TradeSide(side), quantity, price, gain)
                )
        scopes = or_(
            RestrictionRow.level == "firm",
            and_(RestrictionRow.level == "program", RestrictionRow.scope.in_(programs)),
            and_(RestrictionRow.level == "household", RestrictionRow.scope.in_(households)),
            and_(RestrictionRow.level == "account", RestrictionRow.scope.in_(list(accounts))),
        )
        for restriction in s.scalars(
            select(RestrictionRow).where(scopes).order_by(RestrictionRow.id)
        ):
            restrictions.append(m.restriction_from_row(restriction))
        by_scope: defaultdict[str, list[Restriction]] = defaultdict(list)
        for r in restrictions:
            by_scope[r.scope].append(r)
        firm_wide = tuple(r for r in restrictions if r.level.name == "FIRM")
        out = []
        for aid in ids:
            a = accounts.get(aid)
            if a is None:
                continue
            applicable = (
                *firm_wide,
                *(r for r in by_scope.get(a.program or "", ()) if r.level.name == "PROGRAM"),
                *(r for r in by_scope.get(a.household, ()) if r.level.name == "HOUSEHOLD"),
                *(r for r in by_scope.get(aid, ()) if r.level.name == "ACCOUNT"),
            )
            out.append(
                AccountSnapshot(
                    a,
                    targets.get(aid),
                    tuple(lots.get(aid, ())),
                    cash.get(aid),
                    positions=positions.get(aid),
                    unknown_basis=frozenset(unknown.get(aid, ())),
                    tax=profiles.get(a.household),
                    household_trades=tuple(trades.get(a.household, ())),
                    restrictions=applicable,
                    holds=tuple(holds.get(aid, ())),
                )
            )
        return out

    # -- one chunk: write --------------------------------------------------------------

    def write_chunk(
        self,
        run_id: str,
        as_of: dt.date,
        chunk: int,
        analyses: Sequence[AccountAnalysis],
        *,
        at: dt.datetime,
    ) -> None:
        """Every result of one chunk; the caller commits (one transaction per chunk)."""
        s = self.session
        ids = [a.account for a in analyses]
        for part in _slices(ids):
            s.execute(
                delete(DataErrorRow).where(
                    DataErrorRow.account_id.in_(part), DataErrorRow.as_of == as_of
                )
            )
        errors = [m.data_error_to_row(e, as_of) for a in analyses for e in a.data_errors]
        # Core rows, COPY on PostgreSQL (store.bulk.insert_rows): the ORM's bulk insert
        # cost a millisecond per account, a tenth of a no-trade night.
        insert_rows(s, DataErrorRow, errors)
        insert_rows(
            s,
            RunOutcomeRow,
            [
                {
                    "run_id": run_id,
                    "account_id": a.account,
                    "outcome": a.routing.outcome.value,
                    "rule": a.routing.rule,
                    "flags": list(a.routing.flags),
                    "status": a.status,
                    "failure": a.failure,
                    "trades": len(a.trades),
                    "estimated_tax": a.estimated_tax,
                    "chunk": chunk,
                    "at": at,
                }
                for a in analyses
            ],
        )
        insert_rows(
            s,
            AnalysisRow,
            [
                {
                    "account_id": a.account,
                    "as_of": as_of,
                    "run_id": run_id,
                    "status": a.status,
                    "value": a.value,
                    "drift": a.drift,
                    "turnover": a.turnover,
                    "estimated_tax": a.estimated_tax,
                    "cost_benefit": a.cost_benefit,
                    "data_errors": len(a.data_errors),
                    "mandate": a.mandate,
                    "trades": len(a.trades),
                }
                for a in analyses
            ],
        )
        insert_rows(
            s,
            AnalysisRecordRow,
            [
                {
                    "run_id": run_id,
                    "account_id": a.account,
                    "as_of": as_of,
                    # A case the engine accepted has only finite numbers (both
                    # build_case and parse_case check): no need to prove it again.
                    "case": _json_safe(a.case) if a.status == "invalid" else a.case,
                    "versions": list(a.versions),
                    "settings": list(a.settings),
                    "result": _json_safe(a.result),
                    "reasons": list(a.reasons),
                }
                for a in analyses
            ],
        )
        proposals = [
            {
                "run_id": run_id,
                "account_id": a.account,
                "as_of": as_of,
                "state": "auto" if a.routing.outcome.value == "auto_trade" else "pending",
                "value": a.value or Decimal(0),
                "trades": _json_safe(list(a.trades)),
                "estimated_tax": a.estimated_tax or Decimal(0),
                "turnover": a.turnover or Decimal(0),
                "rule": a.routing.rule,
                "edited": False,
                "decided_by": None,
                "decided_at": None,
            }
            for a in analyses
            if a.routing.outcome.value in ("auto_trade", "review")
        ]
        insert_rows(s, ProposalRow, proposals)

    # -- run records -------------------------------------------------------------------

    def start_run(self, run: RunRecord) -> None:
        self.session.add(
            RunRow(
                id=run.id,
                as_of=run.as_of,
                state="running",
                started_at=run.started_at,
                finished_at=None,
                actor=run.actor,
                executor=run.executor,
                accounts=run.accounts,
                policy_version=run.policy_version,
                attempts=1,
                counts={},
                trades=0,
                estimated_tax=Decimal(0),
                seconds=None,
            )
        )

    def resume_run(self, run_id: str, *, executor: str, accounts: int) -> None:
        self.session.execute(
            update(RunRow)
            .where(RunRow.id == run_id)
            .values(attempts=RunRow.attempts + 1, executor=executor, accounts=accounts)
        )

    def unfinished_run(self, as_of: dt.date | None = None) -> RunRecord | None:
        query = select(RunRow).where(RunRow.state == "running")
        if as_of is not None:
            query = query.where(RunRow.as_of == as_of)
        row = self.session.scalars(query.order_by(RunRow.started_at.desc())).first()
        return None if row is None else _run(row)

    def done(self, run_id: str) -> set[str]:
        return set(
            self.session.scalars(
                select(RunOutcomeRow.account_id).where(RunOutcomeRow.run_id == run_id)
            )
        )

    def tally(self, run_id: str) -> tuple[dict[str, int], int, Decimal]:
        """Accounts by outcome, trades and estimated tax of the run, from its outcomes."""
        counts = dict(
            self.session.execute(
                select(RunOutcomeRow.outcome, func.count())
                .where(RunOutcomeRow.run_id == run_id)
                .group_by(RunOutcomeRow.outcome)
            ).all()
        )
        trades, tax = self.session.execute(
            select(
                func.coalesce(func.sum(RunOutcomeRow.trades), 0),
                func.coalesce(func.sum(RunOutcomeRow.estimated_tax), 0),
            ).where(RunOutcomeRow.run_id == run_id)
        ).one()
        return counts, int(trades), Decimal(str(tax)).quantize(Decimal("0.01"))

    def finish_run(
        self,
        run_id: str,
        *,
        counts: dict[str, int],
        trades: int,
        estimated_tax: Decimal,
        finished_at: dt.datetime,
        seconds: float,
    ) -> None:
        self.session.execute(
            update(RunRow)
            .where(RunRow.id == run_id)
            .values(
                state="finished",
                finished_at=finished_at,
                counts=counts,
                trades=trades,
                estimated_tax=estimated_tax,
                seconds=seconds,
            )
        )

    def runs(self, limit: int = 10) -> list[RunRecord]:
        rows = self.session.scalars(select(RunRow).order_by(RunRow.started_at.desc()).limit(limit))
        return [_run(r) for r in rows]

    def run(self, run_id: str) -> RunRecord | None:
        row = self.session.get(RunRow, run_id)
        return None if row is None else _run(row)

    def failures(self, run_id: str, limit: int = 50) -> list[tuple[str, str, str]]:
        """(account, analysis status, why) of accounts whose analysis failed."""
        rows = self.session.execute(
            select(RunOutcomeRow.account_id, RunOutcomeRow.status, RunOutcomeRow.failure)
            .where(RunOutcomeRow.run_id == run_id, RunOutcomeRow.failure.is_not(None))
            .order_by(RunOutcomeRow.account_id)
            .limit(limit)
        )
        return [(a, s, f or "") for a, s, f in rows]

    def outcomes(self, run_id: str) -> dict[str, tuple[str, str, tuple[str, ...]]]:
        rows = self.session.execute(
            select(
                RunOutcomeRow.account_id,
                RunOutcomeRow.outcome,
                RunOutcomeRow.rule,
                RunOutcomeRow.flags,
            ).where(RunOutcomeRow.run_id == run_id)
        )
        return {a: (o, r, tuple(f or ())) for a, o, r, f in rows}

    # -- routing policy ----------------------------------------------------------------

    def firm_filters(self, names: Collection[str] | None = None) -> dict[str, str]:
        """Expressions of the firm's saved filters (owner '' is the firm's)."""
        query = select(SavedFilterRow.name, SavedFilterRow.expression).where(
            SavedFilterRow.owner == ""
        )
        if names is not None:
            query = query.where(SavedFilterRow.name.in_(list(names)))
        return dict(self.session.execute(query).all())

    def policy(self) -> RoutingPolicy | None:
        row = self.session.scalars(
            select(RoutingPolicyRow).order_by(RoutingPolicyRow.version.desc())
        ).first()
        if row is None:
            return None
        rules = tuple(RoutingRule(Stage(r["stage"]), r["filter"]) for r in row.rules)
        return RoutingPolicy(rules, row.version)

    def record_policy(
        self, policy: RoutingPolicy, *, actor: str, at: dt.datetime, reason: str
    ) -> int:
        latest = self.session.scalar(select(func.max(RoutingPolicyRow.version))) or 0
        version = latest + 1
        self.session.add(
            RoutingPolicyRow(
                version=version,
                rules=[r.as_dict() for r in policy.rules],
                actor=actor,
                at=at,
                reason=reason,
            )
        )
        self.session.flush()
        return version

    def save_firm_filters(self, filters: Iterable[SavedFilter]) -> None:
        for f in filters:
            row = self.session.scalars(
                select(SavedFilterRow).where(
                    SavedFilterRow.owner == "", SavedFilterRow.name == f.name
                )
            ).first()
            if row is None:
                row = SavedFilterRow(owner="", name=f.name)
                self.session.add(row)
            row.description = f.description
            row.expression = f.expression
            row.created_by = f.created_by
            row.updated_at = f.updated_at or dt.datetime.now(dt.UTC)
        self.session.flush()

    # -- proposals and review ------------------------------------------------------------

    def latest_finished_run(self) -> RunRecord | None:
        row = self.session.scalars(
            select(RunRow).where(RunRow.state == "finished").order_by(RunRow.started_at.desc())
        ).first()
        return None if row is None else _run(row)

    def proposals(
        self, run_id: str, *, states: Collection[str] | None = None
    ) -> list[ProposalView]:
        query = select(ProposalRow).where(ProposalRow.run_id == run_id)
        if states is not None:
            query = query.where(ProposalRow.state.in_(list(states)))
        return [_proposal(r) for r in self.session.scalars(query.order_by(ProposalRow.account_id))]

    def proposal(self, run_id: str, account_id: str) -> ProposalView | None:
        row = self.session.get(ProposalRow, (run_id, account_id))
        return None if row is None else _proposal(row)

    def record_of(self, run_id: str, account_id: str) -> dict[str, Any] | None:
        row = self.session.get(AnalysisRecordRow, (run_id, account_id))
        if row is None:
            return None
        return {
            "case": row.case,
            "versions": row.versions,
            "settings": row.settings,
            "result": row.result,
            "reasons": row.reasons,
        }

    def decide(self, decision: DecisionRecord, *, state: str, edited: bool) -> None:
        self.session.add(
            ReviewDecisionRow(
                run_id=decision.run_id,
                account_id=decision.account,
                action=decision.action,
                actor=decision.actor,
                at=decision.at,
                reason=decision.reason,
                before=list(decision.before),
                after=list(decision.after),
            )
        )
        values: dict[str, Any] = {
            "state": state,
            "decided_by": decision.actor,
            "decided_at": decision.at,
        }
        if edited:
            values.update(
                trades=list(decision.after),
                edited=True,
                estimated_tax=decision.estimated_tax,
                turnover=decision.turnover,
            )
        self.session.execute(
            update(ProposalRow)
            .where(
                ProposalRow.run_id == decision.run_id, ProposalRow.account_id == decision.account
            )
            .values(**values)
        )

    def decisions(self, run_id: str, account_id: str) -> list[DecisionRecord]:
        rows = self.session.scalars(
            select(ReviewDecisionRow)
            .where(ReviewDecisionRow.run_id == run_id, ReviewDecisionRow.account_id == account_id)
            .order_by(ReviewDecisionRow.id)
        )
        return [
            DecisionRecord(
                r.run_id,
                r.account_id,
                r.action,
                r.actor,
                _utc(r.at) or r.at,
                r.reason,
                tuple(r.before),
                tuple(r.after),
            )
            for r in rows
        ]

    # -- orders ------------------------------------------------------------------------

    def add_orders(self, orders: Sequence[OrderLine]) -> int:
        """Insert the orders not created yet (ids are deterministic); how many were new."""
        if not orders:
            return 0
        existing: set[str] = set()
        ids = [o.id for o in orders]
        for part in _slices(ids):
            existing.update(self.session.scalars(select(OrderRow.id).where(OrderRow.id.in_(part))))
        new = [o for o in orders if o.id not in existing]
        if new:
            self.session.execute(
                insert(OrderRow),
                [
                    {
                        "id": o.id,
                        "run_id": o.run_id,
                        "account_id": o.account,
                        "security": o.security,
                        "side": o.side,
                        "quantity": o.quantity,
                        "price": o.price,
                        "lots": list(o.lots),
                        "created_by": o.created_by,
                        "created_at": o.created_at,
                    }
                    for o in new
                ],
            )
        return len(new)

    def orders(self, run_id: str) -> list[OrderLine]:
        rows = self.session.scalars(
            select(OrderRow)
            .where(OrderRow.run_id == run_id)
            .order_by(OrderRow.security, OrderRow.side, OrderRow.account_id)
        )
        return [
            OrderLine(
                r.id,
                r.run_id,
                r.account_id,
                r.security,
                r.side,
                r.quantity,
                r.price,
                tuple(r.lots),
                r.created_by,
                _utc(r.created_at) or r.created_at,
            )
            for r in rows
        ]

    # -- fills: executed orders booked into lots, cash and transactions ------------------

    def unfilled_orders(self, run_id: str) -> list[OrderLine]:
        filled = set(self.session.scalars(select(FillRow.order_id).where(FillRow.run_id == run_id)))
        return [o for o in self.orders(run_id) if o.id not in filled]

    def books(self, accounts: Sequence[str]) -> dict[str, tuple[list[TaxLot], Decimal]]:
        """Each account's open lots (in id order) and cash, read in bulk."""
        out: dict[str, tuple[list[TaxLot], Decimal]] = {a: ([], Decimal(0)) for a in accounts}
        for part in _slices(list(accounts)):
            for row in self.session.scalars(
                select(TaxLotRow).where(TaxLotRow.account_id.in_(part)).order_by(TaxLotRow.id)
            ):
                out[row.account_id][0].append(m.lot_from_row(row))
            for account, amount in self.session.execute(
                select(CashBalanceRow.account_id, CashBalanceRow.amount).where(
                    CashBalanceRow.account_id.in_(part)
                )
            ):
                out[account] = (out[account][0], amount)
        return out

    def closes_on(self, day: dt.date, securities: Collection[str]) -> dict[str, Decimal]:
        """Each security's latest close on or before `day` (within three weeks)."""
        return {s: points[-1].close for s, points in self.closes(day).items() if s in securities}

    def book(self, booking: Booking) -> None:
        """Write a batch of fills and the books they leave; the caller commits."""
        s = self.session
        b = booking
        for part in _slices(list(b.closed)):
            s.execute(delete(LotBasisUnknownRow).where(LotBasisUnknownRow.lot_id.in_(part)))
            s.execute(delete(TaxLotRow).where(TaxLotRow.id.in_(part)))
        if b.changed:
            s.execute(
                update(TaxLotRow),
                [
                    {
                        "id": lot.id,
                        "quantity": lot.quantity,
                        "cost_basis": lot.cost_basis,
                        "wash_sale_adjustment": lot.wash_sale_adjustment,
                    }
                    for lot in b.changed
                ],
            )
        if b.new:
            s.execute(insert(TaxLotRow), [m.lot_to_row(lot) for lot in b.new])
        self._book_cash(b)
        self._book_positions(b)
        if b.trades:
            s.execute(
                insert(TransactionRow),
                [
                    {
                        "account_id": t.account,
                        "security": t.security,
                        "trade_date": t.date,
                        "side": t.side.value,
                        "quantity": t.quantity,
                        "price": t.price,
                        "realized_gain": t.realized_gain,
                    }
                    for t in b.trades
                ],
            )
        self._book_realized(b)
        if b.fills:
            s.execute(
                insert(FillRow),
                [
                    {
                        "order_id": f.order,
                        "run_id": b.run_id,
                        "account_id": f.account,
                        "trade_date": f.date,
                        "quantity": f.quantity,
                        "price": f.price,
                        "realized_gain": t.realized_gain,
                        "source": b.source,
                        "filled_by": b.actor,
                        "filled_at": b.at,
                    }
                    for f, t in zip(b.fills, b.trades, strict=True)
                ],
            )

    def _book_cash(self, b: Booking) -> None:
        if not b.cash:
            return
        day = max(f.date for f in b.fills)
        have: set[str] = set()
        for part in _slices(list(b.cash)):
            have.update(
                self.session.scalars(
                    select(CashBalanceRow.account_id).where(CashBalanceRow.account_id.in_(part))
                )
            )
        rows = [{"account_id": a, "amount": v, "as_of": day} for a, v in b.cash.items()]
        if old := [r for r in rows if r["account_id"] in have]:
            self.session.execute(update(CashBalanceRow), old)
        if fresh := [r for r in rows if r["account_id"] not in have]:
            self.session.execute(insert(CashBalanceRow), fresh)

    def _book_positions(self, b: Booking) -> None:
        """The custodian's positions follow the fills, for accounts it reports on."""
        accounts = sorted({a for a, _ in b.positions})
        existing: set[tuple[str, str]] = set()
        reported: set[str] = set()
        for part in _slices(accounts):
            for account, security in self.session.execute(
                select(CustodianPositionRow.account_id, CustodianPositionRow.security).where(
                    CustodianPositionRow.account_id.in_(part)
                )
            ):
                existing.add((account, security))
                reported.add(account)
        day = max((f.date for f in b.fills), default=None)
        changed: list[dict[str, Any]] = []
        added: list[dict[str, Any]] = []
        gone: list[dict[str, Any]] = []
        for (account, security), quantity in sorted(b.positions.items()):
            row = {"account_id": account, "security": security, "quantity": quantity, "as_of": day}
            if (account, security) in existing:
                (changed if quantity > 0 else gone).append(row)
            elif account in reported and quantity > 0:
                added.append(row)
        if changed:
            self.session.execute(update(CustodianPositionRow), changed)
        if added:
            self.session.execute(insert(CustodianPositionRow), added)
        for row in gone:
            self.session.execute(
                delete(CustodianPositionRow).where(
                    CustodianPositionRow.account_id == row["account_id"],
                    CustodianPositionRow.security == row["security"],
                )
            )

    def _book_realized(self, b: Booking) -> None:
        """Realized gains this year, per household's tax profile."""
        if not b.realized:
            return
        households: dict[str, str] = {}
        for part in _slices(list(b.realized)):
            households.update(
                self.session.execute(
                    select(AccountRow.id, AccountRow.household_id).where(AccountRow.id.in_(part))
                ).all()
            )
        by_household: defaultdict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 2)
        for account, (short, long) in b.realized.items():
            totals = by_household[households[account]]
            totals[0] += short
            totals[1] += long
        for household, (short, long) in by_household.items():
            self.session.execute(
                update(TaxProfileRow)
                .where(TaxProfileRow.household_id == household)
                .values(
                    realized_short_ytd=TaxProfileRow.realized_short_ytd + short,
                    realized_long_ytd=TaxProfileRow.realized_long_ytd + long,
                )
            )


def _run(row: RunRow) -> RunRecord:
    return RunRecord(
        id=row.id,
        as_of=row.as_of,
        state=row.state,
        started_at=_utc(row.started_at) or row.started_at,
        finished_at=_utc(row.finished_at),
        actor=row.actor,
        executor=row.executor,
        accounts=row.accounts,
        policy_version=row.policy_version,
        attempts=row.attempts,
        counts=dict(row.counts or {}),
        trades=row.trades,
        estimated_tax=row.estimated_tax,
        seconds=row.seconds,
    )


def _proposal(row: ProposalRow) -> ProposalView:
    return ProposalView(
        run_id=row.run_id,
        account=row.account_id,
        as_of=row.as_of,
        state=row.state,
        value=row.value,
        trades=tuple(row.trades),
        estimated_tax=row.estimated_tax,
        turnover=row.turnover,
        rule=row.rule,
        edited=row.edited,
        decided_by=row.decided_by,
        decided_at=_utc(row.decided_at),
    )
