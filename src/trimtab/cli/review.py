"""`trimtab review ...`: the review queue, and approving, editing or rejecting proposals.

Parse the arguments, call one service (`trimtab.services.review`), print. A decision that
cannot be made (no such account or proposal: exit 3; no longer pending, or a voided run:
4; an edit that breaks a rule, or no reason: 2) is printed as `error: ...` and nothing is
recorded. Every command acts on the latest run unless `--run RUN` names another.

    $ trimtab review list --sort tax
    $ trimtab review show A000123
    $ trimtab review approve A000123 --reason "checked with the advisor"
    $ trimtab review approve --filter "value < 250k" --dry-run
    $ trimtab review approve --filter "value < 250k" --yes --reason "routine"
    $ trimtab review edit A000123 --set sell:VOO=10 --lot L7=5 --reason "keep L3"
    $ trimtab review edit A000123 --set buy:BND=5 --rebalance-rest --reason "less bonds"
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from trimtab.cli.support import fail, principal, unit_of_work

if TYPE_CHECKING:
    from trimtab.engine.result import Trade
    from trimtab.services.review import AccountReview, Matching

__all__ = ["review_app"]

review_app = typer.Typer(
    help="The review queue: approve, edit or reject proposals.", no_args_is_help=True
)

RUN_HELP = "Act on this run instead of the latest (see `trimtab run status`)."


def _usd(amount: object) -> str:
    """Dollars as people write them: $1,234.50, and -$927.76 for a loss (not $-927.76)."""
    value = round(float(amount), 2)  # type: ignore[arg-type]
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def _run_option() -> Any:
    return typer.Option(None, "--run", metavar="RUN", help=RUN_HELP)


@review_app.command("list")
def review_list(
    sort: str = typer.Option("value", help="value, tax, turnover or account."),
    limit: int = typer.Option(50, min=1),
    run: str | None = _run_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Pending proposals of the latest run (or --run), largest first."""
    from trimtab.services.review import SORTS, pending

    if sort not in SORTS:
        raise fail(f"--sort must be one of {', '.join(SORTS)}, got {sort!r}")
    with unit_of_work() as uow:
        queue, problems = pending(uow, sort=sort, run=run)
    if queue is None:
        raise fail(*problems)
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
        for p in queue.items[:limit]
    ]
    if as_json:
        typer.echo(json.dumps({"run": queue.run.id, "pending": len(queue.items), "items": rows}))
        return
    typer.echo(f"run {queue.run.id}: {len(queue.items)} proposals pending review")
    if not rows:
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("account", "value", "trades", "turnover", "est. tax", "routed by", "edited")
    for column in table.columns[1:5]:
        column.justify = "right"
    for r in rows:
        table.add_row(
            str(r["account"]),
            _usd(r["value"]),
            str(r["trades"]),
            f"{r['turnover']:.2%}",
            _usd(r["estimated_tax"]),
            str(r["rule"]),
            "yes" if r["edited"] else "",
        )
    Console(width=120).print(table)
    if len(queue.items) > limit:
        typer.echo(f"... and {len(queue.items) - limit} more (--limit)")


def _trade_json(t: Trade) -> dict[str, Any]:
    return {
        "security": t.security,
        "side": t.side,
        "quantity": t.quantity,
        "value": t.value,
        "lots": [
            {"lot": x.lot, "quantity": x.quantity, "realized_gain": x.realized_gain, "term": x.term}
            for x in t.lots
        ],
        "reason": t.reason,
        "mandated": t.mandated,
    }


def _review_json(review: AccountReview) -> dict[str, Any]:
    p, o = review.proposal, review.outcome
    return {
        "account": o.account,
        "run": review.run.id,
        "as_of": review.run.as_of.isoformat(),
        "outcome": o.outcome,
        "rule": o.rule,
        "flags": list(o.flags),
        "status": o.status,
        "failure": o.failure,
        "data_errors": list(o.data_errors),
        "reasons": list(review.reasons),
        "proposal": None
        if p is None
        else {
            "state": p.state.value,
            "value": float(p.value),
            "estimated_tax": float(p.estimated_tax),
            "turnover": float(p.turnover),
            "edited": p.edited,
            "trades": [_trade_json(t) for t in p.trades],
        },
        "settings": review.record.get("settings"),
        "versions": review.record.get("versions"),
        "decisions": [
            {"action": d.action.value, "actor": d.actor, "at": d.at.isoformat(), "reason": d.reason}
            for d in review.decisions
        ],
    }


