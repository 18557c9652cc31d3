"""SQL of the nightly run: the run records and their lease, a night's bulk reads and a
chunk's bulk writes.

A chunk of accounts costs one query per table (accounts, lots, cash, positions, unknown
bases, tax profiles, the households' recent trades, restrictions, holds) with the ids in
`IN (...)` lists of at most 500, and one INSERT per table for its results, all in one
transaction: a chunk's outcomes are committed together or not at all. The first
statement of the write transaction is a write (the data-errors DELETE), so on SQLite the
write lock is taken at once (and waited for) instead of failing on a stale read
snapshot when two workers commit at the same time.

Starting a run is serialized the same way (`lock_runs`: PostgreSQL's table lock, SQLite's
write lock taken by a first write), so two `trimtab run` started together cannot both
find no run in progress; the lease is then a compare-and-set on the run row.

Each account's latest analysis (`latest_analyses`: newest `as_of`, then highest id,
voided runs left out) is kept by the writes that change it, in their own transaction: a
chunk moves its accounts' pointers to the analyses it wrote when those are newer (an
upsert, so an earlier day run late leaves them), and voiding a run points its accounts
back at their newest analysis left (`refresh_latest_analyses`), or at none.

    >>> # with db.unit_of_work() as uow: uow.night.snapshots(ids, as_of=day)
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CursorResult,
    Select,
    Table,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trimtab.domain import Restriction, Security, TaxLot, TradeRecord, TradeSide
from trimtab.domain.data_quality import PricePoint
from trimtab.domain.money import round_cents_even
from trimtab.domain.records import Parts, RecordDraft, RecordKind, split_analysis
from trimtab.domain.settings_levels import SettingChange
from trimtab.domain.wash_sales import WASH_SALE_WINDOW
from trimtab.services.nightly_analysis import AccountAnalysis, AccountSnapshot
from trimtab.services.run_ports import AlreadyWritten, RunRecord, RunState, Tally
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
from trimtab.store.nightly_tables import ProposalRow, RunOutcomeRow, RunRow
from trimtab.store.record_repository import Prepared, SqlRecords
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
from trimtab.store.workflow_repositories import SqlSettingsRepository
from trimtab.store.workflow_tables import AnalysisRow, LatestAnalysisRow

__all__ = [
    "SqlNightInputs",
    "SqlRunRepository",
    "closes_as_of",
    "id_slices",
    "json_safe",
    "refresh_latest_analyses",
    "voided_runs",
]

_IN = 500  # ids per IN (...) list: well under SQLite's parameter limit
PRICE_LOOKBACK = dt.timedelta(days=21)
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


def id_slices(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    """`ids` in slices short enough for one `IN (...)` list."""
    for start in range(0, len(ids), _IN):
        yield ids[start : start + _IN]


def json_safe(value: Any) -> Any:
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


def closes_as_of(session: Session, as_of: dt.date) -> dict[str, tuple[PricePoint, ...]]:
    """Each security's last two closes on or before `as_of` (within three weeks)."""
    rows = session.execute(
        select(PriceRow.security, PriceRow.date, PriceRow.close)
        .where(PriceRow.date <= as_of, PriceRow.date >= as_of - PRICE_LOOKBACK)
        .order_by(PriceRow.security, PriceRow.date)
    )
    found: defaultdict[str, list[PricePoint]] = defaultdict(list)
    for security, date, close in rows:
        found[security].append(PricePoint(date, close))
    return {s: tuple(points[-2:]) for s, points in found.items()}


def voided_runs() -> Any:
    """The ids of voided runs, as a subquery: what every "latest" reader leaves out."""
    return select(RunRow.id).where(RunRow.state == RunState.VOIDED.value)


_POINTER = ("account_id", "analysis_id", "as_of", "run_id")  # latest_analyses' columns


