"""Tables for users, teams, system tokens, web sessions and failed sign-ins (migration 0010).

    users               login → name, roles (JSON list), advisor id, disabled, the argon2
                        password hash, consecutive failed sign-ins, locked until
    teams               id → name
    team_members        (team, login): the advisors who cover the team's households
    team_households     (team, household): households the team covers; indexed by team,
                        the row-level scope's look-up (`scope_sql`)
    system_tokens       name → role, SHA-256 of the secret (unique: each API request
                        finds its token by index), created, revoked, last used
    web_sessions        SHA-256 of the session id → login, acting for, expiry, last seen
    sign_in_failures    one row per failed sign-in (login, address, time), for
                        throttling by address; old rows are pruned

No secret is stored in the clear: passwords as argon2 hashes, tokens and session ids as
SHA-256 of 32 random bytes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from trimtab.store.tables import NAME, Base

__all__ = [
    "SignInFailureRow",
    "SystemTokenRow",
    "TeamHouseholdRow",
    "TeamMemberRow",
    "TeamRow",
    "UserRow",
    "WebSessionRow",
]

LOGIN = String(64)
HASH = String(64)
TIME = DateTime(timezone=True)


class UserRow(Base):
    __tablename__ = "users"
    login: Mapped[str] = mapped_column(LOGIN, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    roles: Mapped[list[Any]] = mapped_column(JSON)
    advisor_id: Mapped[str | None] = mapped_column(ForeignKey("advisors.id"), index=True)
    disabled: Mapped[bool] = mapped_column(Boolean)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_sign_ins: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[dt.datetime | None] = mapped_column(TIME)


class TeamRow(Base):
    __tablename__ = "teams"
    id: Mapped[str] = mapped_column(LOGIN, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)


class TeamMemberRow(Base):
    __tablename__ = "team_members"
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    login: Mapped[str] = mapped_column(ForeignKey("users.login"), primary_key=True, index=True)


class TeamHouseholdRow(Base):
    __tablename__ = "team_households"
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id"), primary_key=True, index=True
    )


class SystemTokenRow(Base):
    __tablename__ = "system_tokens"
    name: Mapped[str] = mapped_column(LOGIN, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(HASH, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(TIME)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(TIME)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(TIME)


class WebSessionRow(Base):
    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    login: Mapped[str] = mapped_column(ForeignKey("users.login"), index=True)
    on_behalf_of: Mapped[str | None] = mapped_column(ForeignKey("users.login"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(TIME)
    expires_at: Mapped[dt.datetime] = mapped_column(TIME, index=True)
    last_seen_at: Mapped[dt.datetime] = mapped_column(TIME)
    address: Mapped[str | None] = mapped_column(String(64))


class SignInFailureRow(Base):
    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_address_at", "address", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(LOGIN)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(TIME)
