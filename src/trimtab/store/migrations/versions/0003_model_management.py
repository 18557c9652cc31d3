"""Model management: versioned definitions, targets, account targets, the model hub.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "definition_versions",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('allocation', 'model', 'equivalence_set', 'target')",
            name=op.f("ck_definition_versions_kind"),
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_definition_versions_number")),
        sa.PrimaryKeyConstraint("kind", "key", "number", name=op.f("pk_definition_versions")),
    )
    op.create_index(op.f("ix_definition_versions_effective"), "definition_versions", ["effective"])
    op.create_table(
        "targets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["targets.id"], name=op.f("fk_targets_parent_id_targets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
    )
    op.create_index(op.f("ix_targets_parent_id"), "targets", ["parent_id"])
    op.create_table(
        "equivalence_sets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equivalence_sets")),
    )
    op.create_table(
        "account_targets",
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_targets_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["targets.id"], name=op.f("fk_account_targets_target_id_targets")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_targets")),
    )
    op.create_index(op.f("ix_account_targets_target_id"), "account_targets", ["target_id"])
    op.create_table(
        "model_providers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("fee_bps", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_providers")),
    )
    op.create_table(
        "model_subscriptions",
        sa.Column("provider_id", sa.String(length=40), nullable=False),
        sa.Column("model_id", sa.String(length=40), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_model_subscriptions_model_id_models")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["model_providers.id"],
            name=op.f("fk_model_subscriptions_provider_id_model_providers"),
        ),
        sa.PrimaryKeyConstraint(
            "provider_id", "model_id", "start", name=op.f("pk_model_subscriptions")
        ),
    )


def downgrade() -> None:
    op.drop_table("model_subscriptions")
    op.drop_table("model_providers")
    op.drop_index(op.f("ix_account_targets_target_id"), table_name="account_targets")
    op.drop_table("account_targets")
    op.drop_table("equivalence_sets")
    op.drop_index(op.f("ix_targets_parent_id"), table_name="targets")
    op.drop_table("targets")
    op.drop_index(op.f("ix_definition_versions_effective"), table_name="definition_versions")
    op.drop_table("definition_versions")
