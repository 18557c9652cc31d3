"""`trimtab review ...`: the review queue, and approving, editing or rejecting proposals.

Parse the arguments, call one service (`trimtab.services.review`), print. A decision that
cannot be made (no such proposal: exit 3; no longer pending: 4; an edit that breaks a
rule, or no reason: 2) is printed as `error: ...` and nothing is recorded.

    $ trimtab review list --sort tax
    $ trimtab review approve A000123 --reason "checked with the advisor"
    $ trimtab review edit A000123 --set sell:VOO=10 --lot L7=5 --reason "keep L3"
"""

from __future__ import annotations

import json

import typer

from trimtab.cli.support import fail, principal, unit_of_work

__all__ = ["review_app"]

review_app = typer.Typer(
    help="The review queue: approve, edit or reject proposals.", no_args_is_help=True
)


@review_app.command("list")
def review_list(
    sort: str = typer.Option("value", help="value, tax, turnover or account."),
    limit: int = typer.Option(50, min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Pending proposals of the latest run, largest first."""
    from trimtab.services.review import SORTS, review_queue

    if sort not in SORTS:
        raise fail(f"--sort must be one of {', '.join(SORTS)}, got {sort!r}")
    with unit_of_work() as uow:
        items = review_queue(uow, sort=sort)
    rows = [
        {
            "account": p.account,
            "value": float(p.value),
            "trades": len(p.trades),
            "turnover": float(p.turnover),
            "estimated_tax": float(p.estimated_tax),
            "rule": p.rule,
            "edited": p.edited,
        }
        for p in items[:limit]
    ]
    if as_json:
        typer.echo(json.dumps({"pending": len(items), "items": rows}))
        return
    typer.echo(f"{len(items)} proposals pending review")
    for r in rows:
        typer.echo(
            f"{r['account']:<12} ${r['value']:>14,.2f}  {r['trades']:>3} trades  "
            f"turnover {r['turnover']:6.2%}  tax ${r['estimated_tax']:>10,.2f}  {r['rule']}"
            + ("  (edited)" if r["edited"] else "")
        )


@review_app.command("show")
def review_show(account: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """One proposal: its trades with reasons, the analysis record, past decisions."""
    from trimtab.services.review import open_proposal

    with unit_of_work() as uow:
        detail, problems = open_proposal(uow, account)
    if detail is None:
        raise fail(*problems)
    p = detail.proposal
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "account": p.account,
                    "run": p.run_id,
                    "state": p.state.value,
                    "rule": p.rule,
                    "value": float(p.value),
                    "trades": [t.as_dict() for t in p.trades],
                    "settings": detail.record.get("settings"),
                    "versions": detail.record.get("versions"),
                    "reasons": detail.record.get("reasons"),
                    "decisions": [
                        {
                            "action": d.action.value,
                            "actor": d.actor,
                            "at": d.at.isoformat(),
                            "reason": d.reason,
                        }
                        for d in detail.decisions
                    ],
                }
            )
        )
        return
    typer.echo(
        f"{p.account}  run {p.run_id}  {p.state}  (routed by {p.rule})  value ${p.value:,.2f}"
    )
    for t in p.trades:
        lots = ", ".join(f"{x.lot}×{x.quantity:g}" for x in t.lots)
        typer.echo(
            f"  {t.side:<4} {t.quantity:>12,.4f} {t.security:<8} ${t.value:>12,.2f}"
            + (f"  lots {lots}" if lots else "")
        )
        if t.reason:
            typer.echo(f"       {t.reason}")
    for d in detail.decisions:
        typer.echo(f"  {d.at:%Y-%m-%d %H:%M} {d.action} by {d.actor}: {d.reason}")


@review_app.command("approve")
def review_approve(account: str, reason: str = typer.Option(..., help="Why (recorded).")) -> None:
    """Approve a pending proposal: its trades become orders at the next export."""
    from trimtab.services.review import approve

    with unit_of_work() as uow:
        problems = approve(uow, account, principal=principal(), reason=reason)
    if problems:
        raise fail(*problems)
    typer.echo(f"{account}: approved")


@review_app.command("reject")
def review_reject(account: str, reason: str = typer.Option(..., help="Why (recorded).")) -> None:
    """Reject a pending proposal: nothing trades."""
    from trimtab.services.review import reject

    with unit_of_work() as uow:
        problems = reject(uow, account, principal=principal(), reason=reason)
    if problems:
        raise fail(*problems)
    typer.echo(f"{account}: rejected")


@review_app.command("edit")
def review_edit(
    account: str,
    set_: list[str] = typer.Option(
        [], "--set", metavar="SIDE:SECURITY=QTY", help="buy:VOO=10; 0 removes."
    ),
    lot: list[str] = typer.Option([], "--lot", metavar="LOT=QTY", help="Sell QTY from this lot."),
    reason: str = typer.Option(..., help="Why (recorded)."),
) -> None:
    """Change quantities or lots; every hard rule is re-checked, nothing saved if one breaks."""
    from trimtab.services.review import edit

    quantities: dict[tuple[str, str], float] = {}
    lots: dict[str, float] = {}
    try:
        for item in set_:
            left, qty = item.split("=", 1)
            side, security = left.split(":", 1)
            if side not in ("buy", "sell"):
                raise ValueError(item)
            quantities[(side, security)] = float(qty)
        for item in lot:
            lot_id, qty = item.split("=", 1)
            lots[lot_id] = float(qty)
    except ValueError:
        raise fail("use --set buy:VOO=10 (or sell:...) and --lot L7=5") from None
    if not quantities and not lots:
        raise fail("nothing to change: give --set or --lot")
    with unit_of_work() as uow:
        problems = edit(
            uow, account, quantities=quantities, lots=lots, principal=principal(), reason=reason
        )
    if problems:
        raise fail(*problems)
    typer.echo(f"{account}: edited (every rule holds); approve it to trade")
