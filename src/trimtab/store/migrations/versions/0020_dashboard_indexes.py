"""Index what the admin's and the committee's dashboards look up.

The admin's dashboard lists the latest run's failed accounts: `run_outcomes` is keyed by
(run, account), so PostgreSQL read all 98,973 outcomes of the night to find none (7 ms
at 100,000 accounts, every view). A partial index of the failed outcomes holds only
those rows: an empty night costs one look-up.

The committee's dashboard shows the model book's 20 latest versions: with only
`(kind, recorded_at)` PostgreSQL sorted all 29,815 versions (10 ms); an index in the
dashboard's own order (newest first, then kind, key, newest number) reads 20 rows.

See bench/README.md, "Web app under load".

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FAILED = sa.text("failure IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_run_outcomes_failed",
        "run_outcomes",
        ["run_id", "account_id"],
        postgresql_where=_FAILED,
        sqlite_where=_FAILED,
    )
    op.create_index(
        "ix_definition_versions_latest",
        "definition_versions",
        [sa.text("recorded_at DESC"), "kind", "key", sa.text("number DESC")],
    )


def downgrade() -> None:
    op.drop_index("ix_definition_versions_latest", table_name="definition_versions")
    op.drop_index("ix_run_outcomes_failed", table_name="run_outcomes")
