"""`trimtab accounts ...`: see the firm's accounts from the command line (docs/accounts.md).

`list` shows the accounts a filter matches (the language of docs/filters.md, or
`@saved-name`) with their household, advisor, program, value, cash, drift and the last
run's outcome; `show` shows one account whole: holdings, lots with their gain and term,
target against current by group, cash, flags, effective settings with where each was
set and what it means, and the last analysis with its trades and their reasons. Both
take `--json`. An unknown account exits 3 (see `trimtab.cli.support`), never a traceback.

    $ trimtab accounts list 'tier = "Platinum" and drift > 0.01' --limit 20
    $ trimtab accounts show A0000042
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import TYPE_CHECKING

import typer

from trimtab.cli.json_output import jsonable
from trimtab.cli.support import answer, principal, unit_of_work

if TYPE_CHECKING:
    from rich.table import Table

    from trimtab.services.accounts import AccountView

__all__ = ["accounts_app"]

accounts_app = typer.Typer(
    help="Accounts: list them through a filter, show one whole.", no_args_is_help=True
)


def _money(amount: Decimal | None) -> str:
    if amount is None:
        return "-"
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def _quantity(quantity: Decimal) -> str:
    """Shares as held, without the store's trailing zeros: 2,455.628 (not 2,455.628000)."""
    return f"{quantity.normalize():,f}"


def _pct(fraction: float | Decimal | None, places: int = 2) -> str:
    return "-" if fraction is None else f"{float(fraction) * 100:.{places}f}%"


def _as_of(text: str | None) -> dt.date | None:
    from trimtab.cli.support import fail

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"--as-of must be a date like 2025-06-30, got {text!r}") from None


@accounts_app.command("list")
def accounts_list(
    where: str | None = typer.Argument(
        None, metavar="[FILTER]", help="A filter (docs/filters.md) or @saved-name; default: all."
    ),
    limit: int = typer.Option(50, "--limit", min=1, help="How many accounts to show."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object, every field."),
) -> None:
    """Accounts a filter matches: household, advisor, program, value, cash, drift, outcome.

    Value and drift (the largest group drift outside its band) are the latest analysis';
    cash is the balance held now; the outcome is the last run's.
    """
    from trimtab.services.accounts import list_accounts

    with unit_of_work() as new_uow:
        found = answer(list_accounts(new_uow, where, viewer=principal(), limit=limit))
    if as_json:
        out = {
            "filter": found.filter,
            "count": found.count,
            "accounts": [jsonable(line) for line in found.lines],
        }
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    if not found.lines:
        typer.echo("no accounts match")
        return
    from rich.console import Console

    table = _table(
        "", "account", "household", "advisor", "program", "value", "cash", "drift", "last"
    )
    for line in found.lines:
        table.add_row(
            line.account,
            line.household,
            line.advisor or "-",
            line.program or "-",
            _money(line.value),
            _money(line.cash),
            _pct(line.drift),
            line.outcome or "never analyzed",
        )
    Console().print(table)
    typer.echo(f"{len(found.lines):,} of {found.count:,} accounts shown")


@accounts_app.command("show")
def accounts_show(
    account: str = typer.Argument(..., help="Account id."),
    as_of: str | None = typer.Option(
        None, "--as-of", metavar="YYYY-MM-DD", help="Value at this day's prices (default today)."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object, every field."),
) -> None:
    """One account whole: holdings, lots, target vs current, flags, settings, last analysis."""
    from trimtab.services.accounts import show_account

    day = _as_of(as_of)
    with unit_of_work() as new_uow:
        view = answer(show_account(new_uow, account, viewer=principal(), as_of=day))
    if as_json:
        out = jsonable(view)
        out["groups"] = [
            {**jsonable(g), "drift": g.drift, "outside_band": g.outside_band} for g in view.groups
        ]
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    _print_view(view)


def _table(title: str, *columns: str, ids: int = 1) -> Table:
    """A table whose first `ids` columns stay whole; a narrow terminal wraps the others'
    values (never cuts them short)."""
    from rich.table import Table

    table = Table(*columns, title=title or None)
    for i, column in enumerate(table.columns):
        column.no_wrap = i < ids
        column.overflow = "fold"
    return table


def _print_view(view: AccountView) -> None:
    from rich.console import Console

    console = Console()
    a = view.account
    console.print(
        f"[bold]{a.id}[/bold] {a.name}  household {a.household} {view.household_name}  "
        f"advisor {view.advisor_name or '-'}  program {a.program or '-'}",
        markup=True,
        highlight=False,
    )
    console.print(
        f"{a.tax_status.value}, {a.status.value}; target {view.target or '-'}; "
        f"value {_money(view.value)} at prices on or before {view.as_of}; "
        f"cash {_money(view.cash)}"
        + (f" (target {_pct(view.target_cash)})" if view.target_cash is not None else ""),
        highlight=False,
    )
    console.print("flags: " + ("; ".join(view.flags) or "none"), highlight=False)

    holdings = _table("holdings", "security", "class", "quantity", "price", "value", "gain")
    for h in view.holdings:
        price = "-" if h.price is None else f"{h.price:,.2f} ({h.price_date})"
        holdings.add_row(
            h.security,
            h.asset_class or "-",
            _quantity(h.quantity),
            price,
            _money(h.value),
            _money(h.unrealized_gain),
        )
    console.print(holdings)

    lots = _table(
        "lots", "lot", "security", "acquired", "quantity", "cost basis", "gain", "term", ids=3
    )
    for lot in view.lots:
        lots.add_row(
            lot.id,
            lot.security,
            str(lot.acquired),
            _quantity(lot.quantity),
            _money(lot.cost_basis),
            _money(lot.unrealized_gain),
            lot.term.value,
        )
    console.print(lots)

    groups = _table(
        "target vs current", "group", "class", "target", "current", "drift", "band", "outside"
    )
    for g in view.groups:
        groups.add_row(
            g.id,
            ", ".join(g.asset_classes) or "-",
            _pct(g.target),
            _pct(g.current),
            f"{g.drift * 100:+.2f}%",
            _pct(g.band),
            _pct(g.outside_band) if g.outside_band else "in band",
        )
    console.print(groups)

    typer.echo("settings:")
    for s in view.settings:
        where = "built-in default" if s.scope is None else f"{s.level} {s.scope} (#{s.change})"
        if s.bulk is not None:
            where += f", bulk change #{s.bulk}"
        typer.echo(f"  {s.setting} = {s.value}: {where}")
        if s.meaning:
            typer.echo(f"      {s.meaning}")

    last = view.last
    if last is None:
        typer.echo("last analysis: none (never analyzed)")
        return
    o = last.outcome
    typer.echo(
        f"last analysis: run {o.run} ({o.as_of}): {o.outcome} by {o.rule}; status {o.status}"
        + (
            f"; proposal {last.proposal}" + (" (edited)" if last.edited else "")
            if last.proposal
            else ""
        )
    )
    if o.failure:
        typer.echo(f"  failure: {o.failure}")
    for reason in last.reasons:
        typer.echo(f"  reason: {reason}")
    if not last.trades:
        typer.echo("  no trades")
    for t in last.trades:
        typer.echo(f"  {t.side} {t.quantity:g} {t.security} (${t.value:,.2f}): {t.reason or '-'}")
