"""Loading a feed file: validate it whole, then write it in one transaction, or not at all.

Problem: a custodian file is either right or it is not. Half a holdings file loaded is
worse than none (half the accounts look liquidated), and the same file dropped twice
must not double anything. A file for 100,000 accounts must not be held in memory.

Rule: `load_feed` reads the file twice, streaming. The first pass validates every row:
its format (the reader's problems), duplicates of the kind's key (`KEYS`),
and references — accounts must exist; prices, restrictions and corporate actions must
name known securities; a security the master does not know in holdings, positions,
transactions or model weights is *not* an error but an unknown security, detected here.
Any problem rejects the file: nothing is written but the load record with its report
(every problem with its file, row, column, value and what was expected). A file whose
content (SHA-256) was already loaded is recorded as a duplicate and changes nothing.
Every number must fit the store's column (`uow.feed_data.number_limits`, read from the
tables): one that would be rounded or could not be held is a problem, never changed.
A lots file is a snapshot (`file.snapshot`, declared in the source's mapping): of the
accounts in it, or of the whole firm; what each account would gain and lose is worked
out before writing, and a file removing more than the mapping's share of the firm's
lots is refused unless `force`. `dry_run` validates and works that out, and returns it
without writing anything (not even the load record).
Otherwise the second pass writes in chunks inside one unit of work: lots replace those
of the snapshot; positions those of the accounts in the file; an onboarding file
(`accounts`) creates or updates accounts, households, advisors and tax profiles; prices,
securities, restrictions and cash are upserted; transactions appended; corporate
actions recorded (applied by `corporate_action_processing`); a provider's model lines
become a new version of each model; a risk model's part replaces the one of that name.
Unknown securities get a placeholder in the master, an alert, and a hold on every
account that has them, until `security_master.classify_security`.

Every call is one write (whatever its outcome, the load record is written in one
transaction) and leaves one audit entry, `feeds.load`, in that transaction: targets the
accounts in the file (those whose data it replaced or added to; none when the file was
rejected or a duplicate, as nothing of theirs changed), then `file:<name>` and each
unknown security found (`security:<ticker>`); the summary keeps the outcome, kind,
source, rows and problems counted. The write itself goes in chunks of `CHUNK` rows, but
in one transaction: one entry, however many chunks.

    >>> # result = load_feed(db.unit_of_work, feed_file, principal=ops, now=now)
    >>> # result.outcome, [str(p) for p in result.problems]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from trimtab.domain.corporate_action_events import CorporateActionEvent
from trimtab.domain.feed_records import (
    AccountOnboarding,
    CustodianPosition,
    FeedKind,
    FeedRecord,
    FileProblem,
    LotChange,
    ModelWeight,
    NumberLimit,
    ReportedLot,
    SnapshotScope,
    lot_changes,
    numbers_of,
)
from trimtab.domain.file_transfers import ArrivalOutcome
from trimtab.domain.holdings import CashBalance, TaxLot
from trimtab.domain.models import model_from_lines
from trimtab.domain.onboarding import OnboardingCheck
from trimtab.domain.principal import Principal
from trimtab.domain.restrictions import Level, Restriction
from trimtab.domain.risk_model import FactorCovariance, FactorExposure, SpecificRisk
from trimtab.domain.securities import Price, Security
from trimtab.domain.trade_history import TradeRecord
from trimtab.domain.versions import next_version
from trimtab.services.audit import record, write_service
from trimtab.services.feed_ports import (
    AccountHold,
    Alert,
    DataUnitOfWork,
    FeedDataRepository,
    FeedFile,
    FeedLoad,
)

__all__ = ["KEYS", "LoadResult", "load_feed"]

NewUnitOfWork = Callable[[], DataUnitOfWork]
CHUNK = 10_000
# The load record keeps this many problems; the report beside the file keeps them all.
STORED_PROBLEMS = 1_000

# What must be unique within one file, by kind (two prices of one security on one day
# are a duplicate, whatever their closes). Transactions have no key: two identical
# fills on one day are legitimate.
KEYS: dict[FeedKind, Callable[[Any], tuple[object, ...]]] = {
    FeedKind.SECURITIES: lambda r: (r.ticker,),
    FeedKind.PRICES: lambda r: (r.ticker, r.date),
    FeedKind.LOTS: lambda r: (r.lot.id,),
    FeedKind.POSITIONS: lambda r: (r.account, r.security),
    FeedKind.CASH: lambda r: (r.account,),
    FeedKind.CORPORATE_ACTIONS: lambda r: (r.id,),
    FeedKind.RESTRICTIONS: lambda r: (r.level, r.scope, r.security, r.kind),
    FeedKind.MODEL_WEIGHTS: lambda r: (r.model, r.security),
    FeedKind.RISK_EXPOSURES: lambda r: (r.model, r.security, r.factor),
    FeedKind.RISK_COVARIANCE: lambda r: (r.model, r.factor, r.other),
    FeedKind.SPECIFIC_RISK: lambda r: (r.model, r.security),
    FeedKind.ACCOUNTS: lambda r: (r.account,),
}
_KEY_COLUMN = {
    FeedKind.SECURITIES: "ticker",
    FeedKind.PRICES: "date",
    FeedKind.LOTS: "lot_id",
    FeedKind.POSITIONS: "security",
    FeedKind.CASH: "account",
    FeedKind.CORPORATE_ACTIONS: "action_id",
    FeedKind.RESTRICTIONS: "kind",
    FeedKind.MODEL_WEIGHTS: "security",
    FeedKind.RISK_EXPOSURES: "factor",
    FeedKind.RISK_COVARIANCE: "other",
    FeedKind.SPECIFIC_RISK: "security",
    FeedKind.ACCOUNTS: "account",
}
# Kinds whose unknown securities are detected (and loaded under a placeholder) rather
# than rejected: what a client holds is a fact, even before the master knows it.
_DETECTS_UNKNOWN = {
    FeedKind.LOTS,
    FeedKind.POSITIONS,
    FeedKind.TRANSACTIONS,
    FeedKind.MODEL_WEIGHTS,
}


@dataclass(frozen=True)
class LoadResult:
    file: str
    kind: FeedKind | None  # None: the file's kind could not be told from its name
    source: str
    outcome: ArrivalOutcome
    rows: int = 0
    problems: tuple[FileProblem, ...] = ()
    notes: tuple[str, ...] = ()
    unknown_securities: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # A lots file: what each account gains and loses (would, in a dry run).
    lot_changes: tuple[LotChange, ...] = ()
    dry_run: bool = False  # validated only: nothing was written

    @property
    def loaded(self) -> bool:
        return self.outcome is ArrivalOutcome.LOADED

    def report(self) -> dict[str, Any]:
        """The report written beside the file (JSON)."""
        return {
            "file": self.file,
            "kind": self.kind.value if self.kind else None,
            "source": self.source,
            "outcome": self.outcome.value,
            "rows": self.rows,
            "problems": [p.as_dict() for p in self.problems],
            "notes": list(self.notes),
            "unknown_securities": {t: list(a) for t, a in self.unknown_securities.items()},
            "lot_changes": {
                c.account: {"gained": len(c.gained), "lost": len(c.lost), "kept": c.kept}
                for c in self.lot_changes
            },
        }


@dataclass
class _Scan:
    """What the validation pass learns about the file."""

    rows: int = 0
    problems: list[FileProblem] = field(default_factory=list)
    accounts: set[str] = field(default_factory=set)
    unknown: dict[str, set[str]] = field(default_factory=dict)  # ticker -> accounts
    first_row_of_unknown: dict[str, int] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)  # risk models / provider models in the file
    models: dict[tuple[str, str], list[tuple[int, ModelWeight]]] = field(default_factory=dict)
    lots: dict[str, list[TaxLot]] = field(default_factory=dict)  # a lots file's, by account


@write_service("feeds.load")
def load_feed(
    new_uow: NewUnitOfWork,
    file: FeedFile,
    *,
    principal: Principal,
    now: dt.datetime,
    dry_run: bool = False,
    force: bool = False,
) -> LoadResult:
    checksum = file.checksum
    base = FeedLoad(
        file.source,
        file.kind.value,
        file.name,
        checksum,
        ArrivalOutcome.LOADED,
        now,
        principal.recorded_as,
    )

    with new_uow() as uow:
        previous = uow.feed_loads.accepted(checksum)
        if previous is not None:
            note = (
                f"the same content as {previous.filename}, loaded "
                f"{previous.received_at:%Y-%m-%d %H:%M} UTC: nothing changed"
            )
            if not dry_run:
                uow.feed_loads.record(_with(base, ArrivalOutcome.DUPLICATE, notes=(note,)))
                _audit(uow, principal, base, ArrivalOutcome.DUPLICATE)
                uow.commit()
            return LoadResult(
                file.name,
                file.kind,
                file.source,
                ArrivalOutcome.DUPLICATE,
                notes=(note,),
                dry_run=dry_run,
            )
        accounts = uow.feed_data.account_ids()
        tickers = uow.feed_data.tickers()
        classes = uow.feed_data.asset_class_ids()
        limits = uow.feed_data.number_limits(file.kind)
        onboarding = (
            _onboarding_check(file.name, uow.feed_data.organization_ids())
            if file.kind is FeedKind.ACCOUNTS
            else None
        )
    scan = _validate(file, accounts, tickers, classes, limits, onboarding)
    changes: tuple[LotChange, ...] = ()
    if file.kind is FeedKind.LOTS and not scan.problems:
        with new_uow() as uow:
            changes, refusal = _snapshot_changes(uow.feed_data, file, scan)
        if refusal is not None and not force:
            scan.problems.append(FileProblem(file.name, 0, "", f"{scan.rows} rows", refusal))
    if dry_run:
        outcome = ArrivalOutcome.REJECTED if scan.problems else ArrivalOutcome.LOADED
        return LoadResult(
            file.name,
            file.kind,
            file.source,
            outcome,
            scan.rows,
            tuple(scan.problems),
            lot_changes=changes,
            dry_run=True,
        )
    if scan.problems:
        with new_uow() as uow:
            uow.feed_loads.record(
                _with(
                    base,
                    ArrivalOutcome.REJECTED,
                    rows=scan.rows,
                    problems=tuple(scan.problems[:STORED_PROBLEMS]),
                )
            )
            _audit(
                uow,
                principal,
                base,
                ArrivalOutcome.REJECTED,
                rows=scan.rows,
                problems=len(scan.problems),
            )
            uow.commit()
        return LoadResult(
            file.name,
            file.kind,
            file.source,
            ArrivalOutcome.REJECTED,
            scan.rows,
            tuple(scan.problems),
        )
    with new_uow() as uow:
        notes = _write(uow, file, scan, changes, author=principal.recorded_as, now=now)
        unknown = {t: tuple(sorted(a)) for t, a in sorted(scan.unknown.items())}
        notes += _detect_unknown(uow, file, unknown, now=now)
        uow.feed_loads.record(
            _with(base, ArrivalOutcome.LOADED, rows=scan.rows, notes=tuple(notes))
        )
        _audit(
            uow,
            principal,
            base,
            ArrivalOutcome.LOADED,
            rows=scan.rows,
            accounts=sorted(scan.accounts | {c.account for c in changes if c.lost}),
            unknown=list(unknown),
        )
        uow.commit()
    return LoadResult(
        file.name,
        file.kind,
        file.source,
        ArrivalOutcome.LOADED,
        scan.rows,
        (),
        tuple(notes),
        unknown,
        lot_changes=changes,
    )


def _onboarding_check(name: str, ids: dict[str, set[str]]) -> OnboardingCheck:
    return OnboardingCheck(
        name, advisors=ids["advisor"], branches=ids["branch"], programs=ids["program"]
    )


def _snapshot_changes(
    data: FeedDataRepository, file: FeedFile, scan: _Scan
) -> tuple[tuple[LotChange, ...], str | None]:
    """What the lots file does to each account its snapshot covers, and why it is refused
    unforced (None: it may load)."""
    snapshot = file.snapshot
    covered = None if snapshot.scope is SnapshotScope.FIRM else scan.accounts
    changes = lot_changes(data.lots_of(covered), scan.lots)
    return changes, snapshot.refusal(changes, held=data.lot_count())


def _with(base: FeedLoad, outcome: ArrivalOutcome, **changes: Any) -> FeedLoad:
    return replace(base, outcome=outcome, **changes)


def _audit(
    uow: DataUnitOfWork,
    principal: Principal,
    load: FeedLoad,
    outcome: ArrivalOutcome,
    *,
    rows: int = 0,
    problems: int = 0,
    accounts: Sequence[str] = (),
    unknown: Sequence[str] = (),
) -> None:
    """The load's one audit entry (see the module doc for its targets)."""
    record(
        uow,
        principal,
        "feeds.load",
        targets=[*accounts, f"file:{load.filename}", *(f"security:{t}" for t in unknown)],
        summary={
            "outcome": outcome,
            "feed": load.feed,
            "source": load.source,
            "checksum": load.checksum,
            "rows": rows,
            "problems": problems,
            "accounts": len(accounts),
        },
        at=load.received_at,
    )


