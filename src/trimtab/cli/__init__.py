"""The `trimtab` command line: this module only assembles the command families.

Each family lives in its own module of this package (`db`, `demo`, `feeds`, `models`,
`review`, ...); each command parses its arguments, calls one service and formats the
answer. What they share (the acting principal, problems and their exit codes, the
database) is in `support`; the adapters they need come from `trimtab.bootstrap`.
Commands never print a traceback: problems are printed as `error: <path>: <message>`
with the exit code of their kind (docs/cli.md).

    $ trimtab db upgrade && trimtab demo load --accounts 200 && trimtab run
"""

from __future__ import annotations

import logging

import typer

from trimtab.cli.accounts import accounts_app
from trimtab.cli.alerts import alerts_app
from trimtab.cli.audit import audit_app
from trimtab.cli.corporate_actions import corporate_actions_app
from trimtab.cli.db import db_app
from trimtab.cli.demo import demo_app
from trimtab.cli.feeds import feeds_app
from trimtab.cli.filters import filters_app
from trimtab.cli.lots import lots_app
from trimtab.cli.models import models_app
from trimtab.cli.optimize import optimize
from trimtab.cli.orders import orders_app
from trimtab.cli.pipeline import pipeline_app
from trimtab.cli.records import records_app
from trimtab.cli.reports import reports_app
from trimtab.cli.review import review_app
from trimtab.cli.routing import routing_app
from trimtab.cli.run import run_app
from trimtab.cli.scheduler import scheduler
from trimtab.cli.securities import securities_app
from trimtab.cli.serve import serve
from trimtab.cli.settings import settings_app
from trimtab.cli.simulate import simulate
from trimtab.cli.users import teams_app, tokens_app, users_app
from trimtab.cli.wash_groups import wash_groups_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="trimtab",
    help="Rebalancing automation for wealth-management firms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(lots_app, name="lots")
app.add_typer(models_app, name="models")
app.add_typer(filters_app, name="filters")
app.add_typer(settings_app, name="settings")
app.add_typer(run_app, name="run")
app.add_typer(routing_app, name="routing")
app.add_typer(review_app, name="review")
app.add_typer(orders_app, name="orders")
app.add_typer(reports_app, name="reports")
app.command("simulate")(simulate)
app.command("optimize")(optimize)
app.add_typer(feeds_app, name="feeds")
app.add_typer(securities_app, name="securities")
app.add_typer(wash_groups_app, name="wash-groups")
app.add_typer(corporate_actions_app, name="corporate-actions")
app.add_typer(audit_app, name="audit")
app.add_typer(alerts_app, name="alerts")
app.add_typer(records_app, name="records")
app.add_typer(accounts_app, name="accounts")
app.add_typer(users_app, name="users")
app.add_typer(teams_app, name="teams")
app.add_typer(tokens_app, name="tokens")
app.command("serve")(serve)
app.add_typer(pipeline_app, name="pipeline")
app.command("scheduler")(scheduler)


def main() -> None:
    from trimtab.config import load_settings
    from trimtab.logs import configure_logging

    # Warnings and errors only: a command's answer is what it prints; long-running
    # commands (the scheduler, serve) raise their own level.
    configure_logging(load_settings().log_format, level=logging.WARNING)
    app()
