"""`trimtab securities ...`: the security master from the command line (docs/feeds.md).

List the securities seen in holdings or models but never classified, and classify one
(the accounts it held out of trading are released). Problems are printed one per line
with their exit code (see `trimtab.cli.support`), never a traceback.

    $ trimtab securities unknown
    $ trimtab securities classify NEWCO --proxy ACME
"""

from __future__ import annotations

import datetime as dt

import typer

from trimtab.cli.support import answer, fail, principal, unit_of_work

__all__ = ["securities_app"]

securities_app = typer.Typer(
    help="The security master: list and classify unknown securities.", no_args_is_help=True
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@securities_app.command("unknown")
def securities_unknown() -> None:
    """Securities seen in holdings or models but not classified, with the accounts held."""
    from trimtab.services.security_master import unknown_securities

    with unit_of_work() as new_uow:
        found = unknown_securities(new_uow)
    if not found:
        typer.echo("No unknown securities.")
    for u in found:
        accounts = ", ".join(u.accounts) or "no accounts"
        typer.echo(f"{u.ticker:<10} first seen {u.first_seen} via {u.source}; held: {accounts}")


@securities_app.command("classify")
def securities_classify(
    ticker: str = typer.Argument(...),
    asset_class: str | None = typer.Option(None, "--asset-class"),
    sector: str | None = typer.Option(None, "--sector"),
    proxy: str | None = typer.Option(None, "--proxy", help="Borrow this security's class."),
    risk_model: str | None = typer.Option(
        None, "--risk-model", help="Copy the proxy's exposures in it."
    ),
) -> None:
    """Classify a security; the accounts it held out of trading are released."""
    from trimtab.services.security_master import classify_security

    with unit_of_work() as new_uow:
        result = classify_security(
            new_uow,
            ticker,
            asset_class=asset_class,
            sector=sector,
            proxy=proxy,
            risk_model=risk_model,
            principal=principal(),
            now=_now(),
        )
    if result.problems:
        raise fail(*(str(p) for p in result.problems))
    typer.echo(f"{result.ticker} classified; released: {', '.join(result.released) or 'none'}")


@securities_app.command("list")
def securities_list(
    unknown: bool = typer.Option(False, "--unknown", help="Only those never classified."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array, every field."),
) -> None:
    """The security master: ticker, name, asset class, wash group, last close and its day
    (and the issuer, for share classes)."""
    from trimtab.cli.json_output import echo_json
    from trimtab.services import security_lookup

    with unit_of_work() as new_uow:
        found = (
            security_lookup.unknown_securities(new_uow)
            if unknown
            else security_lookup.list_securities(new_uow)
        )
    if as_json:
        echo_json(found)
        return
    if not found:
        typer.echo("No unknown securities." if unknown else "No securities.")
    for s in found:
        if isinstance(s, security_lookup.SecurityView):
            price = f"{s.price:,.2f} on {s.price_date}" if s.price is not None else "no price"
            issuer = f" (issuer {s.issuer_id})" if s.issuer_id else ""
            typer.echo(
                f"{s.ticker:<8} {s.asset_class or '-':<10} wash group {s.wash_group:<8} "
                f"{price:<24} {s.name}{issuer}"
            )
        else:
            held = ", ".join(s.accounts) or "no accounts"
            typer.echo(f"{s.ticker:<10} first seen {s.first_seen} via {s.source}; held: {held}")


@securities_app.command("show")
def securities_show(
    ticker: str = typer.Argument(..., help="The security's ticker."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object, every field."),
) -> None:
    """One security: name, asset class, wash group, last close and its day, who holds it.

    A ticker not in the security master exits 3."""
    from trimtab.cli.json_output import echo_json
    from trimtab.services.security_lookup import show_security

    with unit_of_work() as new_uow:
        s = answer(show_security(new_uow, ticker))
    if as_json:
        echo_json(s)
        return
    asset_class = s.asset_class or "unclassified"
    if s.asset_class_name:
        asset_class += f" ({s.asset_class_name})"
    holders = ", ".join(s.holders[:10]) + (" ..." if len(s.holders) > 10 else "")
    typer.echo(f"{s.ticker}: {s.name or '-'} ({s.type}; CUSIP {s.cusip or '-'})")
    typer.echo(f"  asset class: {asset_class}")
    typer.echo(f"  sector:      {s.sector or '-'}")
    typer.echo(f"  wash group:  {s.wash_group}")
    typer.echo(f"  issuer:      {s.issuer_id or '-'}")
    price = f"{s.price:,.6f} on {s.price_date}" if s.price is not None else "never priced"
    typer.echo(f"  last close:  {price}")
    typer.echo(f"  held by:     {len(s.holders):,} accounts{': ' + holders if holders else ''}")
