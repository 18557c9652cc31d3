"""Scenarios: the permission matrix in code is ROLES.md's table, cell for cell.

The table below is ROLES.md's, pasted as written (the product's decision). Each row is
mapped to the permission(s) it grants; a cell reads `own` (the principal's own
accounts), `all` / `✓` (the firm) or `read` (the read half of a row split in two).
If the product changes the table, paste it here again: the test then names every cell
the code disagrees with.
"""

from __future__ import annotations

from trimtab.domain.permissions import ROLE_PERMISSIONS, Permission, Reach, authorize
from trimtab.domain.principal import Principal, Role, Scope

ROLES_MD = """
| see accounts, households, holdings, lots, proposals | own | all | all | all | all | all | all |
| customize an account or household (restrictions, product choices, exclusions, plain-English settings, cash instructions) | own | – | all | – | – | – | all |
| firm / program settings, bulk changes with exemptions | – | – | ✓ | – | – | – | ✓ |
| allocations, models, equivalence sets, product lines, customization limits, hub subscriptions | read | ✓ | read | read | read | read | ✓ |
| start, resume or void a nightly run; routing policy | – | – | ✓ | – | – | – | ✓ |
| approve, edit, reject proposals; export orders; book fills | – | – | ✓ | – | – | – | ✓ |
| feeds, file monitoring, security master, corporate actions, synchronization holds | – | – | read | read | read | ✓ | ✓ |
| compliance flags on accounts and advisors (set, clear, with reason) | – | – | – | ✓ | – | – | ✓ |
| personal filters (private) | ✓ (over own) | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
| shared filters (visible to the firm) | – | – | ✓ | ✓ | ✓ | – | ✓ |
| analysis records, replay | own | – | all | all | all | – | all |
| audit trail (who did what) | own accounts | – | all | all | all | – | all |
| reports: taxes saved, explained activity | own | – | all | all | all | – | all |
| reports: health checks and calls to action | own | – | all | all | all | – | all |
| users, roles, teams, advisor assignments, system tokens | – | – | – | – | – | – | ✓ |
"""  # noqa: E501  (the table as ROLES.md writes it)
COLUMNS = [Role.ADVISOR, Role.COMMITTEE, Role.OVERLAY, Role.COMPLIANCE, Role.MANAGEMENT,
           Role.DATA, Role.ADMIN]  # fmt: skip
# Each row's (write, read) permissions: a row with `read` cells grants its read
# permission on `read` and both on `✓`.
ROWS = [
    (Permission.SEE_ACCOUNTS, None),
    (Permission.CUSTOMIZE_ACCOUNTS, None),
    (Permission.FIRM_SETTINGS, None),
    (Permission.MODELS_WRITE, Permission.MODELS_READ),
    (Permission.RUN_NIGHTLY, None),
    (Permission.REVIEW_TRADES, None),
    (Permission.DATA_WRITE, Permission.DATA_READ),
    (Permission.COMPLIANCE_FLAGS, None),
    (Permission.PERSONAL_FILTERS, None),
    (Permission.SHARED_FILTERS, None),
    (Permission.RECORDS, None),
    (Permission.AUDIT_TRAIL, None),
    (Permission.REPORTS, None),
    (Permission.HEALTH_REPORTS, None),
    (Permission.ADMIN_USERS, None),
]


def _expected() -> dict[Role, dict[Permission, Reach]]:
    expected: dict[Role, dict[Permission, Reach]] = {role: {} for role in COLUMNS}
    lines = [line for line in ROLES_MD.strip().splitlines() if line.startswith("|")]
    assert len(lines) == len(ROWS)
    for line, (write, read) in zip(lines, ROWS, strict=True):
        cells = [c.strip() for c in line.strip("|").split("|")][1:]
        for role, cell in zip(COLUMNS, cells, strict=True):
            if cell == "–":
                continue
            reach = Reach.OWN if cell.startswith("own") or "over own" in cell else Reach.ALL
            if cell == "read":
                assert read is not None
                expected[role][read] = Reach.ALL
                continue
            expected[role][write] = reach
            if read is not None:
                expected[role][read] = reach
    return expected


def test_the_code_grants_exactly_what_the_table_says() -> None:
    expected = _expected()
    wrong = [
        f"{role.value} × {permission.value}: table {expected[role].get(permission)}, "
        f"code {ROLE_PERMISSIONS[role].get(permission)}"
        for role in COLUMNS
        for permission in Permission
        if expected[role].get(permission) != ROLE_PERMISSIONS[role].get(permission)
    ]
    assert not wrong, "\n".join(wrong)


def test_permissions_add_up_and_the_widest_reach_wins() -> None:
    both = Principal(
        "user:sam", "Sam", frozenset({Role.ADVISOR, Role.COMPLIANCE}), Scope.advisors("ADV-1")
    )
    records = authorize(both, Permission.RECORDS)
    assert records is not None
    assert records.scope.firm_wide  # compliance reaches all records
    flags = authorize(both, Permission.COMPLIANCE_FLAGS)
    assert flags is not None
    assert authorize(both, Permission.REVIEW_TRADES) is None


def test_acting_for_keeps_the_admins_permissions_and_takes_the_users_scope() -> None:
    lee = Principal("user:lee", "Lee", frozenset({Role.ADVISOR}), Scope.advisors("ADV-1"))
    admin = Principal("user:ann", "Ann", frozenset({Role.ADMIN}), Scope.firm()).acting_for(lee)
    seeing = authorize(admin, Permission.SEE_ACCOUNTS)
    assert seeing is not None
    assert seeing.effective_scope.advisor_ids == frozenset({"ADV-1"})
    tokens = authorize(admin, Permission.ADMIN_USERS)  # lee has no such permission
    assert tokens is not None
    assert tokens.effective_scope.advisor_ids == frozenset({"ADV-1"})
    assert authorize(lee, Permission.ADMIN_USERS) is None


def test_an_advisor_without_advisor_or_team_sees_nothing() -> None:
    nobody = Principal("user:new", "New", frozenset({Role.ADVISOR}), Scope.advisors())
    seeing = authorize(nobody, Permission.SEE_ACCOUNTS)
    assert seeing is not None
    assert not seeing.scope.covers(advisor="ADV-1", household="H-1", team_households={})
