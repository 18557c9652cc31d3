"""`trimtab models ...`: allocations, models, equivalence sets, targets and the model hub.

Each command parses its arguments, calls a use case in `trimtab.services.model_book` or
`model_hub`, and prints the answer; problems are printed one per line with exit code 2,
never as a traceback. See docs/models.md.

    $ trimtab models resolve A000123 --json
    $ trimtab models show target GROWTH-ESG --as-of 2025-06-30
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from trimtab.cli.support import fail, principal, ready_database

if TYPE_CHECKING:
    from trimtab.domain.resolution import ResolvedTarget
    from trimtab.domain.targets import Customization

__all__ = ["models_app"]

models_app = typer.Typer(
    help="Model management: allocations, models, equivalence sets, targets, the hub.",
    no_args_is_help=True,
)
hub_app = typer.Typer(help="The model hub: providers, uploads, subscriptions, fees.")
models_app.add_typer(hub_app, name="hub")

KIND_NAMES = {
    "allocation": "allocation",
    "model": "model",
    "set": "equivalence_set",
    "target": "target",
}
AS_OF = typer.Option(None, "--as-of", help="Resolve with the versions in force on this date.")


def _date(value: str | None) -> dt.date:
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"--as-of: {value!r} is not a YYYY-MM-DD date") from None


def _kind(kind: str) -> str:
    if kind not in KIND_NAMES:
        raise fail(f"kind must be one of {', '.join(KIND_NAMES)}, got {kind!r}")
    return KIND_NAMES[kind]


@models_app.command("list")
def list_definitions(as_of: str | None = AS_OF) -> None:
    """List the allocations, models, equivalence sets and targets in force."""
    from trimtab.services.model_book import definitions

    catalog = definitions(ready_database().unit_of_work, _date(as_of))
    for title, items in (
        ("allocations", catalog.allocations),
        ("models", catalog.models),
        ("equivalence sets", catalog.equivalence_sets),
    ):
        typer.echo(f"{title} ({len(items)}):")
        for key in sorted(items):
            typer.echo(f"  {key:<20} {items[key].name}")
    roots = sorted(t.id for t in catalog.targets.values() if t.is_root)
    typer.echo(f"targets ({len(catalog.targets)}; {len(roots)} firm targets):")
    for root in roots:
        children = catalog.children_of(root)
        typer.echo(f"  {root:<20} {catalog.targets[root].name}  ({len(children)} children)")


@models_app.command("show")
def show(kind: str, key: str, as_of: str | None = AS_OF) -> None:
    """Show one definition (KIND: allocation, model, set, target) as JSON."""
    from trimtab.services.model_book import definitions
    from trimtab.store.model_codec import definition_to_json

    catalog = definitions(ready_database().unit_of_work, _date(as_of))
    found: Mapping[str, Any] = {
        "allocation": catalog.allocations,
        "model": catalog.models,
        "equivalence_set": catalog.equivalence_sets,
        "target": catalog.targets,
    }[_kind(kind)]
    if key not in found:
        raise fail(f"no {kind} {key} in force")
    typer.echo(json.dumps({"id": key, **definition_to_json(found[key])}, indent=2))


@models_app.command("history")
def show_history(kind: str, key: str) -> None:
    """Every version of one definition: number, in force from, author, time, reason."""
    from trimtab.services.model_book import history

    versions = history(ready_database().unit_of_work, _kind(kind), key)
    if not versions:
        raise fail(f"no {kind} {key}")
    for v in versions:
        typer.echo(
            f"v{v.number}  from {v.effective}  by {v.author}  at "
            f"{v.recorded_at.isoformat(timespec='seconds')}  — {v.reason}"
        )


def _print_resolved(resolved: ResolvedTarget, *, lineage: bool) -> None:
    typer.echo(f"target {resolved.target}   versions: {', '.join(resolved.versions)}")
    typer.echo(f"{'group':<12} {'target':>8}  {'buy':<8} members")
    for g in resolved.groups:
        note = f"   ({g.buy_note})" if g.buy_note else ""
        typer.echo(f"{g.id:<12} {g.target:>8.2%}  {g.buy or '-':<8} {', '.join(g.members)}{note}")
        if lineage:
            for c in g.contributions:
                trail = " → ".join(
                    f"{s.target}"
                    + (f"[{s.customization}]" if s.customization is not None else "")
                    + f" {s.rule.value}: {s.detail}"
                    for s in c.steps
                )
                typer.echo(f"    {c.security:<8} {c.weight:>8.4%}  {trail}")
    typer.echo(f"{'cash':<12} {resolved.cash:>8.2%}")


@models_app.command("resolve")
def resolve_command(
    account: str = typer.Argument(None, help="Account id (or use --target)."),
    target: str | None = typer.Option(None, "--target", help="Resolve a target directly."),
    as_of: str | None = AS_OF,
    lineage: bool = typer.Option(True, "--lineage/--no-lineage"),
    as_json: bool = typer.Option(False, "--json", help="Print the engine's target groups."),
) -> None:
    """Resolve an account's target (or a target) into the engine's groups, with lineage."""
    from trimtab.domain.resolution import Resolver
    from trimtab.services.model_book import definitions, resolve_account

    db = ready_database()
    when = _date(as_of)
    if target is not None:
        resolved, problems = Resolver(definitions(db.unit_of_work, when)).resolve(target)
    elif account is not None:
        resolved, problems = resolve_account(db.unit_of_work, account, when)
    else:
        raise fail("give an ACCOUNT or --target")
    if resolved is None:
        raise fail(*problems)
    if as_json:
        body = {
            "target": resolved.target,
            "cash": resolved.cash,
            "groups": resolved.engine_groups(),
            "lineage": {g.id: [c.as_dict() for c in g.contributions] for g in resolved.groups},
            "versions": list(resolved.versions),
        }
        typer.echo(json.dumps(body, indent=2))
    else:
        _print_resolved(resolved, lineage=lineage)


def _decimal(text: str, what: str) -> Decimal:
    try:
        return Decimal(text.strip().rstrip("%")) / (100 if text.strip().endswith("%") else 1)
    except InvalidOperation:
        raise fail(f"{what}: {text!r} is not a number") from None


def _customizations(
    drop: list[str],
    tilt: list[str],
    replace: list[str],
    exclude: list[str],
    exclude_sector: list[str],
    keep: list[str],
) -> list[Customization]:
    from trimtab.domain.targets import (
        DropClass,
        ExcludeSector,
        ExcludeSecurity,
        KeepLegacy,
        Product,
        ProductKind,
        ReplaceProduct,
        Tilt,
    )

    found: list[Customization] = [DropClass(c) for c in drop]
    for item in replace:
        cls, _, product = item.partition("=")
        kind, _, ref = product.partition(":")
        if kind not in {k.value for k in ProductKind}:
            raise fail(
                f"--replace {item!r}: use CLASS=KIND:REF, KIND one of model, fund, "
                f"direct_index, cash"
            )
        found.append(ReplaceProduct(cls, Product(ProductKind(kind), ref)))
    for item in tilt:
        cls, _, rest = item.partition("=")
        delta, _, source = rest.partition(":")
        found.append(Tilt(cls, _decimal(delta, f"--tilt {item}"), source or None))
    found += [ExcludeSecurity(s.upper()) for s in exclude]
    found += [ExcludeSector(s) for s in exclude_sector]
    for item in keep:
        ticker, _, weight = item.partition("=")
        found.append(KeepLegacy(ticker.upper(), _decimal(weight, f"--keep {item}")))
    return found


@models_app.command("customize")
def customize(
    child: str = typer.Argument(..., help="Id of the customized target to create or change."),
    parent: str = typer.Option(..., "--parent", help="The target it customizes."),
    name: str | None = typer.Option(None, "--name"),
    drop: list[str] = typer.Option([], "--drop", help="Drop a class: --drop REAL_ESTATE"),
    tilt: list[str] = typer.Option([], "--tilt", help="CLASS=+0.03[:FUNDED_FROM]"),
    replace: list[str] = typer.Option([], "--replace", help="CLASS=KIND:REF (fund:VLCAX)"),
    exclude: list[str] = typer.Option([], "--exclude", help="A security to exclude"),
    exclude_sector: list[str] = typer.Option([], "--exclude-sector"),
    keep: list[str] = typer.Option([], "--keep", help="TICKER=WEIGHT legacy holding"),
    account: str | None = typer.Option(None, "--account", help="Make this account follow it."),
    reason: str = typer.Option("", "--reason"),
    save: bool = typer.Option(False, "--save", help="Save (default: preview only)."),
    as_of: str | None = AS_OF,
) -> None:
    """Preview a customization (resolved target and limit checks); --save records it."""
    from trimtab.domain.targets import Target
    from trimtab.services.model_book import (
        assign_target,
        preview_customization,
        record_definitions,
    )

    target = Target(
        child,
        name or child,
        parent=parent,
        customizations=tuple(_customizations(drop, tilt, replace, exclude, exclude_sector, keep)),
    )
    db = ready_database()
    when = _date(as_of)
    preview = preview_customization(db.unit_of_work, target, when)
    if preview.resolved is not None:
        _print_resolved(preview.resolved, lineage=False)
    if preview.problems:
        raise fail(*preview.problems)
    if not save:
        typer.echo("preview only: add --save --reason '...' to record it")
        return
    result = record_definitions(
        db.unit_of_work,
        [target],
        principal=principal(),
        reason=reason,
        now=dt.datetime.now(dt.UTC),
        effective=when,
    )
    if not result.saved:
        raise fail(*result.problems)
    typer.echo(f"saved {child} v{result.versions[0].number}")
    if account is not None:
        problems = assign_target(
            db.unit_of_work, account, child, principal=principal(), as_of=when, reason=reason
        )
        if problems:
            raise fail(*problems)
        typer.echo(f"account {account} now follows {child}")


@models_app.command("change")
def change(
    file: Path = typer.Argument(..., help="JSON: {kind, id, definition} or a list of them."),
    reason: str = typer.Option("", "--reason"),
    confirm: bool = typer.Option(False, "--confirm", help="Save even if children are affected."),
    effective: str | None = typer.Option(None, "--effective", help="In force from (date)."),
) -> None:
    """Change definitions (e.g. a parent); reports children pushed outside their limits."""
    from trimtab.services.model_book import record_definitions
    from trimtab.store.model_codec import definition_from_json

    try:
        data = json.loads(file.read_text())
        items = data if isinstance(data, list) else [data]
        proposed = [definition_from_json(_kind(i["kind"]), i["id"], i["definition"]) for i in items]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise fail(f"{file}: {error.__class__.__name__}: {error}") from None
    result = record_definitions(
        ready_database().unit_of_work,
        proposed,
        principal=principal(),
        reason=reason,
        now=dt.datetime.now(dt.UTC),
        effective=_date(effective),
        confirm_impact=confirm,
    )
    for impact in result.impacts:
        typer.echo(f"affected child {impact.target}:")
        for p in impact.problems:
            typer.echo(f"    {p}")
    if result.problems:
        raise fail(*result.problems)
    if not result.saved:
        raise fail(
            f"{len(result.impacts)} children would leave their limits; nothing saved "
            f"(use --confirm to save anyway)"
        )
    for v in result.versions:
        typer.echo(f"saved {v.value.id} v{v.number} (in force from {v.effective})")


@hub_app.command("upload")
def hub_upload(
    provider: str,
    file: Path,
    model: str | None = typer.Option(None, "--model", help="Model id (default PROVIDER-STEM)."),
    asset_class: str | None = typer.Option(None, "--asset-class"),
    confirm: bool = typer.Option(
        False, "--confirm", help="Save even if customized children leave their limits."
    ),
) -> None:
    """Upload a provider's model file (CSV or JSON); validated, then versioned.

    New weights that push customized children outside their limits are not saved: each
    child is listed with the limit it breaks (exit 2); --confirm saves them anyway.
    """
    from trimtab.feeds.model_files import on_file_lines, parse_model_file
    from trimtab.services.model_hub import upload_model

    try:
        text = file.read_text()
    except OSError as error:
        raise fail(f"{file}: {error.strerror or error}") from None
    parsed, problems = parse_model_file(file.name, text)
    if parsed is None:
        raise fail(*(_in_file(file.name, p) for p in problems))
    result = upload_model(
        ready_database().unit_of_work,
        provider,
        model or f"{provider}-{file.stem}".upper(),
        parsed.lines,
        principal=principal(),
        now=dt.datetime.now(dt.UTC),
        source=file.name,
        name=parsed.name,
        asset_class=asset_class or parsed.asset_class,
        confirm_impact=confirm,
    )
    for impact in result.change.impacts:
        typer.echo(f"affected child {impact.target}:")
        for p in impact.problems:
            typer.echo(f"    {p}")
    if result.problems:
        raise fail(*(_in_file(file.name, p) for p in on_file_lines(result.problems, parsed)))
    if not result.change.saved:
        raise fail(
            f"{file.name}: the new weights of {result.model} would push "
            f"{len(result.change.impacts)} customized children outside their limits; "
            "nothing saved (use --confirm to save anyway)"
        )
    v = result.change.versions[0]
    confirmed = (
        f" (confirmed over {len(result.change.impacts)} children outside their limits)"
        if result.change.impacts
        else ""
    )
    typer.echo(f"model {result.model} v{v.number} recorded from {file.name}{confirmed}")


def _in_file(name: str, problem: object) -> str:
    """A problem prefixed by the file: `bond.csv line 3, security: ...` for a line."""
    text = str(problem)
    return f"{name} {text}" if text.startswith("line ") else f"{name}: {text}"


@hub_app.command("providers")
def hub_providers() -> None:
    """List the model providers, their fees and the firm's subscriptions."""
    from trimtab.services.model_hub import list_providers

    providers, subscriptions = list_providers(ready_database().unit_of_work)
    for p in providers:
        typer.echo(f"{p.id:<8} {p.name:<40} {p.fee_bps} bps/year")
        for s in subscriptions:
            if s.provider == p.id:
                typer.echo(f"    subscribed to {s.model} from {s.start} to {s.end or 'open'}")


