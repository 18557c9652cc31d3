"""Use cases of the model hub: providers, uploads, subscriptions and monthly fees.

Problem: a provider's daily file must become a new version of its model only when it is
right (weights sum to 1, every security known, no duplicates), and the firm owes the
provider a fee on the assets that follow its models.

Rule: `upload_model` takes the file's lines (parsed by `feeds.model_files` at the
entry point), validates them against the security master
(`domain.models.model_from_lines`) and records a new version through
`model_book.stage_definitions`: the whole upload or nothing, each bad line named. New
weights that would push customized children outside their limits are not saved: the
result lists each child and the limit it breaks (`impacts`), and `confirm_impact`
saves them anyway, the audit entry keeping the children it was confirmed over.
`provider_fees` accrues, for every day of a month, `account value × weight of the
provider's subscribed models in the account's resolved target × bps / 10,000 / days
in year` and reports per provider (`domain.model_hub.monthly_fees`). Account values
are priced daily from the account's current lots and cash (holdings are not yet
historized; the nightly analysis records will replace this input).

Each write leaves one audit entry: `hub.add_provider` (`provider:<id>`),
`hub.subscribe` (`provider:<id>`, `model:<id>`) and `hub.upload` (the model version
saved, then `provider:<id>`, `file:<name>`).

    >>> # upload_model(db.unit_of_work, "PIM", "EMD", lines, principal=feed, now=now,
    >>> #              source="emd.csv")
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.model_hub import (
    ModelProvider,
    MonthlyFee,
    ProviderAssets,
    Subscription,
    monthly_fees,
)
from trimtab.domain.models import model_from_lines
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.domain.resolution import Resolver
from trimtab.domain.targets import ProductKind
from trimtab.services.audit import record, write_service
from trimtab.services.model_book import (
    ChangeResult,
    audit_target,
    change_summary,
    load_catalog,
    stage_definitions,
)
from trimtab.services.model_ports import ModelUnitOfWork

__all__ = [
    "UploadResult",
    "add_provider",
    "list_providers",
    "provider_fees",
    "subscribe",
    "upload_model",
]

NewUnitOfWork = Callable[[], ModelUnitOfWork]


@dataclass(frozen=True)
class UploadResult:
    model: str
    change: ChangeResult

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.change.problems


@write_service("hub.add_provider")
def add_provider(new_uow: NewUnitOfWork, provider: ModelProvider, *, principal: Principal) -> None:
    with new_uow() as uow:
        uow.model_book.add_provider(provider)
        record(
            uow,
            principal,
            "hub.add_provider",
            targets=[f"provider:{provider.id}"],
            summary={"name": provider.name, "fee_bps": str(provider.fee_bps)},
        )
        uow.commit()


def list_providers(
    new_uow: NewUnitOfWork,
) -> tuple[list[ModelProvider], list[Subscription]]:
    with new_uow() as uow:
        return uow.model_book.providers(), uow.model_book.subscriptions()


@write_service("hub.subscribe")
def subscribe(
    new_uow: NewUnitOfWork, subscription: Subscription, *, principal: Principal
) -> list[Problem]:
    with new_uow() as uow:
        if uow.model_book.provider(subscription.provider) is None:
            return [Problem("provider", f"unknown provider {subscription.provider}")]
        histories = uow.model_book.history("model", subscription.model)
        if not histories:
            return [Problem("model", f"unknown model {subscription.model}")]
        owner = getattr(histories[-1].value, "provider", None)
        if owner != subscription.provider:
            return [
                Problem(
                    "model",
                    f"model {subscription.model} is not published by {subscription.provider}",
                )
            ]
        uow.model_book.subscribe(subscription)
        record(
            uow,
            principal,
            "hub.subscribe",
            targets=[f"provider:{subscription.provider}", f"model:{subscription.model}"],
            summary={
                "start": subscription.start.isoformat(),
                "end": subscription.end.isoformat() if subscription.end else None,
            },
        )
        uow.commit()
    return []


@write_service("hub.upload")
def upload_model(
    new_uow: NewUnitOfWork,
    provider: str,
    model_id: str,
    lines: Sequence[tuple[str, Decimal]],
    *,
    principal: Principal,
    now: dt.datetime,
    source: str,
    name: str | None = None,
    asset_class: str | None = None,
    confirm_impact: bool = False,
) -> UploadResult:
    """Validate a provider's model lines (parsed from `source`) and record the next version."""
    with new_uow() as uow:
        if uow.model_book.provider(provider) is None:
            problem = Problem("provider", f"unknown provider {provider}")
            return UploadResult(model_id, ChangeResult(False, problems=(problem,)))
        known = {s.ticker for s in uow.securities.list()}
        previous = uow.model_book.history("model", model_id)
    if previous and getattr(previous[-1].value, "provider", None) != provider:
        problem = Problem("model", f"model {model_id} belongs to another provider")
        return UploadResult(model_id, ChangeResult(False, problems=(problem,)))
    model, problems = model_from_lines(
        model_id,
        name or model_id,
        lines,
        known=known,
        asset_class=asset_class,
        provider=provider,
    )
    if model is None:
        return UploadResult(model_id, ChangeResult(False, problems=tuple(problems)))
    reason = f"upload of {source} by {provider}"
    with new_uow() as uow:
        change = stage_definitions(
            uow,
            [model],
            author=principal.recorded_as,
            reason=reason,
            now=now,
            effective=now.date(),
            confirm_impact=confirm_impact,
        )
        if not change.saved:
            return UploadResult(model_id, change)
        record(
            uow,
            principal,
            "hub.upload",
            targets=[audit_target(model), f"provider:{provider}", f"file:{source}"],
            reason=reason,
            summary={**change_summary(change), "lines": len(lines)},
            at=now,
        )
        uow.commit()
    return UploadResult(model_id, change)


