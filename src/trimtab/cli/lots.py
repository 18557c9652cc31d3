"""`trimtab lots ...`: the lot ledger's contract from the command line (docs/ledger.md).

`lots replay` reads a transaction history and prints the open tax lots and realized
gains as JSON; the service answers invalid input with the contract's problems and its
exit code, never a traceback.

    $ trimtab lots replay history.json
"""

from __future__ import annotations

import typer

__all__ = ["lots_app"]

lots_app = typer.Typer(help="The lot ledger: replay histories into tax lots.", no_args_is_help=True)


@lots_app.command("replay")
def lots_replay(
    history: str = typer.Argument(
        ..., metavar="HISTORY.json", help="Transaction history (docs/ledger.md); - for stdin."
    ),
) -> None:
    """Replay a transaction history into open tax lots and realized gains (JSON out)."""
    import json
    import sys
    from pathlib import Path

    from trimtab.services.replay_history import replay_history, unreadable_history

    try:
        text = sys.stdin.buffer.read() if history == "-" else Path(history).read_bytes()
    except OSError as error:
        answer = unreadable_history(f"{history}: {error.strerror or error}")
    else:
        answer = replay_history(text)
    typer.echo(json.dumps(answer.body))
    raise typer.Exit(answer.exit_code)
