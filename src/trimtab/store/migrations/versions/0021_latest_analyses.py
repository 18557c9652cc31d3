"""Keep each account's latest analysis instead of ranking every analysis to find it.

Problem: a filter on an analysis field (`drift > 0.05`: a compliance list, a routing
policy, a bulk change, a saved filter) found each account's latest analysis with
`row_number() OVER (PARTITION BY account_id ORDER BY as_of DESC, id DESC)` over every
analysis of the firm: at 100,000 accounts a 99,000-row sort spilling to disk, once for
the page and once for the count (≈ 240 ms of PostgreSQL a list, more each night kept).

Rule: `latest_analyses` holds one row per account that has an analysis of a run not
voided: the newest `as_of`, then the highest id (the order the window used). The writes
that change the answer keep it in their own transaction (`run_repository.py`); this
migration fills it from the analyses already stored by the same rule.

See bench/README.md, "Web app under load".

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Once, at upgrade: the window the filters ran on every read (SQLite and PostgreSQL).
_BACKFILL = sa.text(
    """
    INSERT INTO latest_analyses (account_id, analysis_id, as_of, run_id)
    SELECT account_id, id, as_of, run_id
    FROM (
        SELECT account_id, id, as_of, run_id,
               row_number() OVER (
                   PARTITION BY account_id ORDER BY as_of DESC, id DESC
               ) AS newest
        FROM analyses
        WHERE run_id NOT IN (SELECT id FROM runs WHERE state = 'voided')
    ) ranked
    WHERE newest = 1
    """
)


def upgrade() -> None:
    op.create_table(
        "latest_analyses",
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_latest_analyses_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["analyses.id"],
            name=op.f("fk_latest_analyses_analysis_id_analyses"),
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_latest_analyses")),
    )
    op.execute(_BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        # Planner statistics now, not when autovacuum comes: the first filters after the
        # upgrade would otherwise be planned for an empty table.
        op.execute("ANALYZE latest_analyses")


def downgrade() -> None:
    op.drop_table("latest_analyses")
