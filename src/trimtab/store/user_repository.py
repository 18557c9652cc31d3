"""SQL implementations of the user ports (`trimtab.services.user_ports`).

Times come back from SQLite without a zone (it has no zone type): every time read here
is made UTC again, as it was written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from trimtab.domain.principal import Role
from trimtab.domain.users import SystemToken, Team, User, WebSession
from trimtab.store.mapping import as_utc
from trimtab.store.tables import AccountRow, AdvisorRow
from trimtab.store.user_tables import (
    SignInFailureRow,
    SystemTokenRow,
    TeamHouseholdRow,
    TeamMemberRow,
    TeamRow,
    UserRow,
    WebSessionRow,
)

__all__ = [
    "SqlAdvisorCoverage",
    "SqlSessionRepository",
    "SqlSignInAttempts",
    "SqlTeamRepository",
    "SqlTokenRepository",
    "SqlUserRepository",
]


def _at(value: dt.datetime) -> dt.datetime:
    found = as_utc(value)
    assert found is not None
    return found


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _user(self, row: UserRow, teams: Iterable[str]) -> User:
        return User(
            login=row.login,
            name=row.name,
            roles=frozenset(Role(r) for r in row.roles),
            advisor_id=row.advisor_id,
            teams=frozenset(teams),
            disabled=row.disabled,
            failed_sign_ins=row.failed_sign_ins,
            locked_until=as_utc(row.locked_until),
        )

    def get(self, login: str) -> User | None:
        # One statement with the teams (every signed-in request reads its user).
        rows = self.session.execute(
            select(UserRow, TeamMemberRow.team_id)
            .outerjoin(TeamMemberRow, TeamMemberRow.login == UserRow.login)
            .where(UserRow.login == login)
        ).all()
        if not rows:
            return None
        return self._user(rows[0][0], [team for _, team in rows if team is not None])

    def password_hash(self, login: str) -> str | None:
        return self.session.scalar(select(UserRow.password_hash).where(UserRow.login == login))

    def all(self) -> list[User]:
        teams: dict[str, set[str]] = {}
        for team, login in self.session.execute(select(TeamMemberRow.team_id, TeamMemberRow.login)):
            teams.setdefault(login, set()).add(team)
        rows = self.session.scalars(select(UserRow).order_by(UserRow.login))
        return [self._user(row, teams.get(row.login, ())) for row in rows]

    def add(self, user: User, password_hash: str) -> None:
        self.session.add(
            UserRow(
                login=user.login,
                name=user.name,
                roles=sorted(r.value for r in user.roles),
                advisor_id=user.advisor_id,
                disabled=user.disabled,
                password_hash=password_hash,
                failed_sign_ins=user.failed_sign_ins,
                locked_until=user.locked_until,
            )
        )
        self.session.flush()

    def save(self, user: User) -> None:
        self.session.execute(
            update(UserRow)
            .where(UserRow.login == user.login)
            .values(
                name=user.name,
                roles=sorted(r.value for r in user.roles),
                advisor_id=user.advisor_id,
                disabled=user.disabled,
                failed_sign_ins=user.failed_sign_ins,
                locked_until=user.locked_until,
            )
        )

    def set_password(self, login: str, password_hash: str) -> None:
        self.session.execute(
            update(UserRow).where(UserRow.login == login).values(password_hash=password_hash)
        )


class SqlTeamRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, team_id: str) -> Team | None:
        row = self.session.get(TeamRow, team_id)
        if row is None:
            return None
        members = self.session.scalars(
            select(TeamMemberRow.login).where(TeamMemberRow.team_id == team_id)
        )
        households = self.session.scalars(
            select(TeamHouseholdRow.household_id).where(TeamHouseholdRow.team_id == team_id)
        )
        return Team(row.id, row.name, frozenset(members), frozenset(households))

    def all(self) -> list[Team]:
        ids = self.session.scalars(select(TeamRow.id).order_by(TeamRow.id)).all()
        return [team for team in map(self.get, ids) if team is not None]

    def add(self, team: Team) -> None:
        self.session.add(TeamRow(id=team.id, name=team.name))
        self.session.flush()
        self.add_members(team.id, team.members)
        self.add_households(team.id, team.households)

    def add_members(self, team_id: str, logins: Iterable[str]) -> None:
        have = set(
            self.session.scalars(
                select(TeamMemberRow.login).where(TeamMemberRow.team_id == team_id)
            )
        )
        self.session.add_all(
            TeamMemberRow(team_id=team_id, login=login) for login in set(logins) - have
        )
        self.session.flush()

    def add_households(self, team_id: str, households: Iterable[str]) -> None:
        have = set(
            self.session.scalars(
                select(TeamHouseholdRow.household_id).where(TeamHouseholdRow.team_id == team_id)
            )
        )
        self.session.add_all(
            TeamHouseholdRow(team_id=team_id, household_id=h) for h in set(households) - have
        )
        self.session.flush()

    def remove_members(self, team_id: str, logins: Iterable[str]) -> None:
        self.session.execute(
            delete(TeamMemberRow).where(
                TeamMemberRow.team_id == team_id, TeamMemberRow.login.in_(list(logins))
            )
        )

    def remove_households(self, team_id: str, households: Iterable[str]) -> None:
        self.session.execute(
            delete(TeamHouseholdRow).where(
                TeamHouseholdRow.team_id == team_id,
                TeamHouseholdRow.household_id.in_(list(households)),
            )
        )


class SqlTokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _token(row: SystemTokenRow) -> SystemToken:
        return SystemToken(
            name=row.name,
            role=Role(row.role),
            created_at=_at(row.created_at),
            created_by=row.created_by,
            revoked_at=as_utc(row.revoked_at),
            last_used_at=as_utc(row.last_used_at),
        )

    def get(self, name: str) -> SystemToken | None:
        row = self.session.get(SystemTokenRow, name)
        return None if row is None else self._token(row)

    def by_hash(self, token_hash: str) -> SystemToken | None:
        row = self.session.scalar(
            select(SystemTokenRow).where(SystemTokenRow.token_hash == token_hash)
        )
        return None if row is None else self._token(row)

    def all(self) -> list[SystemToken]:
        rows = self.session.scalars(select(SystemTokenRow).order_by(SystemTokenRow.name))
        return [self._token(row) for row in rows]

    def add(self, token: SystemToken, token_hash: str) -> None:
        self.session.add(
            SystemTokenRow(
                name=token.name,
                role=token.role.value,
                token_hash=token_hash,
                created_at=token.created_at,
                created_by=token.created_by,
                revoked_at=token.revoked_at,
                last_used_at=token.last_used_at,
            )
        )
        self.session.flush()

    def revoke(self, name: str, at: dt.datetime) -> None:
        self.session.execute(
            update(SystemTokenRow).where(SystemTokenRow.name == name).values(revoked_at=at)
        )

    def touch(self, name: str, at: dt.datetime) -> None:
        self.session.execute(
            update(SystemTokenRow).where(SystemTokenRow.name == name).values(last_used_at=at)
        )


class SqlSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, id_hash: str) -> WebSession | None:
        row = self.session.get(WebSessionRow, id_hash)
        if row is None:
            return None
        return WebSession(
            id_hash=row.id_hash,
            login=row.login,
            created_at=_at(row.created_at),
            expires_at=_at(row.expires_at),
            last_seen_at=_at(row.last_seen_at),
            on_behalf_of=row.on_behalf_of,
            address=row.address,
        )

    def add(self, session: WebSession) -> None:
        self.session.add(
            WebSessionRow(
                id_hash=session.id_hash,
                login=session.login,
                on_behalf_of=session.on_behalf_of,
                created_at=session.created_at,
                expires_at=session.expires_at,
                last_seen_at=session.last_seen_at,
                address=(session.address or "")[:64] or None,
            )
        )
        self.session.flush()

    def touch(self, id_hash: str, at: dt.datetime) -> None:
        self.session.execute(
            update(WebSessionRow).where(WebSessionRow.id_hash == id_hash).values(last_seen_at=at)
        )

    def act_for(self, id_hash: str, login: str | None) -> None:
        self.session.execute(
            update(WebSessionRow).where(WebSessionRow.id_hash == id_hash).values(on_behalf_of=login)
        )

    def end(self, id_hash: str) -> None:
        self.session.execute(delete(WebSessionRow).where(WebSessionRow.id_hash == id_hash))

    def end_for_user(self, login: str) -> int:
        result = self.session.execute(
            delete(WebSessionRow).where(
                or_(WebSessionRow.login == login, WebSessionRow.on_behalf_of == login)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def end_expired(self, now: dt.datetime, idle: dt.timedelta) -> int:
        result = self.session.execute(
            delete(WebSessionRow).where(
                or_(WebSessionRow.expires_at <= now, WebSessionRow.last_seen_at <= now - idle)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


class SqlSignInAttempts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_failure(self, login: str, address: str, at: dt.datetime) -> None:
        self.session.add(SignInFailureRow(login=login[:64], address=address[:64], at=at))
        self.session.flush()

    def failures_from(self, address: str, since: dt.datetime) -> int:
        query = select(func.count()).where(
            SignInFailureRow.address == address[:64], SignInFailureRow.at >= since
        )
        return int(self.session.scalar(query) or 0)

    def forget_before(self, at: dt.datetime) -> int:
        result = self.session.execute(delete(SignInFailureRow).where(SignInFailureRow.at < at))
        return int(getattr(result, "rowcount", 0) or 0)


class SqlAdvisorCoverage:
    def __init__(self, session: Session) -> None:
        self.session = session

    def accounts_by_advisor(self) -> dict[str, int]:
        query = (
            select(AdvisorRow.id, func.count(AccountRow.id))
            .outerjoin(AccountRow, AccountRow.advisor_id == AdvisorRow.id)
            .group_by(AdvisorRow.id)
        )
        return {advisor: int(count) for advisor, count in self.session.execute(query)}

    def households_of(self, advisor: str) -> list[str]:
        query = (
            select(AccountRow.household_id)
            .where(AccountRow.advisor_id == advisor)
            .distinct()
            .order_by(AccountRow.household_id)
        )
        return list(self.session.scalars(query))
