"""`trimtab routing ...`: the firm's routing policy (saved firm filters in stage order).

Parse the arguments, call one service (`trimtab.services.routing`), print. A policy that
names an unknown or broken filter is printed as `error: ...` with its exit code (see
`trimtab.cli.support`) and nothing is recorded. docs/nightly.md describes the policy.

    $ trimtab routing show
    $ trimtab routing set policy.txt --reason "review every account over $1m"
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from trimtab.cli.support import answer, fail, principal, unit_of_work

__all__ = ["routing_app"]

routing_app = typer.Typer(
    help="The firm's routing policy (ordered saved filters).", no_args_is_help=True
)


@routing_app.command("show")
def routing_show() -> None:
    """The routing policy in force, as `routing set` reads it, with each filter."""
    from trimtab.services.routing import show_policy

    with unit_of_work() as uow:
        policy, texts = show_policy(uow)
    if policy is None:
        typer.echo("no routing policy yet: `trimtab routing set FILE` (docs/nightly.md)")
        return
    typer.echo(f"# routing policy version {policy.version}")
    for rule in policy.rules:
        typer.echo(f"{rule.stage.value:<11} {rule.filter:<26} # {texts.get(rule.filter, '?')}")


@routing_app.command("set")
def routing_set(
    policy_file: str = typer.Argument(
        ..., metavar="POLICY.txt", help="`stage filter` lines; - for stdin."
    ),
    reason: str = typer.Option(..., help="Why the policy changes (recorded)."),
) -> None:
    """Replace the routing policy (a new version; every filter must be a saved firm filter)."""
    from trimtab.services.routing import set_policy

    try:
        text = sys.stdin.read() if policy_file == "-" else Path(policy_file).read_text()
    except OSError as error:
        raise fail(f"{policy_file}: {error.strerror or error}") from None
    with unit_of_work() as uow:
        version = answer(set_policy(uow, text, principal=principal(), reason=reason))
    typer.echo(f"routing policy version {version} recorded")
