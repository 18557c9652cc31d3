"""Indexes for the web app's reads: `accounts.advisor_id`, `prices.date` and the model
book's versions by kind and time.

- Every read an advisor makes carries the row-level scope `accounts.advisor_id IN (...)`
  (`trimtab.store.scope_sql`): the dashboard's list, count, pending proposals and flags,
  an account page's visibility check. Without an index each is a scan of every account
  (15 ms at 100,000 accounts, six of them per dashboard); with it, a look-up of the
  advisor's own rows.
- A customization preview (like a night's context) reads every security's closes of the
  last three weeks: a date range across securities, which the key (security, date)
  cannot serve — a scan of the whole price history (1.17 million rows in the demo firm,
  94 ms a preview); with the index, the ~7,000 rows of those days.
- The parsed model book is cached per process while each kind's (count, latest
  recorded_at) is unchanged (`trimtab.store.model_repository`); that stamp, read on
  every account page, comes from `(kind, recorded_at)` alone: 2 ms instead of a 16 ms
  scan of 30,000 target versions at 100,000 accounts.

See bench/README.md, "Web app under load".

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
    op.create_index("ix_prices_date", "prices", ["date"])
    op.create_index(
        "ix_definition_versions_recorded", "definition_versions", ["kind", "recorded_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_definition_versions_recorded", table_name="definition_versions")
    op.drop_index("ix_prices_date", table_name="prices")
    op.drop_index("ix_accounts_advisor_id", table_name="accounts")
