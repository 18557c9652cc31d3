"""Index the proposals by state and value: the dashboards' largest pending proposals.

The overlay and advisor dashboards show the pending proposals largest first (`ORDER BY
value DESC ... LIMIT 20`). With only `ix_proposals_state`, PostgreSQL visits every
pending proposal's row to sort them — 20,599 rows over 9,600 pages at 100,000 accounts,
170 ms a dashboard; with `(state, value)` it reads the index backwards and stops after
the first twenty (ties on value are then sorted by account, a few rows). The review
queue's page by value (`WHERE run_id = ? AND state = 'pending' ORDER BY value DESC`)
uses it the same way.

See bench/README.md, "Web app under load".

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_proposals_state_value", "proposals", ["state", "value"])


def downgrade() -> None:
    op.drop_index("ix_proposals_state_value", table_name="proposals")