# -- pass 1: validation --------------------------------------------------------------------


def _validate(
    file: FeedFile,
    accounts: set[str],
    tickers: set[str],
    classes: set[str],
    limits: dict[str, NumberLimit],
    onboarding: OnboardingCheck | None = None,
) -> _Scan:
    scan = _Scan()
    key_of = KEYS.get(file.kind)
    first_seen: dict[tuple[object, ...], int] = {}
    for feed_row in file.rows():
        scan.problems += feed_row.problems
        record = feed_row.record
        if record is None:
            if feed_row.row >= 2:
                scan.rows += 1
            continue
        scan.rows += 1
        if key_of is not None:
            key = key_of(record)
            if key in first_seen:
                scan.problems.append(
                    FileProblem(
                        file.name,
                        feed_row.row,
                        _KEY_COLUMN[file.kind],
                        " / ".join(str(k) for k in key),
                        f"each {file.kind} once: a duplicate of row {first_seen[key]}",
                    )
                )
            else:
                first_seen[key] = feed_row.row
        scan.problems += _references(file, feed_row.row, record, scan, accounts, tickers, classes)
        scan.problems += _number_problems(file, feed_row.row, record, limits)
        if onboarding is not None and isinstance(record, AccountOnboarding):
            scan.problems += onboarding.row(feed_row.row, record)
        if isinstance(record, ReportedLot):
            scan.lots.setdefault(record.lot.account, []).append(record.lot)
    if onboarding is not None:
        scan.problems += onboarding.finish()
    if file.kind is FeedKind.MODEL_WEIGHTS:
        scan.problems += _model_problems(file, scan, tickers)
    return scan