def provider_fees(new_uow: NewUnitOfWork, month: dt.date) -> list[MonthlyFee]:
    """Each provider's fee for the calendar month containing `month`."""
    first = month.replace(day=1)
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    with new_uow() as uow:
        providers = {p.id: p for p in uow.model_book.providers()}
        subscriptions = uow.model_book.subscriptions()
        catalog = load_catalog(uow, last)
        resolver = Resolver(catalog)
        following = uow.model_book.accounts_following(sorted(catalog.targets))
        # account -> (provider, model) -> weight of the model in the account's target
        shares: dict[str, dict[tuple[str, str], float]] = {}
        for account, target in following.items():
            resolved, _ = resolver.resolve(target)
            if resolved is None:
                continue
            for product, weight in resolved.product_weights.items():
                if product.kind not in (ProductKind.MODEL, ProductKind.DIRECT_INDEX):
                    continue
                owner = catalog.models[product.ref].provider
                if owner is None:
                    continue
                bucket = shares.setdefault(account, {})
                key = (owner, product.ref)
                bucket[key] = bucket.get(key, 0.0) + weight
        holdings = {a: uow.lots.for_account(a) for a in shares}
        cash = {a: uow.cash.get(a) for a in shares}
        tickers = sorted({lot.security for lots in holdings.values() for lot in lots})
        closes = {
            t: [
                (p.date, p.close)
                for p in uow.prices.history(t, first - dt.timedelta(days=10), last)
            ]
            for t in tickers
        }
    rows: dict[str, list[ProviderAssets]] = {p: [] for p in providers}
    for day in days:
        price = {t: _close_on(series, day) for t, series in closes.items()}
        for account, by_provider in shares.items():
            balance = cash[account]
            value = balance.amount if balance is not None else Decimal(0)
            value += sum(
                (
                    lot.quantity * price[lot.security]
                    for lot in holdings[account]
                    if price[lot.security]
                ),
                Decimal(0),
            )
            for (provider_id, model_id), weight in by_provider.items():
                active = any(
                    s.provider == provider_id and s.model == model_id and s.active_on(day)
                    for s in subscriptions
                )
                if active and provider_id in rows:
                    assets = value * Decimal(repr(weight))
                    rows[provider_id].append(ProviderAssets(day, account, assets))
    return [
        fee for pid in sorted(rows) for fee in monthly_fees(pid, providers[pid].fee_bps, rows[pid])
    ]


def _close_on(series: list[tuple[dt.date, Decimal]], day: dt.date) -> Decimal:
    """The last close on or before `day` (0 when there is none yet)."""
    found = Decimal(0)
    for date, close in series:
        if date > day:
            break
        found = close
    return found
