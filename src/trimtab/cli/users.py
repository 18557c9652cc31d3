"""`trimtab users|teams|tokens ...`: who may use the web app and the API (docs/web.md).

Parse, call one service (`trimtab.services.users`), print. A generated password or a
new token's secret is printed once, on stdout, and never again: hand it over and
forget it. `--password-stdin` reads a password from standard input instead (one line),
so it never appears in the shell's history or the process list.

    $ trimtab users add lee --name "Lee Park" --role advisor --advisor ADV-0001
    added lee (advisor), advisor ADV-0001
    password (shown once): 7c3nX...
    $ trimtab tokens create oms --role overlay
    token oms (overlay), shown once: tt_9GQ...
"""

from __future__ import annotations

import sys

import typer

from trimtab.cli.support import answer, fail, principal, unit_of_work
from trimtab.domain.principal import Role

__all__ = ["teams_app", "tokens_app", "users_app"]

users_app = typer.Typer(
    help="Users of the web app: add, list, disable, reset passwords.", no_args_is_help=True
)
teams_app = typer.Typer(
    help="Teams of advisors and the households they cover together.", no_args_is_help=True
)
tokens_app = typer.Typer(
    help="System tokens for the API: one role each, revocable.", no_args_is_help=True
)

ROLES = ", ".join(r.value for r in Role)


def _role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise fail(f"--role: {value!r} is not a role ({ROLES})") from None


def _stdin_password() -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise fail("--password-stdin: no password on standard input")
    return line


@users_app.command("add")
def users_add(
    login: str = typer.Argument(..., help="The sign-in name: lowercase letters, digits, . _ -"),
    name: str = typer.Option(..., "--name", help="The name shown in pages and the audit trail."),
    roles: list[str] = typer.Option(..., "--role", help=f"A role ({ROLES}); repeat for more."),
    advisor: str | None = typer.Option(
        None, "--advisor", help="For an advisor: the firm's advisor id whose accounts are theirs."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (else generate)."
    ),
) -> None:
    """Add a user; prints a generated password once."""
    from trimtab.services.users import NewUser, add_user

    password = _stdin_password() if password_stdin else None
    request = NewUser(login, name, [_role(r) for r in roles], advisor, password)
    with unit_of_work() as new_uow:
        user, generated, problems = add_user(new_uow, request, principal=principal())
    if user is None or problems:
        raise fail(*problems)
    roles_text = ", ".join(sorted(r.value for r in user.roles))
    linked = f", advisor {user.advisor_id}" if user.advisor_id else ""
    typer.echo(f"added {user.login} ({roles_text}){linked}")
    if generated:
        typer.echo(f"password (shown once): {generated}")


@users_app.command("list")
def users_list() -> None:
    """Every user, their roles, advisor, teams and state."""
    import datetime as dt

    from trimtab.services.users import list_users

    with unit_of_work() as new_uow:
        users = list_users(new_uow)
    now = dt.datetime.now(dt.UTC)
    for user in users:
        state = "disabled" if user.disabled else "locked" if user.locked_at(now) else "active"
        teams = f" teams {','.join(sorted(user.teams))}" if user.teams else ""
        advisor = f" advisor {user.advisor_id}" if user.advisor_id else ""
        roles = ",".join(sorted(r.value for r in user.roles))
        typer.echo(f"{user.login:<16} {state:<8} {roles:<24} {user.name}{advisor}{teams}")
    if not users:
        typer.echo("no users yet: `trimtab users add LOGIN --name NAME --role ROLE`")


@users_app.command("disable")
def users_disable(
    login: str, reason: str = typer.Option("", "--reason", help="Why (kept in the audit trail).")
) -> None:
    """Disable a user: they cannot sign in, and their sessions end now."""
    from trimtab.services.users import disable_user

    with unit_of_work() as new_uow:
        answer(disable_user(new_uow, login, principal=principal(), reason=reason))
    typer.echo(f"disabled {login}; their sessions have ended")


@users_app.command("enable")
def users_enable(
    login: str, reason: str = typer.Option("", "--reason", help="Why (kept in the audit trail).")
) -> None:
    """Enable a disabled user again."""
    from trimtab.services.users import enable_user

    with unit_of_work() as new_uow:
        answer(enable_user(new_uow, login, principal=principal(), reason=reason))
    typer.echo(f"enabled {login}")


