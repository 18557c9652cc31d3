"""The audit trail's use cases: record a write, list the trail, verify its chain.

Problem: every write must leave one record of who did it, to what, why and what changed,
in the same transaction as the change (so a rolled-back change leaves no record and a
committed one always has its record), and nobody may edit the record unnoticed.

Rule:
- A write service is registered under its action with `@write_service("family.verb")`
  (the registry `WRITE_SERVICES` lets one test enumerate every write) and calls
  `record(uow, principal, action, ...)` once, just before `uow.commit()`.
- `record` turns the principal and the summary into an `AuditDraft` (Decimal, dates and
  enums become strings) and appends it to `uow.audit`, the `AuditTrail` port, which
  chains it onto the current head atomically (`trimtab.domain.audit`).
- `verify` walks the whole trail in seq order and names the first break.

    @write_service("settings.change")
    def change_setting(new_uow, request, *, principal: Principal) -> ...:
        with new_uow() as uow:
            ...                                   # the change
            record(uow, principal, "settings.change", targets=["A-1"],
                   reason="client asked", summary={"setting": "band", "to": Decimal("0.05")})
            uow.commit()
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from trimtab.domain.audit import GENESIS, AuditBreak, AuditDraft, AuditEntry, first_break
from trimtab.domain.principal import Principal

__all__ = [
    "WRITE_SERVICES",
    "AuditFilter",
    "AuditTrail",
    "AuditUnitOfWork",
    "AuditVerification",
    "audit_entries",
    "jsonable",
    "record",
    "verify",
    "write_service",
]


class AuditTrail(Protocol):
    """The append-only, hash-chained record of every write."""

    def append(self, draft: AuditDraft) -> AuditEntry:
        """Number and chain `draft` onto the current head, atomically with respect to every
        other writer: two concurrent appends never get the same seq or previous hash."""
        ...

    def entries(
        self,
        *,
        principal: str | None = None,
        action: str | None = None,
        account: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Entries matching every filter given, newest first. `principal` matches the acting
        principal or the one acted for; `account` any target id; `since` is inclusive,
        `until` exclusive; `action` is a full name (`review.approve`) or a family
        (`review`)."""
        ...

    def in_order(self, since_seq: int = 0) -> Iterator[AuditEntry]:
        """Every entry with seq > `since_seq`, oldest first (streamed, for verification)."""
        ...


class AuditUnitOfWork(Protocol):
    """What the audit services need from a unit of work (every family has `audit`)."""

    @property
    def audit(self) -> AuditTrail: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


NewAuditUnitOfWork = Callable[[], AuditUnitOfWork]

WRITE_SERVICES: dict[str, Callable[..., Any]] = {}
"""Every write service, by the action it records (filled by `@write_service`)."""

F = TypeVar("F", bound=Callable[..., Any])


def write_service(action: str) -> Callable[[F], F]:
    """Register the decorated function as the write service recording `action`."""
    family, dot, verb = action.partition(".")
    if not (family and dot and verb):
        raise ValueError(f"an action is 'family.verb' (settings.change), got {action!r}")

    def register(function: F) -> F:
        existing = WRITE_SERVICES.get(action)
        if existing is not None and _qualified(existing) != _qualified(function):
            raise ValueError(
                f"action {action!r} is already recorded by {_qualified(existing)}; "
                f"{_qualified(function)} needs a name of its own"
            )
        WRITE_SERVICES[action] = function
        return function

    return register


def _qualified(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def jsonable(value: object) -> object:
    """`value` with Decimals, dates, enums, sets and tuples turned into JSON forms.

    Decimals and dates become their exact strings (never floats: money stays exact in
    the record); mappings keep string keys.

        >>> jsonable({"to": Decimal("0.050"), "on": dt.date(2026, 1, 5), "ids": ("A", "B")})
        {'to': '0.050', 'on': '2026-01-05', 'ids': ['A', 'B']}
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Decimal | dt.date | dt.datetime | dt.time):
        return value.isoformat() if isinstance(value, dt.date | dt.time) else str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=str)
    if isinstance(value, Iterable):
        return [jsonable(v) for v in value]
    raise TypeError(f"cannot record {type(value).__name__} {value!r} in an audit summary")


def record(
    uow: AuditUnitOfWork,
    principal: Principal,
    action: str,
    *,
    targets: Iterable[str] = (),
    reason: str = "",
    summary: Mapping[str, object] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append the one audit entry of a write, inside the write's own transaction.

    Call it just before `uow.commit()`: the entry commits with the change or not at all.
    Targets are ids, account ids first (`A-1`, `run:2026-01-05.1`, `filter:drifted`).
    """
    on_behalf_of = principal.on_behalf_of.id if principal.on_behalf_of else None
    details = jsonable(dict(summary or {}))
    assert isinstance(details, dict)  # a mapping stays a mapping
    draft = AuditDraft(
        at=at or dt.datetime.now(dt.UTC),
        principal=principal.id,
        principal_name=principal.name,
        on_behalf_of=on_behalf_of,
        action=action,
        targets=tuple(str(t) for t in targets),
        reason=reason,
        summary=details,
    )
    return uow.audit.append(draft)


@dataclass(frozen=True)
class AuditFilter:
    """What `trimtab audit list` asks for; every field narrows the list."""

    principal: str | None = None
    action: str | None = None
    account: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int | None = None


def audit_entries(
    new_uow: NewAuditUnitOfWork, query: AuditFilter = AuditFilter()
) -> list[AuditEntry]:
    """The entries matching `query`, newest first."""
    with new_uow() as uow:
        return uow.audit.entries(
            principal=query.principal,
            action=query.action,
            account=query.account,
            since=query.since,
            until=query.until,
            limit=query.limit,
        )


@dataclass(frozen=True)
class AuditVerification:
    """The result of walking the trail: how many entries, its head, the first break."""

    entries: int
    head_seq: int
    head_hash: str
    first_break: AuditBreak | None
    anchor_found: bool | None = None  # None when no anchor was asked for

    @property
    def intact(self) -> bool:
        return self.first_break is None and self.anchor_found is not False


def verify(new_uow: NewAuditUnitOfWork, *, anchor: str | None = None) -> AuditVerification:
    """Walk the whole trail in seq order; name the first entry altered, deleted or inserted.

    `anchor` is a head hash kept elsewhere (printed by an earlier verify): the trail must
    still contain it, which catches the newest entries being dropped or the chain being
    rewritten from some point on, both of which leave a self-consistent chain.
    """
    count = 0
    head_seq, head_hash = 0, GENESIS
    seen_anchor = False

    def counted(entries: Iterator[AuditEntry]) -> Iterator[AuditEntry]:
        nonlocal count, head_seq, head_hash, seen_anchor
        for entry in entries:
            count += 1
            head_seq, head_hash = entry.seq, entry.hash
            seen_anchor = seen_anchor or entry.hash == anchor
            yield entry

    with new_uow() as uow:
        found = first_break(counted(uow.audit.in_order()))
    return AuditVerification(
        entries=count,
        head_seq=head_seq,
        head_hash=head_hash,
        first_break=found,
        anchor_found=None if anchor is None else seen_anchor,
    )
