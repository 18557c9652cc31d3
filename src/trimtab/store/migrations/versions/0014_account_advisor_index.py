"""An index on `accounts.advisor_id`: an advisor's scope read by index, not by a scan.

Every read an advisor makes carries the row-level scope `accounts.advisor_id IN (...)`
(`trimtab.store.scope_sql`): the dashboard's list, count, pending proposals and flags,
an account page's visibility check. Without an index each is a scan of every account
(15 ms at 100,000 accounts, six of them per dashboard); with it, a look-up of the
advisor's own rows. See bench/README.md, "Web app under load".

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-21
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_accounts_advisor_id", "accounts", ["advisor_id"])


def downgrade() -> None:
    op.drop_index("ix_accounts_advisor_id", table_name="accounts")
