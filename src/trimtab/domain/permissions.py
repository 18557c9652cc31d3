"""The permission matrix of ROLES.md, as data: what each role may do, and over which accounts.

Problem: seven roles, seventeen kinds of action, and for some of them a difference between
"own" accounts (an advisor's households) and "all" accounts. If every page, API route and
service decided that for itself, the answers would drift apart; a reviewer could not
check the product's table against the code.

Rule:
- `ROLE_PERMISSIONS[role][permission]` is the reach the role has: `Reach.OWN` (the
  accounts in the principal's own scope: an advisor's households, directly or through a
  team) or `Reach.ALL` (the whole firm). A permission absent from a role's row is not
  granted. The table below is ROLES.md row by row; change both together.
- A user may hold several roles: permissions add up, and the widest reach wins (an
  advisor who also sits on the committee reads models firm-wide, and still sees only
  their own analysis records, which the committee role does not grant).
- `authorize(principal, permission)` answers a request: the principal to act with, its
  scope narrowed to the reach granted (`Scope.firm()` for `ALL`, the principal's own
  scope for `OWN`), or None when not permitted (403, naming the permission).
- Acting on behalf of a user: the permissions are the acting principal's (an admin's),
  the scope is the user's — narrowed by the user's own reach when the user holds the
  permission, else the user's own scope.

Worked example: Lee is an advisor with scope ADV-1.

    >>> from trimtab.domain.principal import Principal, Role, Scope
    >>> lee = Principal("user:lee", "Lee", frozenset({Role.ADVISOR}), Scope.advisors("ADV-1"))
    >>> authorize(lee, Permission.SEE_ACCOUNTS).effective_scope.advisor_ids
    frozenset({'ADV-1'})
    >>> authorize(lee, Permission.REVIEW_TRADES) is None
    True
    >>> reach(frozenset({Role.ADVISOR, Role.COMMITTEE}), Permission.MODELS_READ)
    <Reach.ALL: 'all'>
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from enum import StrEnum

from trimtab.domain.principal import Principal, Role, Scope

__all__ = [
    "DESCRIPTIONS",
    "ROLE_PERMISSIONS",
    "Permission",
    "Reach",
    "authorize",
    "permissions_of",
    "reach",
]


class Permission(StrEnum):
    SEE_ACCOUNTS = "see_accounts"
    CUSTOMIZE_ACCOUNTS = "customize_accounts"
    FIRM_SETTINGS = "firm_settings"
    MODELS_WRITE = "models_write"
    MODELS_READ = "models_read"
    RUN_NIGHTLY = "run_nightly"
    REVIEW_TRADES = "review_trades"
    DATA_WRITE = "data_write"
    DATA_READ = "data_read"
    COMPLIANCE_FLAGS = "compliance_flags"
    PERSONAL_FILTERS = "personal_filters"
    SHARED_FILTERS = "shared_filters"
    RECORDS = "records"
    AUDIT_TRAIL = "audit_trail"
    REPORTS = "reports"
    HEALTH_REPORTS = "health_reports"
    ADMIN_USERS = "admin_users"

    @property
    def description(self) -> str:
        """The row of ROLES.md this permission stands for (shown in a 403's message)."""
        return DESCRIPTIONS[self]


class Reach(StrEnum):
    OWN = "own"  # the accounts of the principal's own households (an advisor's scope)
    ALL = "all"  # the whole firm


DESCRIPTIONS: Mapping[Permission, str] = {
    Permission.SEE_ACCOUNTS: "see accounts, households, holdings, lots, proposals",
    Permission.CUSTOMIZE_ACCOUNTS: (
        "customize an account or household (restrictions, product choices, exclusions, "
        "plain-English settings, cash instructions)"
    ),
    Permission.FIRM_SETTINGS: "firm / program settings, bulk changes with exemptions",
    Permission.MODELS_WRITE: (
        "change allocations, models, equivalence sets, product lines, customization "
        "limits, hub subscriptions"
    ),
    Permission.MODELS_READ: (
        "read allocations, models, equivalence sets, product lines, customization limits, "
        "hub subscriptions"
    ),
    Permission.RUN_NIGHTLY: "start, resume or void a nightly run; routing policy",
    Permission.REVIEW_TRADES: "approve, edit, reject proposals; export orders; book fills",
    Permission.DATA_WRITE: (
        "change feeds, file monitoring, security master, corporate actions, synchronization holds"
    ),
    Permission.DATA_READ: (
        "read feeds, file monitoring, security master, corporate actions, synchronization holds"
    ),
    Permission.COMPLIANCE_FLAGS: "compliance flags on accounts and advisors",
    Permission.PERSONAL_FILTERS: "personal filters (private)",
    Permission.SHARED_FILTERS: "shared filters (visible to the firm)",
    Permission.RECORDS: "analysis records, replay",
    Permission.AUDIT_TRAIL: "audit trail (who did what)",
    Permission.REPORTS: "reports: taxes saved, explained activity",
    Permission.HEALTH_REPORTS: "reports: health checks and calls to action",
    Permission.ADMIN_USERS: "users, roles, teams, advisor assignments, system tokens",
}

_P = Permission
_OWN, _ALL = Reach.OWN, Reach.ALL
# Everyone reads the model book; only the committee and the admin change it. Data reads
# are for every desk that acts on files (overlay) or watches the firm (compliance,
# management); the committee and the advisors do not see the operations side.
ROLE_PERMISSIONS: Mapping[Role, Mapping[Permission, Reach]] = {
    Role.ADVISOR: {
        _P.SEE_ACCOUNTS: _OWN,
        _P.CUSTOMIZE_ACCOUNTS: _OWN,
        _P.MODELS_READ: _ALL,
        _P.PERSONAL_FILTERS: _OWN,
        _P.RECORDS: _OWN,
        _P.AUDIT_TRAIL: _OWN,
        _P.REPORTS: _OWN,
        _P.HEALTH_REPORTS: _OWN,
    },
    Role.COMMITTEE: {
        _P.SEE_ACCOUNTS: _ALL,
        _P.MODELS_WRITE: _ALL,
        _P.MODELS_READ: _ALL,
        _P.PERSONAL_FILTERS: _ALL,
    },
    Role.OVERLAY: {
        _P.SEE_ACCOUNTS: _ALL,
        _P.CUSTOMIZE_ACCOUNTS: _ALL,
        _P.FIRM_SETTINGS: _ALL,
        _P.MODELS_READ: _ALL,
        _P.RUN_NIGHTLY: _ALL,
        _P.REVIEW_TRADES: _ALL,
        _P.DATA_READ: _ALL,
        _P.PERSONAL_FILTERS: _ALL,
        _P.SHARED_FILTERS: _ALL,
        _P.RECORDS: _ALL,
        _P.AUDIT_TRAIL: _ALL,
        _P.REPORTS: _ALL,
        _P.HEALTH_REPORTS: _ALL,
    },
    Role.COMPLIANCE: {
        _P.SEE_ACCOUNTS: _ALL,
        _P.MODELS_READ: _ALL,
        _P.DATA_READ: _ALL,
        _P.COMPLIANCE_FLAGS: _ALL,
        _P.PERSONAL_FILTERS: _ALL,
        _P.SHARED_FILTERS: _ALL,
        _P.RECORDS: _ALL,
        _P.AUDIT_TRAIL: _ALL,
        _P.REPORTS: _ALL,
        _P.HEALTH_REPORTS: _ALL,
    },
    Role.MANAGEMENT: {
        _P.SEE_ACCOUNTS: _ALL,
        _P.MODELS_READ: _ALL,
        _P.DATA_READ: _ALL,
        _P.PERSONAL_FILTERS: _ALL,
        _P.SHARED_FILTERS: _ALL,
        _P.RECORDS: _ALL,
        _P.AUDIT_TRAIL: _ALL,
        _P.REPORTS: _ALL,
        _P.HEALTH_REPORTS: _ALL,
    },
    Role.DATA: {
        _P.SEE_ACCOUNTS: _ALL,
        _P.MODELS_READ: _ALL,
        _P.DATA_WRITE: _ALL,
        _P.DATA_READ: _ALL,
        _P.PERSONAL_FILTERS: _ALL,
    },
    Role.ADMIN: dict.fromkeys(Permission, _ALL),
}


def reach(roles: Iterable[Role], permission: Permission) -> Reach | None:
    """The widest reach any of `roles` has for `permission`; None when none grants it."""
    granted = {ROLE_PERMISSIONS[role].get(permission) for role in roles} - {None}
    if Reach.ALL in granted:
        return Reach.ALL
    return Reach.OWN if granted else None


def permissions_of(roles: Iterable[Role]) -> dict[Permission, Reach]:
    """Every permission `roles` grant, with its widest reach (for a page's navigation)."""
    roles = frozenset(roles)
    found = {p: reach(roles, p) for p in Permission}
    return {p: r for p, r in found.items() if r is not None}


def _narrowed(principal: Principal, granted: Reach | None) -> Principal:
    scope = Scope.firm() if granted is Reach.ALL else principal.scope
    return principal if scope == principal.scope else replace(principal, scope=scope)


def authorize(principal: Principal, permission: Permission) -> Principal | None:
    """`principal` with its scope narrowed to what `permission` reaches, or None.

    The permission is checked on the acting principal's roles; the scope is that of the
    principal acted for, when there is one (ROLES.md: an admin acting for an advisor sees
    what the advisor sees). A firm-wide reach widens an own scope (an advisor who also
    holds the compliance role sees every account's records).
    """
    granted = reach(principal.roles, permission)
    if granted is None:
        return None
    if principal.on_behalf_of is None:
        return _narrowed(principal, granted)
    other = principal.on_behalf_of
    other_reach = reach(other.roles, permission)
    return replace(
        principal,
        scope=Scope.firm() if granted is Reach.ALL else principal.scope,
        on_behalf_of=_narrowed(other, other_reach or Reach.OWN),
    )