@review_app.command("show")
def review_show(
    account: str,
    run: str | None = _run_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What the night decided for one account and why: routing, flags, data errors, the
    engine's reasons, and the proposal's trades (lots with gain and term) if any."""
    from trimtab.services.review import account_review

    with unit_of_work() as uow:
        review, problems = account_review(uow, account, run=run)
    if review is None:
        raise fail(*problems)
    if as_json:
        typer.echo(json.dumps(_review_json(review)))
        return
    o, p = review.outcome, review.proposal
    typer.echo(f"{o.account}  run {review.run.id} ({review.run.as_of})")
    typer.echo(f"  routed {o.outcome} by {o.rule}; analysis {o.status or 'unknown'}")
    if o.flags:
        typer.echo(f"  flags: {', '.join(o.flags)}")
    if o.failure:
        typer.echo(f"  failure: {o.failure}")
    for error in o.data_errors:
        typer.echo(f"  data error: {error}")
    for reason in review.reasons:
        if reason not in o.data_errors and reason != o.failure:
            typer.echo(f"  why: {reason}")
    if p is None:
        typer.echo("  no proposal: nothing to review for this account in this run")
        return
    edited = ", edited" if p.edited else ""
    typer.echo(
        f"  proposal {p.state}{edited}: value {_usd(p.value)}, {len(p.trades)} trades, "
        f"estimated tax {_usd(p.estimated_tax)}, turnover {p.turnover:.2%}"
    )
    for t in p.trades:
        typer.echo(f"  {t.side:<4} {t.quantity:>12,.4f} {t.security:<8} ${t.value:>12,.2f}")
        for x in t.lots:
            typer.echo(
                f"         lot {x.lot}: {x.quantity:,.4f} sh, realized "
                f"{_usd(x.realized_gain)} {x.term}-term"
            )
        typer.echo(f"         {t.reason or '(set by the reviewer; no engine reason)'}")
    for d in review.decisions:
        typer.echo(f"  {d.at:%Y-%m-%d %H:%M} {d.action} by {d.actor}: {d.reason}")


def _print_matching(matching: Matching, *, approved: bool) -> None:
    source = matching.filter
    if matching.saved:
        source = f"saved filter {matching.saved} ({matching.filter})"
    n = len(matching.proposals)
    if approved:
        typer.echo(f"run {matching.run.id}: approved {n} pending proposals matching {source}")
    else:
        typer.echo(f"run {matching.run.id}: {n} pending proposals match {source}")
    for p in matching.proposals:
        typer.echo(
            f"  {p.account:<12} {_usd(p.value):>16}  {len(p.trades):>3} trades  "
            f"tax {_usd(p.estimated_tax):>12}  {p.rule}"
        )


@review_app.command("approve")
def review_approve(
    account: str | None = typer.Argument(None, help="One account (or use --filter)."),
    filter_: str | None = typer.Option(
        None,
        "--filter",
        metavar="NAME_OR_EXPRESSION",
        help="Every pending proposal whose account this filter (or saved filter) selects.",
    ),
    yes: bool = typer.Option(False, "--yes", help="With --filter: approve them all."),
    dry_run: bool = typer.Option(False, "--dry-run", help="With --filter: only list them."),
    reason: str = typer.Option("", help="Why (recorded; required to approve)."),
    run: str | None = _run_option(),
) -> None:
    """Approve a pending proposal (or, with --filter, every one matching): its trades
    become orders at the next export."""
    from trimtab.services.review import approve, approve_matching, pending_matching

    if (account is None) == (filter_ is None):
        raise fail("give one ACCOUNT, or --filter NAME_OR_EXPRESSION (not both)")
    if filter_ is None:
        if yes or dry_run:
            raise fail("--yes and --dry-run go with --filter")
        with unit_of_work() as uow:
            problems = approve(uow, account or "", principal=principal(), reason=reason, run=run)
        if problems:
            raise fail(*problems)
        typer.echo(f"{account}: approved")
        return
    if dry_run or not yes:
        with unit_of_work() as uow:
            matching, problems = pending_matching(uow, filter_, viewer=principal(), run=run)
        if matching is None:
            raise fail(*problems)
        _print_matching(matching, approved=False)
        if not dry_run and matching.proposals:
            raise fail(f"nothing approved: add --yes to approve these {len(matching.proposals)}")
        return
    with unit_of_work() as uow:
        matching, problems = approve_matching(
            uow, filter_, principal=principal(), reason=reason, run=run
        )
    if matching is None:
        raise fail(*problems)
    _print_matching(matching, approved=True)


@review_app.command("reject")
def review_reject(
    account: str,
    reason: str = typer.Option(..., help="Why (recorded)."),
    run: str | None = _run_option(),
) -> None:
    """Reject a pending proposal: nothing trades."""
    from trimtab.services.review import reject

    with unit_of_work() as uow:
        problems = reject(uow, account, principal=principal(), reason=reason, run=run)
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
    rebalance_rest: bool = typer.Option(
        False,
        "--rebalance-rest",
        help="Keep the edited trades as set and re-optimize every other trade around them.",
    ),
    reason: str = typer.Option(..., help="Why (recorded)."),
    run: str | None = _run_option(),
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
            quantities[(side, security.strip().upper())] = float(qty)
        for item in lot:
            lot_id, qty = item.split("=", 1)
            lots[lot_id] = float(qty)
    except ValueError:
        raise fail("use --set buy:VOO=10 (or sell:...) and --lot L7=5") from None
    if not quantities and not lots:
        raise fail("nothing to change: give --set or --lot")
    with unit_of_work() as uow:
        problems = edit(
            uow,
            account,
            quantities=quantities,
            lots=lots,
            rebalance_rest=rebalance_rest,
            principal=principal(),
            reason=reason,
            run=run,
        )
    if problems:
        raise fail(*problems)
    rest = " (the rest re-optimized around it)" if rebalance_rest else ""
    typer.echo(f"{account}: edited{rest}; every rule holds; approve it to trade")
