"""The `trimtab` command line: each command parses its arguments and calls a service.

Commands never print a traceback at the user: invalid input is answered with a message
(or the contract's JSON) and exit code 2.
"""

from __future__ import annotations

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="trimtab",
    help="Rebalancing automation for wealth-management firms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)
demo_app = typer.Typer(help="Load a realistic demo firm.", no_args_is_help=True)
lots_app = typer.Typer(help="The lot ledger: replay histories into tax lots.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(lots_app, name="lots")


def main() -> None:
    app()