@users_app.command("unlock")
def users_unlock(
    login: str, reason: str = typer.Option("", "--reason", help="Why (kept in the audit trail).")
) -> None:
    """Lift the lock repeated failed sign-ins put on a user."""
    from trimtab.services.users import unlock_user

    with unit_of_work() as new_uow:
        answer(unlock_user(new_uow, login, principal=principal(), reason=reason))
    typer.echo(f"unlocked {login}")


@users_app.command("reset-password")
def users_reset_password(
    login: str,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (else generate)."
    ),
    reason: str = typer.Option("", "--reason", help="Why (kept in the audit trail)."),
) -> None:
    """Set a new password (generated unless given), unlock, and end the user's sessions."""
    from trimtab.services.users import reset_password

    password = _stdin_password() if password_stdin else None
    with unit_of_work() as new_uow:
        generated = answer(
            reset_password(new_uow, login, password, principal=principal(), reason=reason)
        )
    typer.echo(f"password of {login} reset; their sessions have ended")
    if generated:
        typer.echo(f"password (shown once): {generated}")


@teams_app.command("add")
def teams_add(
    team: str = typer.Argument(..., help="The team id: lowercase letters, digits, . _ -"),
    name: str = typer.Option("", "--name", help="The team's name."),
) -> None:
    """Add a team (then `teams assign` its members and households)."""
    from trimtab.services.users import add_team

    with unit_of_work() as new_uow:
        answer(add_team(new_uow, team, name, principal=principal()))
    typer.echo(f"added team {team}")


@teams_app.command("assign")
def teams_assign(
    team: str,
    members: list[str] = typer.Option([], "--member", help="A user's login; repeat for more."),
    households: list[str] = typer.Option([], "--household", help="A household id; repeat."),
    remove: bool = typer.Option(False, "--remove", help="Take them out of the team instead."),
    reason: str = typer.Option("", "--reason", help="Why (kept in the audit trail)."),
) -> None:
    """Add members and households to a team: its members see its households' accounts."""
    from trimtab.services.users import assign_team

    with unit_of_work() as new_uow:
        changed = answer(
            assign_team(
                new_uow,
                team,
                principal=principal(),
                members=members,
                households=households,
                remove=remove,
                reason=reason,
            )
        )
    typer.echo(
        f"team {changed.id}: {len(changed.members)} members, {len(changed.households)} households"
    )


@teams_app.command("list")
def teams_list() -> None:
    """Every team, its members and how many households it covers."""
    from trimtab.services.users import list_teams

    with unit_of_work() as new_uow:
        teams = list_teams(new_uow)
    for team in teams:
        members = ",".join(sorted(team.members)) or "-"
        typer.echo(
            f"{team.id:<16} {team.name:<24} members {members}; {len(team.households)} households"
        )


@tokens_app.command("create")
def tokens_create(
    name: str = typer.Argument(..., help="The system it is for (oms, scheduler, ...)."),
    role: str = typer.Option(..., "--role", help=f"Its one role ({ROLES}; not advisor)."),
) -> None:
    """Issue a token for a system; prints it once (only its hash is kept)."""
    from trimtab.services.users import create_token

    with unit_of_work() as new_uow:
        issued = answer(create_token(new_uow, name, _role(role), principal=principal()))
    typer.echo(f"token {issued.token.name} ({issued.token.role.value}), shown once:")
    typer.echo(issued.secret)


@tokens_app.command("revoke")
def tokens_revoke(
    name: str, reason: str = typer.Option("", "--reason", help="Why (kept in the audit trail).")
) -> None:
    """Revoke a token: it stops working at once."""
    from trimtab.services.users import revoke_token

    with unit_of_work() as new_uow:
        answer(revoke_token(new_uow, name, principal=principal(), reason=reason))
    typer.echo(f"revoked token {name}")


@tokens_app.command("list")
def tokens_list() -> None:
    """Every token: role, state, created by, last used (never the secret)."""
    from trimtab.services.users import list_tokens

    with unit_of_work() as new_uow:
        tokens = list_tokens(new_uow)
    for token in tokens:
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        typer.echo(
            f"{token.name:<16} {token.role.value:<11} {state:<18} "
            f"by {token.created_by}, last used {used}"
        )
    if not tokens:
        typer.echo("no tokens yet: `trimtab tokens create NAME --role ROLE`")