def _references(
    file: FeedFile,
    row: int,
    record: FeedRecord,
    scan: _Scan,
    accounts: set[str],
    tickers: set[str],
    classes: set[str],
) -> list[FileProblem]:
    problems: list[FileProblem] = []
    account, security = _account_and_security(record)
    if account is not None:
        scan.accounts.add(account)
        if account not in accounts and file.kind is not FeedKind.ACCOUNTS:
            problems.append(
                FileProblem(
                    file.name,
                    row,
                    "account",
                    account,
                    "an account of the firm (load accounts first)",
                )
            )
    if security is not None and security not in tickers:
        if file.kind in _DETECTS_UNKNOWN:
            holders = scan.unknown.setdefault(security, set())
            if account is not None:
                holders.add(account)
            scan.first_row_of_unknown.setdefault(security, row)
        else:
            column = "ticker" if file.kind is FeedKind.SECURITIES else "security"
            problems.append(
                FileProblem(
                    file.name,
                    row,
                    column,
                    security,
                    "a security in the master (load the securities feed first)",
                )
            )
    if isinstance(record, Security) and record.asset_class and record.asset_class not in classes:
        problems.append(
            FileProblem(
                file.name, row, "asset_class", record.asset_class, "an asset class of the firm"
            )
        )
    if isinstance(record, FactorExposure | FactorCovariance | SpecificRisk):
        scan.names.add(record.model)
    if isinstance(record, ModelWeight):
        scan.models.setdefault((record.provider, record.model), []).append((row, record))
    return problems