def refresh_latest_analyses(session: Session, accounts: Sequence[str]) -> None:
    """Point each of `accounts` at its latest analysis from scratch (none: no row).

    For writes that change an account's answer other than by adding a newer analysis: a
    run voided, analyses stored without a run (the test firms' builder). Each account's
    newest analysis is an index look-up (`ix_analyses_account_as_of`, read backwards)."""
    for part in id_slices(sorted(set(accounts))):
        session.execute(delete(LatestAnalysisRow).where(LatestAnalysisRow.account_id.in_(part)))
        newest = select(AnalysisRow.id).where(
            AnalysisRow.account_id == AccountRow.id, AnalysisRow.run_id.not_in(voided_runs())
        )
        newest = newest.order_by(AnalysisRow.as_of.desc(), AnalysisRow.id.desc()).limit(1)
        pointers = (
            _pointers()
            .select_from(AccountRow)
            .join(AnalysisRow, AnalysisRow.id == newest.correlate(AccountRow).scalar_subquery())
            .where(AccountRow.id.in_(part))
        )
        session.execute(insert(LatestAnalysisRow).from_select(_POINTER, pointers))


def _pointers() -> Select[str, int, dt.date, str]:
    """Analyses as rows of `latest_analyses` (`_POINTER`'s columns, in order)."""
    return select(AnalysisRow.account_id, AnalysisRow.id, AnalysisRow.as_of, AnalysisRow.run_id)


def _point_to_newer(session: Session, written: Select[str, int, dt.date, str]) -> None:
    """Upsert `written` (rows of `_POINTER`) where each is newer than the account's kept
    pointer: a later `as_of`, or the same day and a higher id (a re-run of the day)."""
    table = LatestAnalysisRow.__table__
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(table).from_select(_POINTER, written)
    new, kept = statement.excluded, table.c
    newer = or_(
        new.as_of > kept.as_of, and_(new.as_of == kept.as_of, new.analysis_id > kept.analysis_id)
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["account_id"],
            set_={c: new[c] for c in _POINTER[1:]},
            where=newer,
        )
    )


