"""Users, teams, system tokens, web sessions and failed sign-ins (the web app).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOGIN = sa.String(length=64)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login", LOGIN, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(
        "ix_sign_in_failures_address_at", "sign_in_failures", ["address", "at"], unique=False
    )
    op.create_table(
        "system_tokens",
        sa.Column("name", LOGIN, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", TIME, nullable=True),
        sa.Column("last_used_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_system_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_system_tokens_token_hash")),
    )
    op.create_table(
        "teams",
        sa.Column("id", LOGIN, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    op.create_table(
        "team_households",
        sa.Column("team_id", LOGIN, nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_team_households_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_households_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("team_id", "household_id", name=op.f("pk_team_households")),
    )
    op.create_index(
        op.f("ix_team_households_household_id"), "team_households", ["household_id"], unique=False
    )
    op.create_table(
        "users",
        sa.Column("login", LOGIN, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("advisor_id", sa.String(length=40), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["advisor_id"], ["advisors.id"], name=op.f("fk_users_advisor_id_advisors")
        ),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_users")),
    )
    op.create_index(op.f("ix_users_advisor_id"), "users", ["advisor_id"], unique=False)
    op.create_table(
        "team_members",
        sa.Column("team_id", LOGIN, nullable=False),
        sa.Column("login", LOGIN, nullable=False),
        sa.ForeignKeyConstraint(
            ["login"], ["users.login"], name=op.f("fk_team_members_login_users")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("team_id", "login", name=op.f("pk_team_members")),
    )
    op.create_index(op.f("ix_team_members_login"), "team_members", ["login"], unique=False)
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("login", LOGIN, nullable=False),
        sa.Column("on_behalf_of", LOGIN, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("last_seen_at", TIME, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["login"], ["users.login"], name=op.f("fk_web_sessions_login_users")
        ),
        sa.ForeignKeyConstraint(
            ["on_behalf_of"], ["users.login"], name=op.f("fk_web_sessions_on_behalf_of_users")
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_expires_at"), "web_sessions", ["expires_at"])
    op.create_index(op.f("ix_web_sessions_login"), "web_sessions", ["login"])
    op.create_index(op.f("ix_web_sessions_on_behalf_of"), "web_sessions", ["on_behalf_of"])


def downgrade() -> None:
    op.drop_table("web_sessions")
    op.drop_table("team_members")
    op.drop_table("users")
    op.drop_table("team_households")
    op.drop_table("teams")
    op.drop_table("system_tokens")
    op.drop_table("sign_in_failures")