def _account_and_security(record: FeedRecord) -> tuple[str | None, str | None]:
    match record:
        case ReportedLot():
            return record.lot.account, record.lot.security
        case CustodianPosition() | TradeRecord():
            return record.account, record.security
        case CashBalance() | AccountOnboarding():
            return record.account, None
        case Price():
            return None, record.ticker
        case Restriction():
            return (record.scope if record.level is Level.ACCOUNT else None), record.security
        case CorporateActionEvent():
            return None, record.security
        case ModelWeight():
            return None, record.security
        case _:
            return None, None


def _number_problems(
    file: FeedFile, row: int, record: FeedRecord, limits: dict[str, NumberLimit]
) -> list[FileProblem]:
    """Each number the store could not hold exactly (it would round it, or refuse it)."""
    problems: list[FileProblem] = []
    for column, value in numbers_of(record).items():
        limit = limits.get(column)
        expected = limit.problem(value) if limit is not None else None
        if expected is not None:
            problems.append(FileProblem(file.name, row, column, format(value, "f"), expected))
    return problems


def _model_problems(file: FeedFile, scan: _Scan, tickers: set[str]) -> list[FileProblem]:
    """Each provider model in the file must be a valid model (the model book's own rule)."""
    problems: list[FileProblem] = []
    known = tickers | set(scan.unknown)
    for (provider, model_id), lines in scan.models.items():
        _, found = model_from_lines(
            model_id,
            model_id,
            [(w.security, w.weight) for _, w in lines],
            known=known,
            provider=provider,
        )
        for p in found:
            # `lines[3].weight` or `lines` (the whole model): point at the row concerned.
            index = int(p.path.split("[")[1].split("]")[0]) if "[" in p.path else 0
            row = lines[index][0]
            problems.append(FileProblem(file.name, row, "weight", model_id, p.message))
    return problems


