"""Alerts: something in the firm's day went wrong, someone must be told, and told once.

Problem: at 3 a.m. nobody is watching. A missing custodian file, a failed pipeline stage,
a nightly run that skipped accounts or stale prices must reach a person with what is
wrong and what to do about it — and reach them once, not every five minutes while the
condition lasts, then once more when it clears.

Rule:
- An `Alert` is what a check finds: a stable *cause* key, a `Severity`, a one-line
  `summary` of the cause and the `action` that resolves it. The cause key names the
  condition, not the moment: `family.kind:subject[:day]` (`file.missing:custodian-lots:
  2025-06-30`, `stage.failed:load:2025-06-30`, `run.failed-accounts:R-42`), so finding the
  same condition again finds the same alert.
- An `AlertRecord` is one *episode* of a cause: opened when first raised, `acknowledged`
  by a person (still open: the condition is not gone), `resolved` when the condition
  clears (a check stops finding it) or a person says it is fixed. While an episode is
  open (open or acknowledged), raising its cause again only moves `last_seen`; after it
  is resolved, raising the cause again opens a new episode.
- Severity orders `info < warning < critical`; channels subscribe to severities.

    >>> import datetime as dt
    >>> at = dt.datetime(2025, 6, 30, 7, 5, tzinfo=dt.UTC)
    >>> found = Alert("file.missing:custodian-lots:2025-06-30", Severity.CRITICAL,
    ...               "custodian/lots did not arrive by 07:00", "ask the custodian to resend")
    >>> found.family, found.kind
    ('file', 'file.missing')
    >>> episode = AlertRecord.opened(found, id=1, at=at)
    >>> episode.state, episode.is_open
    (<AlertState.OPEN: 'open'>, True)
    >>> episode.seen_again(found, at=at + dt.timedelta(minutes=5)).last_seen.minute
    10
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = [
    "Alert",
    "AlertRecord",
    "AlertState",
    "Severity",
    "cause_key",
]

_CAUSE = re.compile(r"^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_-]*(:[^\s:][^\s]*)?$")
_MAX_CAUSE = 200


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # a person has seen it; the condition is still there
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        return self is not AlertState.RESOLVED


def cause_key(kind: str, *parts: object) -> str:
    """The cause key of `kind` (`family.kind`) about `parts`, joined with `:`.

    Dates become ISO strings; spaces become `-` so a key stays one token.

        >>> cause_key("file.missing", "custodian", "lots", dt.date(2025, 6, 30))
        'file.missing:custodian:lots:2025-06-30'
    """
    text = [p.isoformat() if isinstance(p, dt.date) else str(p) for p in parts]
    key = ":".join([kind, *(t.replace(" ", "-") for t in text)])
    if not _CAUSE.match(key) or len(key) > _MAX_CAUSE:
        raise ValueError(f"not a cause key: {key!r} (family.kind:subject, no spaces)")
    return key


@dataclass(frozen=True, slots=True)
class Alert:
    """A condition a check found: what it is, how bad, and what resolves it."""

    cause: str  # stable key: family.kind:subject[:day]
    severity: Severity
    summary: str  # the cause in one line, for a subject line or a chat message
    action: str  # what a person does to resolve it

    def __post_init__(self) -> None:
        if not _CAUSE.match(self.cause) or len(self.cause) > _MAX_CAUSE:
            raise ValueError(
                f"an alert's cause is a key like 'file.missing:custodian-lots:2025-06-30' "
                f"(family.kind, then :subject, no spaces), got {self.cause!r}"
            )
        if not self.summary.strip() or "\n" in self.summary:
            raise ValueError(f"an alert's summary is one non-empty line, got {self.summary!r}")
        if not self.action.strip():
            raise ValueError(f"alert {self.cause}: say what resolves it (action is empty)")
        object.__setattr__(self, "severity", Severity(self.severity))

    @property
    def kind(self) -> str:
        """`family.kind`, the part of the cause before the first `:`."""
        return self.cause.partition(":")[0]

    @property
    def family(self) -> str:
        return self.kind.partition(".")[0]

    @property
    def subject(self) -> str:
        return self.cause.partition(":")[2]


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One episode of a cause, from first raised to resolved."""

    id: int
    alert: Alert
    state: AlertState
    first_seen: dt.datetime
    last_seen: dt.datetime
    raised_by: str  # principal.recorded_as of whoever first raised it
    acknowledged_at: dt.datetime | None = None
    acknowledged_by: str | None = None
    acknowledge_note: str | None = None
    resolved_at: dt.datetime | None = None
    resolved_by: str | None = None
    resolve_note: str | None = None

    @classmethod
    def opened(cls, alert: Alert, *, id: int, at: dt.datetime, by: str = "") -> AlertRecord:
        return cls(id, alert, AlertState.OPEN, at, at, by)

    @property
    def cause(self) -> str:
        return self.alert.cause

    @property
    def severity(self) -> Severity:
        return self.alert.severity

    @property
    def is_open(self) -> bool:
        return self.state.is_open

    def seen_again(self, alert: Alert, *, at: dt.datetime) -> AlertRecord:
        """The episode after its cause was found again: later last-seen, and the newest
        wording and severity (a file that was late and is now missing stays one episode
        only if its cause key is the same; the key decides, not the text)."""
        if not self.is_open:
            raise ValueError(f"alert {self.id} is resolved; a new finding opens a new episode")
        if alert.cause != self.cause:
            raise ValueError(f"alert {self.id} is {self.cause}, not {alert.cause}")
        return replace(self, alert=alert, last_seen=max(self.last_seen, at))

    def acknowledged(self, *, by: str, at: dt.datetime, note: str) -> AlertRecord:
        if not self.is_open:
            raise ValueError(f"alert {self.id} is resolved; there is nothing to acknowledge")
        return replace(
            self,
            state=AlertState.ACKNOWLEDGED,
            acknowledged_at=at,
            acknowledged_by=by,
            acknowledge_note=note,
        )

    def resolved(self, *, by: str, at: dt.datetime, note: str) -> AlertRecord:
        if not self.is_open:
            raise ValueError(f"alert {self.id} is already resolved")
        return replace(
            self, state=AlertState.RESOLVED, resolved_at=at, resolved_by=by, resolve_note=note
        )