class SqlNightInputs:
    """What a night reads: the firm-wide context (once per worker) and each chunk's accounts."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def firm(self) -> str:
        return self.session.scalars(select(FirmRow.id).order_by(FirmRow.id)).first() or "firm"

    def securities(self) -> dict[str, Security]:
        return {r.ticker: m.security_from_row(r) for r in self.session.scalars(select(SecurityRow))}

    def closes(self, as_of: dt.date) -> dict[str, tuple[PricePoint, ...]]:
        return closes_as_of(self.session, as_of)

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

    def settings_history(self) -> list[SettingChange]:
        return SqlSettingsRepository(self.session).history()

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
        for part in id_slices(ids):
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
        since = as_of - WASH_SALE_WINDOW
        for part in id_slices(households):
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


class SqlRunRepository:
    """The runs table and each run's outcomes: start, lease, tally, finish, void."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- which runs there are ------------------------------------------------------------

    def runs(self, limit: int = 10, *, include_voided: bool = False) -> list[RunRecord]:
        query = select(RunRow)
        if not include_voided:
            query = query.where(RunRow.state != RunState.VOIDED.value)
        rows = self.session.scalars(query.order_by(RunRow.started_at.desc()).limit(limit))
        return [_run(r) for r in rows]

    def run(self, run_id: str) -> RunRecord | None:
        row = self.session.get(RunRow, run_id)
        return None if row is None else _run(row)

    def latest_run(self) -> RunRecord | None:
        found = self.runs(limit=1)
        return found[0] if found else None

    def latest_finished_run(self) -> RunRecord | None:
        row = self.session.scalars(
            select(RunRow)
            .where(RunRow.state == RunState.FINISHED.value)
            .order_by(RunRow.started_at.desc())
        ).first()
        return None if row is None else _run(row)

    def unfinished_runs(self) -> list[RunRecord]:
        rows = self.session.scalars(
            select(RunRow)
            .where(RunRow.state == RunState.RUNNING.value)
            .order_by(RunRow.started_at.desc())
        )
        return [_run(r) for r in rows]

    def runs_on(self, as_of: dt.date) -> int:
        return int(
            self.session.scalar(
                select(func.count()).select_from(RunRow).where(RunRow.as_of == as_of)
            )
            or 0
        )

    # -- starting, leasing, finishing ----------------------------------------------------

    def lock_runs(self) -> None:
        """Serialize run starts until this transaction ends.

        PostgreSQL: a table lock that conflicts with itself (plain reads still pass).
        SQLite: a first statement that writes takes the database's write lock now, so a
        second starter waits here instead of reading a snapshot it can no longer write
        from ("database is locked")."""
        if self.session.connection().dialect.name == "postgresql":
            self.session.execute(text("LOCK TABLE runs IN SHARE ROW EXCLUSIVE MODE"))
        else:
            self.session.execute(update(RunRow).where(RunRow.id.is_(None)).values(id=RunRow.id))

    def start_run(self, run: RunRecord) -> None:
        self.session.add(
            RunRow(
                id=run.id,
                as_of=run.as_of,
                state=RunState.RUNNING.value,
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
                holder=run.holder,
                heartbeat_at=run.heartbeat_at,
                forced_reason=run.forced_reason,
            )
        )
        self.session.flush()

    def resume_run(self, run_id: str, *, executor: str, accounts: int) -> None:
        self.session.execute(
            update(RunRow)
            .where(RunRow.id == run_id)
            .values(attempts=RunRow.attempts + 1, executor=executor, accounts=accounts)
        )

    def take_lease(self, run_id: str, *, holder: str, at: dt.datetime, seen: str | None) -> bool:
        """Become the run's holder if its holder is still `seen` (compare-and-set)."""
        held = RunRow.holder.is_(None) if seen is None else RunRow.holder == seen
        return self._changed(
            update(RunRow)
            .where(RunRow.id == run_id, RunRow.state == RunState.RUNNING.value, held)
            .values(holder=holder, heartbeat_at=at)
        )

    def heartbeat(self, run_id: str, *, holder: str, at: dt.datetime) -> bool:
        """Refresh the lease; False when `holder` no longer holds it."""
        return self._changed(
            update(RunRow)
            .where(RunRow.id == run_id, RunRow.holder == holder)
            .values(heartbeat_at=at)
        )

    def release_lease(self, run_id: str, *, holder: str) -> None:
        self.session.execute(
            update(RunRow)
            .where(RunRow.id == run_id, RunRow.holder == holder)
            .values(holder=None, heartbeat_at=None)
        )

    def _changed(self, statement: Any) -> bool:
        result = self.session.execute(statement)
        assert isinstance(result, CursorResult)
        return result.rowcount == 1

    def finish_run(
        self, run_id: str, *, tally: Tally, finished_at: dt.datetime, seconds: float
    ) -> None:
        self.session.execute(
            update(RunRow)
            .where(RunRow.id == run_id)
            .values(
                state=RunState.FINISHED.value,
                finished_at=finished_at,
                counts=tally.counts,
                trades=tally.trades,
                estimated_tax=tally.estimated_tax,
                seconds=seconds,
                holder=None,
                heartbeat_at=None,
            )
        )

    def void_run(self, run_id: str, *, by: str, at: dt.datetime, reason: str) -> None:
        self.session.execute(
            update(RunRow)
            .where(RunRow.id == run_id)
            .values(
                state=RunState.VOIDED.value,
                voided_at=at,
                voided_by=by,
                void_reason=reason,
                holder=None,
                heartbeat_at=None,
            )
        )
        # After the state: the run's analyses are now nobody's latest, so its accounts
        # fall back to their newest analysis left (or to none).
        pointed = select(LatestAnalysisRow.account_id).where(LatestAnalysisRow.run_id == run_id)
        refresh_latest_analyses(self.session, list(self.session.scalars(pointed)))

    # -- progress: the run's outcomes ----------------------------------------------------

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

    def done(self, run_id: str) -> set[str]:
        return set(
            self.session.scalars(
                select(RunOutcomeRow.account_id).where(RunOutcomeRow.run_id == run_id)
            )
        )

    def not_analyzed(self, run_id: str, *, limit: int) -> tuple[int, list[str]]:
        outcome = select(RunOutcomeRow.account_id).where(
            RunOutcomeRow.run_id == run_id, RunOutcomeRow.account_id == AccountRow.id
        )
        missing = AccountRow.status.in_(ANALYZED) & ~outcome.exists()
        count = self.session.scalar(select(func.count()).select_from(AccountRow).where(missing))
        if not count:
            return 0, []
        first = select(AccountRow.id).where(missing).order_by(AccountRow.id).limit(limit)
        return int(count), list(self.session.scalars(first))

    def tally(self, run_id: str) -> Tally:
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
        return Tally(counts, int(trades), round_cents_even(Decimal(str(tax))))

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

    # -- one chunk: write ----------------------------------------------------------------

    def write_chunk(
        self,
        run_id: str,
        as_of: dt.date,
        chunk: int,
        analyses: Sequence[AccountAnalysis],
        *,
        at: dt.datetime,
    ) -> None:
        """Every result of one chunk; the caller commits (one transaction per chunk).

        Raises `AlreadyWritten` when some account already has an outcome in the run."""
        try:
            self._write_chunk(run_id, as_of, chunk, analyses, at=at)
        except IntegrityError as error:
            # Only the run's unique (run, account) keys can collide here: every other row
            # of a chunk is new or keyed by it. PostgreSQL's transaction is now aborted;
            # the caller rolls back and retries with the accounts still to do.
            raise AlreadyWritten(f"run {run_id}: some of these accounts were written") from error

    def _write_chunk(
        self,
        run_id: str,
        as_of: dt.date,
        chunk: int,
        analyses: Sequence[AccountAnalysis],
        *,
        at: dt.datetime,
    ) -> None:
        s = self.session
        # The records' reading and compressing first: on SQLite the first write below
        # takes the database's write lock, which every other worker then waits for.
        records = _prepare_records(s, run_id, as_of, analyses, at=at)
        ids = [a.account for a in analyses]
        for part in id_slices(ids):
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
        for part in id_slices(ids):
            # A run voided under a stalled writer moves no pointer (voided_runs).
            written = _pointers().where(
                AnalysisRow.account_id.in_(part),
                AnalysisRow.as_of == as_of,
                AnalysisRow.run_id == run_id,
                AnalysisRow.run_id.not_in(voided_runs()),
            )
            _point_to_newer(s, written)
        proposals = [
            {
                "run_id": run_id,
                "account_id": a.account,
                "as_of": as_of,
                "state": "auto" if a.routing.outcome.value == "auto_trade" else "pending",
                "value": a.value or Decimal(0),
                "trades": json_safe(list(a.trades)),
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
        # Last: the records' head stays locked from here until the commit.
        SqlRecords(s).append(records.drafts, prepared=records)


def _prepare_records(
    session: Session,
    run_id: str,
    as_of: dt.date,
    analyses: Sequence[AccountAnalysis],
    *,
    at: dt.datetime,
) -> Prepared:
    """Each analysis's record, split into parts stored once (domain/records.py) and
    compressed, ready to chain."""
    drafts, parts = [], Parts()
    day = as_of.isoformat()
    for a in analyses:
        record = a.record()
        # A case the engine accepted has only finite numbers (both build_case and
        # parse_case check): no need to prove it again.
        if a.status == "invalid":
            record["case"] = json_safe(record["case"])
        record["result"] = json_safe(record["result"])
        content, found = split_analysis(record, account=a.account, as_of=day)
        parts.merge(found)
        drafts.append(RecordDraft(RecordKind.ANALYSIS, run_id, a.account, as_of, at, content))
    return SqlRecords(session).prepare(drafts, parts)


def _run(row: RunRow) -> RunRecord:
    return RunRecord(
        id=row.id,
        as_of=row.as_of,
        state=RunState(row.state),
        started_at=m.as_utc(row.started_at) or row.started_at,
        finished_at=m.as_utc(row.finished_at),
        actor=row.actor,
        executor=row.executor,
        accounts=row.accounts,
        policy_version=row.policy_version,
        attempts=row.attempts,
        counts=dict(row.counts or {}),
        trades=row.trades,
        estimated_tax=row.estimated_tax,
        seconds=row.seconds,
        holder=row.holder,
        heartbeat_at=m.as_utc(row.heartbeat_at),
        forced_reason=row.forced_reason,
        voided_at=m.as_utc(row.voided_at),
        voided_by=row.voided_by,
        void_reason=row.void_reason,
    )