# -- pass 2: writing -----------------------------------------------------------------------


def _chunks(file: FeedFile) -> Iterator[list[FeedRecord]]:
    chunk: list[FeedRecord] = []
    for feed_row in file.rows():
        if feed_row.record is not None:
            chunk.append(feed_row.record)
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _write(
    uow: DataUnitOfWork,
    file: FeedFile,
    scan: _Scan,
    changes: Sequence[LotChange],
    *,
    author: str,
    now: dt.datetime,
) -> list[str]:
    data = uow.feed_data
    kind = file.kind
    # Placeholders first: lots and positions of an unknown security need its row.
    if scan.unknown and kind is not FeedKind.MODEL_WEIGHTS:
        data.upsert_securities(
            [Security(t, name=f"unclassified (first seen in {file.name})") for t in scan.unknown]
        )
    if kind is FeedKind.LOTS:
        data.remove_lots({c.account for c in changes})
    if kind is FeedKind.POSITIONS:
        data.replace_positions(scan.accounts)
    if kind in (FeedKind.RISK_EXPOSURES, FeedKind.RISK_COVARIANCE, FeedKind.SPECIFIC_RISK):
        data.remove_risk_models(scan.names, kind)
    if kind is FeedKind.MODEL_WEIGHTS:
        return _record_models(uow, file, scan, author=author, now=now)
    writers: dict[FeedKind, Callable[[Sequence[Any]], None]] = {
        FeedKind.SECURITIES: data.upsert_securities,
        FeedKind.PRICES: data.upsert_prices,
        FeedKind.LOTS: data.add_lots,
        FeedKind.POSITIONS: data.add_positions,
        FeedKind.TRANSACTIONS: data.add_trades,
        FeedKind.CASH: data.set_cash,
        FeedKind.CORPORATE_ACTIONS: lambda events: data.add_actions(events, file.source),
        FeedKind.RESTRICTIONS: data.upsert_restrictions,
        FeedKind.RISK_EXPOSURES: data.add_exposures,
        FeedKind.RISK_COVARIANCE: data.add_covariances,
        FeedKind.SPECIFIC_RISK: data.add_specific_risks,
        FeedKind.ACCOUNTS: data.onboard,
    }
    write = writers[kind]
    for chunk in _chunks(file):
        write(chunk)
    notes = [f"{scan.rows} {kind} rows loaded"]
    if kind is FeedKind.LOTS:
        notes.append(
            f"{file.snapshot.describe()}: lots of {len(changes)} accounts replaced; "
            f"{sum(len(c.gained) for c in changes)} lots gained, "
            f"{sum(len(c.lost) for c in changes)} lost, {sum(c.kept for c in changes)} kept"
        )
    if kind is FeedKind.CORPORATE_ACTIONS:
        notes.append("recorded; apply with `trimtab corporate-actions apply`")
    return notes


