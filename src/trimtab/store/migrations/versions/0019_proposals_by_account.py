"""Index the proposals for the dashboards: by account, by age, with their tax.

The advisor's dashboard and a scoped review queue read the pending proposals of the
accounts in the viewer's scope. The primary key leads with the run, so PostgreSQL read
every pending proposal of the firm (20,576 rows at 100,000 accounts) and hashed them
against the advisor's 340 accounts: 21 ms for the list and 15 ms for its count, each
dashboard view. With `(account_id, state)` it looks up each account's pending proposal
instead (under a millisecond).

The management dashboard sums the taxes of every approved or automatic proposal (60,131
rows at 100,000 accounts: 57 ms from the table, 20 ms from `(state, run_id,
estimated_tax)`, an index-only scan) and counts the pending ones by day (28 → 5 ms from
`(state, as_of, run_id)`). Both lead with the state, so `ix_proposals_state` is dropped.

See bench/README.md, "Web app under load".

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_proposals_account_state", "proposals", ["account_id", "state"])
    op.create_index("ix_proposals_state_as_of", "proposals", ["state", "as_of", "run_id"])
    op.create_index("ix_proposals_state_tax", "proposals", ["state", "run_id", "estimated_tax"])
    op.drop_index("ix_proposals_state", table_name="proposals")


def downgrade() -> None:
    op.create_index("ix_proposals_state", "proposals", ["state"])
    op.drop_index("ix_proposals_state_tax", table_name="proposals")
    op.drop_index("ix_proposals_state_as_of", table_name="proposals")
    op.drop_index("ix_proposals_account_state", table_name="proposals")
