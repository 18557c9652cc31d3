"""In-memory fakes of the user ports (`services.user_ports`): users, teams, tokens, sessions.

Each follows its SQL implementation (`trimtab.store.user_repository`): a user read back
carries the teams they belong to; a password, a token and a session id are stored only
as the hash the service hands over; `end_for_user` ends the user's sessions and those
acting for them; failed sign-ins are counted by address from a time on. `FakeUsersDesk`
is the unit of work `services.users` and `services.sessions` see; like the SQL one,
leaving `with desk:` without `commit()` rolls everything back (audit entries too). The
desk is its own factory:

>>> import datetime as dt
>>> from trimtab.domain.principal import Role
>>> from trimtab.domain.users import User
>>> desk = FakeUsersDesk(advisors=["ADV-1"])
>>> with desk() as uow:
...     uow.users.add(User("lee", "Lee", frozenset({Role.ADVISOR}), "ADV-1"), "hash")
>>> desk.users.get("lee"), desk.commits
(None, 0)
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Self

from tests.fakes.audit import FakeAuditTrail
from trimtab.domain.accounts import Advisor, Branch, Household, TaxProfile
from trimtab.domain.firm import Firm, Program
from trimtab.domain.users import SystemToken, Team, User, WebSession

__all__ = [
    "FakeCoverage",
    "FakeHouseholds",
    "FakeOrganization",
    "FakeSessions",
    "FakeSignInAttempts",
    "FakeTeams",
    "FakeTokens",
    "FakeUsers",
    "FakeUsersDesk",
]


class FakeTeams:
    def __init__(self) -> None:
        self.by_id: dict[str, Team] = {}

    def get(self, team_id: str) -> Team | None:
        return self.by_id.get(team_id)

    def all(self) -> list[Team]:
        return sorted(self.by_id.values(), key=lambda t: t.id)

    def add(self, team: Team) -> None:
        self.by_id[team.id] = team

    def add_members(self, team_id: str, logins: Iterable[str]) -> None:
        team = self.by_id[team_id]
        self.by_id[team_id] = dataclasses.replace(team, members=team.members | set(logins))

    def add_households(self, team_id: str, households: Iterable[str]) -> None:
        team = self.by_id[team_id]
        self.by_id[team_id] = dataclasses.replace(
            team, households=team.households | set(households)
        )

    def remove_members(self, team_id: str, logins: Iterable[str]) -> None:
        team = self.by_id[team_id]
        self.by_id[team_id] = dataclasses.replace(team, members=team.members - set(logins))

    def remove_households(self, team_id: str, households: Iterable[str]) -> None:
        team = self.by_id[team_id]
        self.by_id[team_id] = dataclasses.replace(
            team, households=team.households - set(households)
        )

    def of_member(self, login: str) -> frozenset[str]:
        return frozenset(t.id for t in self.by_id.values() if login in t.members)


class FakeUsers:
    """Users and their password hashes; `get` fills in the teams from `FakeTeams`."""

    def __init__(self, teams: FakeTeams) -> None:
        self.teams = teams
        self.by_login: dict[str, User] = {}
        self.hashes: dict[str, str] = {}

    def _with_teams(self, user: User) -> User:
        return dataclasses.replace(user, teams=self.teams.of_member(user.login))

    def get(self, login: str) -> User | None:
        user = self.by_login.get(login)
        return None if user is None else self._with_teams(user)

    def password_hash(self, login: str) -> str | None:
        return self.hashes.get(login)

    def all(self) -> list[User]:
        return [self._with_teams(u) for u in self.by_login.values()]

    def add(self, user: User, password_hash: str) -> None:
        assert user.login not in self.by_login, "the service checks for a duplicate first"
        self.by_login[user.login] = dataclasses.replace(user, teams=frozenset())
        self.hashes[user.login] = password_hash

    def save(self, user: User) -> None:
        self.by_login[user.login] = dataclasses.replace(user, teams=frozenset())

    def set_password(self, login: str, password_hash: str) -> None:
        self.hashes[login] = password_hash


class FakeTokens:
    def __init__(self) -> None:
        self.by_name: dict[str, SystemToken] = {}
        self.hashes: dict[str, str] = {}  # token hash -> name

    def get(self, name: str) -> SystemToken | None:
        return self.by_name.get(name)

    def by_hash(self, token_hash: str) -> SystemToken | None:
        name = self.hashes.get(token_hash)
        return None if name is None else self.by_name[name]

    def all(self) -> list[SystemToken]:
        return list(self.by_name.values())

    def add(self, token: SystemToken, token_hash: str) -> None:
        self.by_name[token.name] = token
        self.hashes[token_hash] = token.name

    def revoke(self, name: str, at: dt.datetime) -> None:
        self.by_name[name] = dataclasses.replace(self.by_name[name], revoked_at=at)

    def touch(self, name: str, at: dt.datetime) -> None:
        self.by_name[name] = dataclasses.replace(self.by_name[name], last_used_at=at)


class FakeSessions:
    def __init__(self) -> None:
        self.by_hash: dict[str, WebSession] = {}

    def get(self, id_hash: str) -> WebSession | None:
        return self.by_hash.get(id_hash)

    def add(self, session: WebSession) -> None:
        self.by_hash[session.id_hash] = session

    def touch(self, id_hash: str, at: dt.datetime) -> None:
        self.by_hash[id_hash] = dataclasses.replace(self.by_hash[id_hash], last_seen_at=at)

    def act_for(self, id_hash: str, login: str | None) -> None:
        self.by_hash[id_hash] = dataclasses.replace(self.by_hash[id_hash], on_behalf_of=login)

    def end(self, id_hash: str) -> None:
        self.by_hash.pop(id_hash, None)

    def end_for_user(self, login: str) -> int:
        ended = [h for h, s in self.by_hash.items() if login in (s.login, s.on_behalf_of)]
        for id_hash in ended:
            del self.by_hash[id_hash]
        return len(ended)

    def end_expired(self, now: dt.datetime, idle: dt.timedelta) -> int:
        ended = [h for h, s in self.by_hash.items() if not s.alive_at(now, idle)]
        for id_hash in ended:
            del self.by_hash[id_hash]
        return len(ended)


class FakeSignInAttempts:
    def __init__(self) -> None:
        self.failures: list[tuple[str, str, dt.datetime]] = []  # login, address, at

    def add_failure(self, login: str, address: str, at: dt.datetime) -> None:
        self.failures.append((login, address, at))

    def failures_from(self, address: str, since: dt.datetime) -> int:
        return sum(1 for _login, a, at in self.failures if a == address and at >= since)

    def forget_before(self, at: dt.datetime) -> int:
        kept = [f for f in self.failures if f[2] >= at]
        forgotten = len(self.failures) - len(kept)
        self.failures = kept
        return forgotten


class FakeOrganization:
    """The firm's advisors (what a user's advisor id is checked against)."""

    def __init__(self, advisors: Iterable[str] = ()) -> None:
        self.advisor_list = [Advisor(a, a) for a in advisors]
        self.firm_list: list[Firm] = []
        self.program_list: list[Program] = []
        self.branch_list: list[Branch] = []

    def add_firm(self, firm: Firm) -> None:
        self.firm_list.append(firm)

    def add_program(self, program: Program) -> None:
        self.program_list.append(program)

    def add_branch(self, branch: Branch) -> None:
        self.branch_list.append(branch)

    def add_advisor(self, advisor: Advisor) -> None:
        self.advisor_list.append(advisor)

    def firms(self) -> list[Firm]:
        return list(self.firm_list)

    def programs(self) -> list[Program]:
        return list(self.program_list)

    def branches(self) -> list[Branch]:
        return list(self.branch_list)

    def advisors(self) -> list[Advisor]:
        return list(self.advisor_list)

    def advisor(self, id: str) -> Advisor | None:
        return next((a for a in self.advisor_list if a.id == id), None)


class FakeHouseholds:
    def __init__(self, households: Iterable[str] = ()) -> None:
        self.by_id = {h: Household(h) for h in households}
        self.profiles: dict[str, TaxProfile] = {}

    def add(self, household: Household) -> None:
        self.by_id[household.id] = household

    def get(self, id: str) -> Household | None:
        return self.by_id.get(id)

    def set_tax_profile(self, profile: TaxProfile) -> None:
        self.profiles[profile.household] = profile

    def tax_profile(self, household: str) -> TaxProfile | None:
        return self.profiles.get(household)


class FakeCoverage:
    """Which advisor advises which households (the firm's accounts, reduced to that)."""

    def __init__(self, households_by_advisor: dict[str, list[str]] | None = None) -> None:
        self.households_by_advisor = households_by_advisor or {}

    def accounts_by_advisor(self) -> dict[str, int]:
        return {a: len(h) for a, h in self.households_by_advisor.items()}

    def households_of(self, advisor: str) -> list[str]:
        return sorted(self.households_by_advisor.get(advisor, []))


class FakeUsersDesk:
    """The unit of work of users and sessions, in memory, with rollback on exit."""

    def __init__(self, *, advisors: Iterable[str] = (), households: Iterable[str] = ()) -> None:
        self.teams = FakeTeams()
        self.users = FakeUsers(self.teams)
        self.tokens = FakeTokens()
        self.web_sessions = FakeSessions()
        self.sign_in_attempts = FakeSignInAttempts()
        self.organization = FakeOrganization(advisors)
        self.households = FakeHouseholds(households)
        self.coverage = FakeCoverage()
        self.audit = FakeAuditTrail()
        self.commits = 0
        self._begun: tuple[dict[str, Any], int] | None = None

    _STATE = ("teams", "users", "tokens", "web_sessions", "sign_in_attempts")

    def __call__(self) -> Self:
        return self

    def __enter__(self) -> Self:
        # A snapshot of everything a write may change, restored when nothing commits.
        state = {name: copy.deepcopy(vars(getattr(self, name))) for name in self._STATE}
        self._begun = (state, len(self.audit.appended))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._begun is not None:
            self.rollback()

    def commit(self) -> None:
        self.commits += 1
        self._begun = None

    def rollback(self) -> None:
        assert self._begun is not None
        state, entries = self._begun
        for name, saved in state.items():
            vars(getattr(self, name)).update(saved)
        self.users.teams = self.teams  # the users read the teams of this desk, not a copy
        del self.audit.appended[entries:]
        self._begun = None