def _record_models(
    uow: DataUnitOfWork, file: FeedFile, scan: _Scan, *, author: str, now: dt.datetime
) -> list[str]:
    notes: list[str] = []
    known = set(uow.feed_data.tickers()) | set(scan.unknown)
    if scan.unknown:
        uow.feed_data.upsert_securities(
            [Security(t, name=f"unclassified (first seen in {file.name})") for t in scan.unknown]
        )
    for (provider, model_id), lines in scan.models.items():
        name = next((w.name for _, w in lines if w.name), model_id)
        model, _ = model_from_lines(
            model_id,
            name,
            [(w.security, w.weight) for _, w in lines],
            known=known,
            provider=provider,
        )
        if model is None:  # validated in the first pass
            raise AssertionError(f"model {model_id} passed validation but does not build")
        history = uow.model_book.history("model", model_id)
        version, problems = next_version(
            history,
            model,
            author=author,
            recorded_at=now,
            reason=f"feed {file.name} from {provider}",
        )
        if version is None:
            notes += [f"model {model_id}: {p.message}" for p in problems]
            continue
        uow.model_book.record(version)
        notes.append(f"model {model_id} version {version.number} recorded")
    return notes


def _detect_unknown(
    uow: DataUnitOfWork, file: FeedFile, unknown: dict[str, tuple[str, ...]], *, now: dt.datetime
) -> list[str]:
    notes: list[str] = []
    day = now.date()
    for ticker, accounts in unknown.items():
        uow.holds.note_unknown(ticker, first_seen=day, source=file.source)
        reason = f"holds {ticker}, which the security master does not know: classify it"
        for account in accounts:
            uow.holds.hold(AccountHold(account, "unknown_security", ticker, reason, now))
        uow.feed_loads.raise_alert(
            Alert(
                day,
                "unknown_security",
                ticker,
                f"{ticker} first seen in {file.name}; {len(accounts)} accounts held "
                "until it is classified",
                now,
            )
        )
        notes.append(
            f"unknown security {ticker}: {len(accounts)} accounts held until it is classified"
        )
    return notes
