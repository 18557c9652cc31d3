"""`trimtab records ...`: every analysis's record — show, verify, replay, export.

Parse the arguments, call one service (`trimtab.services.records`), print
(docs/records.md).

    $ trimtab records show A0000001 --date 2025-06-30
    $ trimtab records verify
    $ trimtab records replay 1042
    $ trimtab records replay --run 2025-06-30.1
    $ trimtab records export 1042 --out case.json && trimtab optimize case.json
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from trimtab.cli.support import answer, fail, unit_of_work

__all__ = ["records_app"]

records_app = typer.Typer(
    help="Records of every analysis, decision, order and fill: show, verify, replay, export.",
    no_args_is_help=True,
)


def _day(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option}: {value!r} is not a day (YYYY-MM-DD)", code=2) from None


@records_app.command("show")
def records_show(
    account: str = typer.Argument(..., help="The account."),
    date: str | None = typer.Option(
        None, "--date", help="The night (YYYY-MM-DD); default the latest."
    ),
    run: str | None = typer.Option(None, "--run", help="A run id instead of a day."),
    as_json: bool = typer.Option(False, "--json", help="Every field, as one JSON object."),
) -> None:
    """An account's analysis record: inputs, result, and every decision, order and fill after it."""
    from trimtab.services.records import analysis_record

    with unit_of_work() as new_uow:
        found = answer(analysis_record(new_uow, account, as_of=_day("--date", date), run_id=run))
    data = found.as_dict()
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    record: dict[str, Any] = data["record"]
    routing = data["routing"] or {}
    typer.echo(
        f"analysis {data['analysis_id']}: {data['account']} run {data['run']} "
        f"({data['as_of']}), recorded {data['at']}"
    )
    typer.echo(
        f"status {data['status']}; routed {routing.get('outcome')} by {routing.get('rule')}"
        + (f"; flags {', '.join(routing['flags'])}" if routing.get("flags") else "")
    )
    case = record["case"]
    if case is not None:
        typer.echo(
            f"inputs: {len(case['lots'])} lots, {len(case['securities'])} securities priced, "
            f"cash {case['account']['cash']:,.2f}, {len(case['groups'])} target groups, "
            f"{len(case['recent_trades'])} recent household trades"
        )
    typer.echo(f"target versions: {', '.join(record['versions']) or '-'}")
    for s in record["settings"]:
        typer.echo(f"setting {s['setting']} = {s['value']} ({'; '.join(s['sources'])})")
    for reason in record["reasons"]:
        typer.echo(f"why: {reason}")
    result = record["result"]
    if result is not None:
        terms = ", ".join(f"{k} {v}" for k, v in (result.get("objective") or {}).items())
        typer.echo(f"result: {result['status']}; objective {terms}")
        for t in result.get("trades") or ():
            typer.echo(f"  {t['side']} {t['quantity']} {t['security']}: {t['reason']}")
    for event in data["after"]:
        who = event.get("actor") or event.get("created_by") or event.get("filled_by")
        what = event.get("action") or event.get("id")
        typer.echo(f"then {event['kind']} {what} by {who} at {event['at']}")


@records_app.command("verify")
def records_verify(
    since: str | None = typer.Option(
        None, "--since", help="Check from the first record of this day (YYYY-MM-DD) on."
    ),
) -> None:
    """Check the records' chain and parts: exit 1 naming the first record altered, deleted
    or inserted."""
    from trimtab.services.records import verify

    day = _day("--since", since)
    at = None if day is None else dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    with unit_of_work() as new_uow:
        result = verify(new_uow, since=at)
    if result.first_break is not None:
        typer.echo(f"records broken: {result.first_break}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{result.records:,} records and {result.parts:,} parts, chain intact")
    if result.head_seq:
        typer.echo(f"head: record {result.head_seq} {result.head_hash}")
        typer.echo("keep the head hash elsewhere (docs/records.md)")


@records_app.command("replay")
def records_replay(
    analysis_id: int | None = typer.Argument(None, help="The analysis id (records show)."),
    run: str | None = typer.Option(None, "--run", help="Replay every analysis of this run."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Re-run today's engine on a recorded case: identical, or exactly what changed.

    Exit 0 when identical, 1 when anything changed."""
    from trimtab.services.records import replay, replay_run

    if (analysis_id is None) == (run is None):
        raise fail("give an ANALYSIS_ID or --run RUN (one of them)", code=2)
    with unit_of_work() as new_uow:
        if run is not None:
            summary = answer(replay_run(new_uow, run))
            if as_json:
                typer.echo(json.dumps(summary.as_dict(), indent=2))
            else:
                rate = summary.replayed / summary.seconds if summary.seconds else 0.0
                typer.echo(
                    f"run {run}: {summary.identical:,} identical, {len(summary.changed):,} "
                    f"changed, {summary.not_replayed:,} without an engine result; "
                    f"{summary.seconds:,.1f} s ({rate:,.1f} accounts/s)"
                )
                for r in summary.changed:
                    typer.echo(f"changed: analysis {r.analysis_id} {r.account}")
                    for d in r.differences:
                        typer.echo(f"  {d}")
            raise typer.Exit(1 if summary.changed else 0)
        assert analysis_id is not None
        one = answer(replay(new_uow, analysis_id))
    if as_json:
        typer.echo(json.dumps(one.as_dict(), indent=2))
    elif not one.replayed:
        typer.echo(f"analysis {one.analysis_id} {one.account}: {one.note}")
    elif one.identical:
        typer.echo(f"analysis {one.analysis_id} {one.account}: identical to the record")
    else:
        typer.echo(f"analysis {one.analysis_id} {one.account}: {len(one.differences)} changed")
        for d in one.differences:
            typer.echo(f"  {d}")
    raise typer.Exit(0 if one.identical or not one.replayed else 1)


@records_app.command("export")
def records_export(
    analysis_id: int = typer.Argument(..., help="The analysis id (records show)."),
    out: Path | None = typer.Option(None, "--out", help="Write here; default standard output."),
) -> None:
    """The record's engine case, as a `trimtab optimize` case file."""
    from trimtab.services.records import export_case

    with unit_of_work() as new_uow:
        case = answer(export_case(new_uow, analysis_id))
    text = json.dumps(case, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        typer.echo(f"analysis {analysis_id}: case written to {out}")