@hub_app.command("add-provider")
def hub_add_provider(
    provider: str,
    name: str,
    fee_bps: str = typer.Option(..., "--fee-bps", help="Fee in basis points per year."),
) -> None:
    """Register a model provider and its fee."""
    from trimtab.domain.model_hub import ModelProvider
    from trimtab.services.model_hub import add_provider

    bps = _decimal(fee_bps, "--fee-bps")
    if not Decimal(0) <= bps <= Decimal(10_000):
        raise fail(f"--fee-bps must be between 0 and 10,000, got {bps}")
    add_provider(
        ready_database().unit_of_work,
        ModelProvider(provider, name, bps),
        principal=principal(),
    )
    typer.echo(f"provider {provider} recorded at {bps} bps/year")


@hub_app.command("subscribe")
def hub_subscribe(
    provider: str,
    model: str,
    start: str | None = typer.Option(None, "--start"),
) -> None:
    """Subscribe the firm to a provider's model from a date (default today)."""
    from trimtab.domain.model_hub import Subscription
    from trimtab.services.model_hub import subscribe

    problems = subscribe(
        ready_database().unit_of_work,
        Subscription(provider, model, _date(start)),
        principal=principal(),
    )
    if problems:
        raise fail(*problems)
    typer.echo(f"subscribed to {model} of {provider}")


@hub_app.command("fees")
def hub_fees(month: str = typer.Option(..., "--month", help="YYYY-MM")) -> None:
    """Provider fees for a month: bps/year accrued daily on subscribing accounts' assets."""
    from trimtab.services.model_hub import provider_fees

    day = _date(f"{month}-01")
    fees = provider_fees(ready_database().unit_of_work, day)
    typer.echo(f"{'provider':<8} {'month':<8} {'accounts':>8} {'avg assets':>16} {'fee':>12}")
    for f in fees:
        typer.echo(
            f"{f.provider:<8} {f.month:<8} {f.accounts:>8} "
            f"{f.average_assets:>16,.2f} {f.fee:>12,.2f}"
        )
