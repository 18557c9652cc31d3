"""The foundation schema: firm, securities and prices, households, accounts, lots, cash,
restrictions, recent transactions, and placeholder asset allocations and models.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "asset_allocations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_allocations")),
    )
    op.create_table(
        "asset_classes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["asset_classes.id"],
            name=op.f("fk_asset_classes_parent_id_asset_classes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_classes")),
    )
    op.create_table(
        "branches",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
    )
    op.create_table(
        "firms",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firms")),
    )
    op.create_table(
        "households",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
    )
    op.create_table(
        "models",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_models")),
    )
    op.create_table(
        "programs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
    )
    op.create_table(
        "advisors",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("branch_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_advisors_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisors")),
    )
    op.create_table(
        "allocation_weights",
        sa.Column("allocation_id", sa.String(length=40), nullable=False),
        sa.Column("asset_class_id", sa.String(length=40), nullable=False),
        sa.Column("weight", sa.Numeric(precision=11, scale=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["asset_allocations.id"],
            name=op.f("fk_allocation_weights_allocation_id_asset_allocations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["asset_class_id"],
            ["asset_classes.id"],
            name=op.f("fk_allocation_weights_asset_class_id_asset_classes"),
        ),
        sa.PrimaryKeyConstraint(
            "allocation_id", "asset_class_id", name=op.f("pk_allocation_weights")
        ),
    )
    op.create_table(
        "securities",
        sa.Column("ticker", sa.String(length=16), nullable=False),
        sa.Column("cusip", sa.String(length=9), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("asset_class_id", sa.String(length=40), nullable=True),
        sa.Column("sector", sa.String(length=64), nullable=True),
        sa.Column("wash_group", sa.String(length=40), nullable=True),
        sa.CheckConstraint(
            "type IN ('stock', 'etf', 'mutual_fund', 'cash')", name=op.f("ck_securities_type")
        ),
        sa.ForeignKeyConstraint(
            ["asset_class_id"],
            ["asset_classes.id"],
            name=op.f("fk_securities_asset_class_id_asset_classes"),
        ),
        sa.PrimaryKeyConstraint("ticker", name=op.f("pk_securities")),
        sa.UniqueConstraint("cusip", name=op.f("uq_securities_cusip")),
    )
    op.create_table(
        "tax_profiles",
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("short_term_rate", sa.Numeric(precision=7, scale=6), nullable=False),
        sa.Column("long_term_rate", sa.Numeric(precision=7, scale=6), nullable=False),
        sa.Column("realized_short_ytd", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("realized_long_ytd", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("loss_carryforward", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_tax_profiles_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_tax_profiles")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tax_status", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("discretionary", sa.Boolean(), nullable=False),
        sa.Column("approved_for_trading", sa.Boolean(), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=True),
        sa.Column("advisor_id", sa.String(length=40), nullable=True),
        sa.Column("branch_id", sa.String(length=40), nullable=True),
        sa.Column("program_id", sa.String(length=40), nullable=True),
        sa.Column("target_id", sa.String(length=40), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'closed', 'suspended')", name=op.f("ck_accounts_status")
        ),
        sa.CheckConstraint(
            "tax_status IN ('taxable', 'tax_deferred', 'tax_exempt')",
            name=op.f("ck_accounts_tax_status"),
        ),
        sa.ForeignKeyConstraint(
            ["advisor_id"], ["advisors.id"], name=op.f("fk_accounts_advisor_id_advisors")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_accounts_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_accounts_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_accounts_program_id_programs")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["asset_allocations.id"],
            name=op.f("fk_accounts_target_id_asset_allocations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accounts_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "model_weights",
        sa.Column("model_id", sa.String(length=40), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("weight", sa.Numeric(precision=11, scale=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_model_weights_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["security"],
            ["securities.ticker"],
            name=op.f("fk_model_weights_security_securities"),
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", "security", name=op.f("pk_model_weights")),
    )
    op.create_table(
        "prices",
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("close", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.CheckConstraint("close > 0", name=op.f("ck_prices_positive_close")),
        sa.ForeignKeyConstraint(
            ["security"],
            ["securities.ticker"],
            name=op.f("fk_prices_security_securities"),
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("security", "date", name=op.f("pk_prices")),
    )
    op.create_table(
        "restrictions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "kind IN ('no_buy', 'no_sell', 'must_sell')", name=op.f("ck_restrictions_kind")
        ),
        sa.CheckConstraint(
            "level IN ('firm', 'program', 'household', 'account')",
            name=op.f("ck_restrictions_level"),
        ),
        sa.ForeignKeyConstraint(
            ["security"],
            ["securities.ticker"],
            name=op.f("fk_restrictions_security_securities"),
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restrictions")),
        sa.UniqueConstraint(
            "level", "scope", "security", "kind", name=op.f("uq_restrictions_level")
        ),
    )
    with op.batch_alter_table("restrictions", schema=None) as batch_op:
        batch_op.create_index("ix_restrictions_scope", ["level", "scope"], unique=False)

    op.create_table(
        "cash_balances",
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_cash_balances_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_cash_balances")),
    )
    op.create_table(
        "tax_lots",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("cost_basis", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("acquired", sa.Date(), nullable=False),
        sa.Column("holding_period_start", sa.Date(), nullable=True),
        sa.Column("wash_sale_adjustment", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.CheckConstraint("cost_basis >= 0", name=op.f("ck_tax_lots_nonnegative_basis")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_tax_lots_positive_quantity")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_tax_lots_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["security"],
            ["securities.ticker"],
            name=op.f("fk_tax_lots_security_securities"),
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_lots")),
    )
    with op.batch_alter_table("tax_lots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tax_lots_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tax_lots_security"), ["security"], unique=False)

    op.create_table(
        "transactions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("trade_date", sa.Date(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("price", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("realized_gain", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.CheckConstraint("side IN ('buy', 'sell')", name=op.f("ck_transactions_side")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_transactions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["security"],
            ["securities.ticker"],
            name=op.f("fk_transactions_security_securities"),
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transactions_account_date", ["account_id", "trade_date"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_transactions_account_date")

    op.drop_table("transactions")
    with op.batch_alter_table("tax_lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tax_lots_security"))
        batch_op.drop_index(batch_op.f("ix_tax_lots_account_id"))

    op.drop_table("tax_lots")
    op.drop_table("cash_balances")
    with op.batch_alter_table("restrictions", schema=None) as batch_op:
        batch_op.drop_index("ix_restrictions_scope")

    op.drop_table("restrictions")
    op.drop_table("prices")
    op.drop_table("model_weights")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_household_id"))

    op.drop_table("accounts")
    op.drop_table("tax_profiles")
    op.drop_table("securities")
    op.drop_table("allocation_weights")
    op.drop_table("advisors")
    op.drop_table("programs")
    op.drop_table("models")
    op.drop_table("households")
    op.drop_table("firms")
    op.drop_table("branches")
    op.drop_table("asset_classes")
    op.drop_table("asset_allocations")
