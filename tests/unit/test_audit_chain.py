"""Scenarios: the audit trail's hash chain, and what `first_break` says when it is broken.

The domain (`trimtab.domain.audit`) chains entries and finds the first break; the
services (`trimtab.services.audit`) turn a principal and a summary into a draft and
register write services. Both run here on the in-memory `FakeAuditTrail`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import doctest
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tests.fakes.audit
import trimtab.domain.audit
import trimtab.services.audit
from tests.builders import acting_for, user
from tests.fakes.audit import FakeAuditTrail
from trimtab.domain.audit import (
    GENESIS,
    AuditDraft,
    AuditEntry,
    BreakKind,
    canonical,
    chain,
    first_break,
)
from trimtab.domain.principal import NIGHTLY, Principal, Role
from trimtab.services.audit import WRITE_SERVICES, record, verify, write_service

T0 = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)


def _draft(i: int = 0, **changes: Any) -> AuditDraft:
    draft = AuditDraft(
        at=T0 + dt.timedelta(minutes=i),
        principal="cli:alice",
        principal_name="alice",
        on_behalf_of=None,
        action="settings.change",
        targets=(f"A-{i}",),
        reason=f"change {i}",
        summary={"setting": "band", "to": str(i)},
    )
    return dataclasses.replace(draft, **changes)


def _trail(n: int) -> list[AuditEntry]:
    trail = FakeAuditTrail()
    for i in range(n):
        trail.append(_draft(i))
    return trail.appended


def _renumbered(entries: list[AuditEntry], start: int, by: int) -> list[AuditEntry]:
    """What raw SQL `UPDATE ... SET seq = seq + by WHERE seq >= start` leaves behind."""
    return [dataclasses.replace(e, seq=e.seq + by) if e.seq >= start else e for e in entries]


@pytest.mark.parametrize(
    "module", [trimtab.domain.audit, trimtab.services.audit, tests.fakes.audit]
)
def test_the_docstring_examples_hold(module: Any) -> None:
    failures, tried = doctest.testmod(module)
    assert tried > 0
    assert failures == 0


# --- the chain --------------------------------------------------------------------------


def test_each_hash_covers_the_canonical_content_and_the_previous_hash() -> None:
    first, second = _trail(2)
    assert first.previous_hash == GENESIS
    assert second.previous_hash == first.hash
    expected = hashlib.sha256((canonical(_draft(1), 2) + first.hash).encode()).hexdigest()
    assert second.hash == expected
    assert json.loads(canonical(_draft(1), 2))["seq"] == 2


def test_the_canonical_content_is_the_same_in_any_time_zone_and_key_order() -> None:
    here = T0.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    a = _draft(0, summary={"b": 1, "a": [1, 2]})
    b = _draft(0, at=here, summary={"a": [1, 2], "b": 1})
    assert canonical(a, 1) == canonical(b, 1)
    assert '"at":"2026-01-05T14:30:00.000000+00:00"' in canonical(b, 1)
    assert " " not in canonical(a, 1).replace("change 0", "")


def test_a_draft_refuses_a_naive_time_a_bare_action_and_a_summary_json_cannot_hold() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _draft(at=dt.datetime(2026, 1, 5))  # noqa: DTZ001 - the naive time under test
    with pytest.raises(ValueError, match=r"family\.verb"):
        _draft(action="approve")
    with pytest.raises(ValueError, match="JSON-able"):
        _draft(summary={"to": Decimal("0.05")})
    with pytest.raises(ValueError, match="JSON-able"):
        _draft(summary={"to": float("nan")})


def test_a_draft_keeps_its_own_copy_of_the_summary() -> None:
    summary: dict[str, object] = {"to": ["A"]}
    draft = _draft(summary=summary)
    summary["to"] = ["B"]
    assert draft.summary == {"to": ["A"]}


def test_an_intact_trail_has_no_break() -> None:
    assert first_break(_trail(5)) is None
    assert first_break([]) is None


# --- each kind of break, named --------------------------------------------------------


def test_an_altered_entry_is_named_with_its_seq_action_and_time() -> None:
    entries = _trail(5)
    entries[2] = dataclasses.replace(entries[2], summary={"setting": "band", "to": "9"})
    found = first_break(entries)
    assert found is not None
    assert (found.kind, found.seq, found.action, found.at) == (
        BreakKind.ALTERED,
        3,
        "settings.change",
        T0 + dt.timedelta(minutes=2),
    )
    assert str(found).startswith(
        "entry 3 (settings.change at 2026-01-05T14:32:00+00:00) was altered"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("at", T0 + dt.timedelta(days=1)),
        ("principal", "cli:mallory"),
        ("on_behalf_of", "user:bob"),
        ("action", "settings.revert"),
        ("targets", ("A-9",)),
        ("reason", ""),
        ("summary", {}),
    ],
)
def test_changing_any_recorded_field_is_an_alteration(field: str, value: object) -> None:
    entries = _trail(3)
    entries[1] = dataclasses.replace(entries[1], **{field: value})
    found = first_break(entries)
    assert found is not None
    assert (found.kind, found.seq) == (BreakKind.ALTERED, 2)


def test_a_deleted_entry_is_named_by_the_entry_after_the_gap() -> None:
    entries = _trail(5)
    del entries[2]
    found = first_break(entries)
    assert found is not None
    assert (found.kind, found.seq) == (BreakKind.DELETED, 4)
    assert "entry 3 is missing" in str(found)


def test_deleting_the_first_entries_is_a_deletion() -> None:
    found = first_break(_trail(5)[2:])
    assert found is not None
    assert (found.kind, found.seq) == (BreakKind.DELETED, 3)
    assert "entries 1 to 2 are missing" in str(found)


def test_a_deletion_hidden_by_renumbering_the_rest_is_still_a_deletion() -> None:
    entries = _trail(5)
    del entries[1]
    found = first_break(_renumbered(entries, 3, -1))
    assert found is not None
    assert (found.kind, found.seq) == (BreakKind.DELETED, 2)
    assert "written as entry 3" in str(found)


def test_an_entry_slipped_into_the_middle_is_named_as_inserted() -> None:
    # The forger chains the new entry properly onto entry 2 and renumbers the rest.
    entries = _renumbered(_trail(5), 3, +1)
    forged = chain(_draft(99, action="orders.cancel"), 3, entries[1].hash)
    entries.insert(2, forged)
    found = first_break(entries)
    assert found is not None
    assert (found.kind, found.seq, found.action) == (BreakKind.INSERTED, 3, "orders.cancel")


def test_an_entry_whose_previous_hash_fits_nothing_is_named_as_inserted() -> None:
    entries = _trail(3)
    entries.append(chain(_draft(99, action="orders.cancel"), 4, "f" * 64))
    found = first_break(entries)
    assert found is not None
    assert (found.kind, found.seq, found.action) == (BreakKind.INSERTED, 4, "orders.cancel")


def test_a_copy_of_an_old_entry_replayed_at_the_end_is_named_as_inserted() -> None:
    entries = _trail(3)
    entries.append(chain(entries[0].draft, 4, GENESIS))
    found = first_break(entries)
    assert found is not None
    assert (found.kind, found.seq) == (BreakKind.INSERTED, 4)


# --- any single change to a random trail is found ---------------------------------------


@st.composite
def tampered_trails(draw: st.DrawFn) -> tuple[list[AuditEntry], BreakKind, int]:
    """A trail of 2-40 entries with one alteration, deletion or insertion made to it,
    the kind of break it must show and the seq it must name. Left out: the changes no
    chain can show (dropping the last entry, appending a well-chained one), which the
    head hash kept elsewhere catches (test_verify_with_an_anchor_...)."""
    n = draw(st.integers(2, 40))
    entries = _trail(n)
    kind = draw(st.sampled_from(BreakKind))
    if kind is BreakKind.ALTERED:
        i = draw(st.integers(0, n - 1))
        field = draw(st.sampled_from(["reason", "targets", "summary", "at", "principal"]))
        changes: dict[str, dict[str, Any]] = {
            "reason": {"reason": "rewritten"},
            "targets": {"targets": ("Z-1",)},
            "summary": {"summary": {"to": "forged"}},
            "at": {"at": entries[i].at + dt.timedelta(seconds=1)},
            "principal": {"principal": "cli:mallory"},
        }
        entries[i] = dataclasses.replace(entries[i], **changes[field])
        return entries, BreakKind.ALTERED, i + 1
    if kind is BreakKind.DELETED:
        i = draw(st.integers(0, n - 2))
        del entries[i]
        if draw(st.booleans()):
            entries = _renumbered(entries, i + 2, -1)
            return entries, BreakKind.DELETED, i + 1
        return entries, BreakKind.DELETED, i + 2
    i = draw(st.integers(0, n - 1))  # the forged entry takes seq i + 1
    previous = entries[i - 1].hash if i > 0 else GENESIS
    forged = chain(_draft(99, action="orders.cancel"), i + 1, previous)
    entries = _renumbered(entries, i + 1, +1)
    entries.insert(i, forged)
    return entries, BreakKind.INSERTED, i + 1


@given(tampered_trails())
def test_any_single_alteration_deletion_or_insertion_is_found(
    tampered: tuple[list[AuditEntry], BreakKind, int],
) -> None:
    entries, kind, seq = tampered
    found = first_break(entries)
    assert found is not None
    assert (found.kind, found.seq) == (kind, seq)


# --- recording a write ------------------------------------------------------------------


class _AuditOnlyUnitOfWork:
    """The smallest unit of work `record` and `verify` need."""

    def __init__(self, trail: FakeAuditTrail) -> None:
        self.audit = trail

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


def _new_uow(trail: FakeAuditTrail) -> Callable[[], _AuditOnlyUnitOfWork]:
    return lambda: _AuditOnlyUnitOfWork(trail)


def test_record_keeps_who_acted_for_whom_and_makes_the_summary_exact_json() -> None:
    trail = FakeAuditTrail()
    bob = user("bob", Role.ADVISOR, advisors=["ADV-1"])
    alice = acting_for(bob, login="alice")
    entry = record(
        _AuditOnlyUnitOfWork(trail),
        alice,
        "settings.change",
        targets=["A-1", "H-1"],
        reason="client asked",
        summary={"to": Decimal("0.050"), "on": dt.date(2026, 1, 5), "level": Role.ADVISOR},
        at=T0,
    )
    assert (entry.seq, entry.principal, entry.principal_name, entry.on_behalf_of) == (
        1,
        "cli:alice",
        "alice",
        "user:bob",
    )
    assert entry.recorded_as == alice.recorded_as == "cli:alice for user:bob"
    assert entry.targets == ("A-1", "H-1")
    assert entry.summary == {"to": "0.050", "on": "2026-01-05", "level": "advisor"}
    assert trail.appended == [entry]


def test_record_stamps_the_current_utc_time_when_none_is_given() -> None:
    before = dt.datetime.now(dt.UTC)
    entry = record(_AuditOnlyUnitOfWork(FakeAuditTrail()), NIGHTLY, "run.start")
    assert before <= entry.at <= dt.datetime.now(dt.UTC)
    assert entry.principal == "system:nightly"


def test_an_action_is_registered_once_and_a_second_service_claiming_it_is_refused() -> None:
    @write_service("testing.register")
    def first() -> None: ...

    assert WRITE_SERVICES["testing.register"] is first
    try:
        with pytest.raises(ValueError, match="already recorded by"):

            @write_service("testing.register")
            def second() -> None: ...

        with pytest.raises(ValueError, match=r"family\.verb"):
            write_service("register")
    finally:
        del WRITE_SERVICES["testing.register"]


def test_the_fake_lists_like_the_store_newest_first_and_by_each_filter() -> None:
    trail = FakeAuditTrail()
    uow = _AuditOnlyUnitOfWork(trail)
    alice, bob = Principal.cli("alice"), Principal.cli("bob")
    record(uow, alice, "review.approve", targets=["A-1"], at=T0)
    record(uow, bob.acting_for(alice), "review.reject", targets=["A-2"], at=T0 + dt.timedelta(1))
    record(uow, bob, "settings.change", targets=["A-1", "A-2"], at=T0 + dt.timedelta(2))
    seqs = lambda **f: [e.seq for e in trail.entries(**f)]  # noqa: E731
    assert seqs() == [3, 2, 1]
    assert seqs(principal="cli:alice") == [2, 1]
    assert seqs(action="review") == [2, 1]
    assert seqs(action="review.reject") == [2]
    assert seqs(account="A-1") == [3, 1]
    assert seqs(since=T0 + dt.timedelta(1)) == [3, 2]
    assert seqs(until=T0 + dt.timedelta(1)) == [1]
    assert seqs(limit=1) == [3]


def test_verify_counts_the_entries_and_gives_the_head() -> None:
    trail = FakeAuditTrail()
    for i in range(3):
        trail.append(_draft(i))
    result = verify(_new_uow(trail))
    assert result.intact
    assert (result.entries, result.head_seq, result.head_hash) == (3, 3, trail.appended[-1].hash)


def test_verify_with_an_anchor_finds_entries_dropped_from_the_end() -> None:
    trail = FakeAuditTrail()
    for i in range(3):
        trail.append(_draft(i))
    anchor = trail.appended[-1].hash
    assert verify(_new_uow(trail), anchor=anchor).anchor_found is True
    del trail.appended[-1]  # no chain can show this: the rest is a consistent trail
    assert verify(_new_uow(trail)).intact
    result = verify(_new_uow(trail), anchor=anchor)
    assert result.anchor_found is False
    assert not result.intact


def test_verify_names_the_first_break() -> None:
    trail = FakeAuditTrail()
    for i in range(3):
        trail.append(_draft(i))
    trail.appended[0] = dataclasses.replace(trail.appended[0], reason="rewritten")
    result = verify(_new_uow(trail))
    assert result.first_break is not None
    assert result.first_break.seq == 1
    assert not result.intact
