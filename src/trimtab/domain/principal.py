"""Who acts: a principal is the person or system on whose authority a write happens.

Problem: every write must say who did it, with enough to check permissions (roles),
to limit what they may see (scope), and to show delegation (an admin acting on behalf
of an advisor). A bare `actor: str` carries none of that.

Rule:
- A principal has an id (`cli:alice`, `user:alice`, `system:nightly`), a display name,
  the roles it holds (permissions add up, ../ROLES.md) and a scope: the whole firm, or
  the advisors whose households it may see.
- `on_behalf_of` names the principal the action is done for; the audit trail records
  both. Permissions are the acting principal's, the scope that of the one acted for.
- Until users exist, the command line acts as `cli:<login>` with the admin role; the
  nightly batch and the scheduler act as system principals.

    >>> alice = Principal.cli("alice")
    >>> alice.id, alice.recorded_as, alice.has(Role.ADMIN)
    ('cli:alice', 'cli:alice', True)
    >>> bob = Principal("user:bob", "Bob", frozenset({Role.ADVISOR}), Scope.advisors("ADV-1"))
    >>> alice.acting_for(bob).recorded_as
    'cli:alice for user:bob'
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = ["NIGHTLY", "SCHEDULER", "Principal", "Role", "Scope"]


class Role(StrEnum):
    ADVISOR = "advisor"
    COMMITTEE = "committee"
    OVERLAY = "overlay"
    COMPLIANCE = "compliance"
    MANAGEMENT = "management"
    DATA = "data"
    ADMIN = "admin"


@dataclass(frozen=True)
class Scope:
    """The accounts a principal may see: the whole firm (`advisor_ids is None`), or the
    accounts of these advisors plus those of the households assigned to these teams.

    An advisor's own accounts are those whose advisor they are, and those of every
    household assigned to a team they belong to (teams add shared coverage: two advisors
    who cover a family together both see it). The SQL form of the same rule is
    `trimtab.store.scope_sql.account_condition`; `covers` is the in-memory form.

        >>> lee = Scope.advisors("ADV-1", teams=["T-east"])
        >>> lee.covers(advisor="ADV-1", household="H-9", team_households={})
        True
        >>> lee.covers(advisor="ADV-2", household="H-9", team_households={"T-east": {"H-9"}})
        True
        >>> lee.covers(advisor="ADV-2", household="H-8", team_households={"T-east": {"H-9"}})
        False
    """

    advisor_ids: frozenset[str] | None = None
    team_ids: frozenset[str] = frozenset()

    @classmethod
    def firm(cls) -> Scope:
        return cls(None)

    @classmethod
    def advisors(cls, *ids: str, teams: Iterable[str] = ()) -> Scope:
        return cls(frozenset(ids), frozenset(teams))

    @property
    def firm_wide(self) -> bool:
        return self.advisor_ids is None

    def covers(
        self,
        *,
        advisor: str | None,
        household: str | None,
        team_households: Mapping[str, Collection[str]],
    ) -> bool:
        """Whether an account of `advisor` in `household` is inside this scope;
        `team_households` maps a team id to the households assigned to it."""
        if self.advisor_ids is None:
            return True
        if advisor is not None and advisor in self.advisor_ids:
            return True
        return household is not None and any(
            household in team_households.get(team, ()) for team in self.team_ids
        )


@dataclass(frozen=True)
class Principal:
    id: str
    name: str
    roles: frozenset[Role]
    scope: Scope = Scope()
    on_behalf_of: Principal | None = None

    def __post_init__(self) -> None:
        if not self.id or ":" not in self.id:
            raise ValueError(f"a principal id is 'kind:name' (cli:alice), got {self.id!r}")

    @classmethod
    def cli(cls, login: str) -> Principal:
        """Who acts from the command line before users exist: `cli:<login>`, admin."""
        return cls(f"cli:{login}", login, frozenset({Role.ADMIN}))

    @classmethod
    def system(cls, name: str, display: str, *roles: Role) -> Principal:
        return cls(f"system:{name}", display, frozenset(roles))

    def has(self, role: Role) -> bool:
        return role in self.roles

    def acting_for(self, other: Principal) -> Principal:
        """This principal acting on behalf of `other` (the audit trail shows both)."""
        return replace(self, on_behalf_of=other)

    @property
    def effective_scope(self) -> Scope:
        """What may be seen: the scope of the principal acted for, when there is one."""
        return self.on_behalf_of.scope if self.on_behalf_of else self.scope

    @property
    def recorded_as(self) -> str:
        """The one-line form kept in per-feature columns (`decided_by`, `created_by`)."""
        if self.on_behalf_of is None:
            return self.id
        return f"{self.id} for {self.on_behalf_of.id}"


NIGHTLY = Principal.system("nightly", "Nightly run", Role.OVERLAY)
SCHEDULER = Principal.system("scheduler", "Scheduler", Role.OVERLAY, Role.DATA)
