"""The security master's unknown securities: list them, classify them, release accounts.

Problem: a client transfers in a stock the firm has never seen, or a provider's model
names a new fund. trimtab cannot analyze what it cannot classify, yet the holding is
real: the load keeps it under a placeholder, and every account holding it is held out
of trading (`load_feed`). The data manager needs the list, with the accounts affected,
and one step that classifies the security and lets those accounts trade again.

Rule: `classify_security` needs at least one of an asset class, a proxy security (whose
asset class, sector and wash group it borrows, and whose risk-model exposures it
copies) or explicit risk exposures; the asset class and proxy must exist. It updates
the master, marks the security classified and releases every hold it caused — in one
transaction, with the acting principal recorded (as `classified_by`, and in its one
audit entry, `securities.classify`: targets the accounts released, then
`security:<ticker>`).

    >>> # classify_security(db.unit_of_work, "NEWCO", asset_class="US_LARGE",
    >>> #                   sector="Technology", principal=dm, now=now)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.domain.risk_model import FactorExposure
from trimtab.services.audit import record, write_service
from trimtab.services.feed_ports import DataUnitOfWork, UnknownSecurity

__all__ = ["Classification", "classify_security", "unknown_securities"]

NewUnitOfWork = Callable[[], DataUnitOfWork]


@dataclass(frozen=True)
class Classification:
    ticker: str
    released: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()


def unknown_securities(
    new_uow: NewUnitOfWork, *, include_classified: bool = False
) -> list[UnknownSecurity]:
    with new_uow() as uow:
        return uow.holds.unknown(include_classified=include_classified)


@write_service("securities.classify")
def classify_security(
    new_uow: NewUnitOfWork,
    ticker: str,
    *,
    asset_class: str | None = None,
    sector: str | None = None,
    proxy: str | None = None,
    exposures: Mapping[str, float] | None = None,
    risk_model: str | None = None,
    principal: Principal,
    now: dt.datetime,
) -> Classification:
    ticker = ticker.upper()
    with new_uow() as uow:
        security = uow.securities.get(ticker)
        problems: list[Problem] = []
        if security is None:
            problems.append(Problem("ticker", f"{ticker} is not in the security master"))
        if asset_class is None and proxy is None and not exposures:
            problems.append(
                Problem("classification", "give an asset class, a proxy security or exposures")
            )
        if asset_class is not None and uow.asset_classes.get(asset_class) is None:
            problems.append(Problem("asset_class", f"unknown asset class {asset_class}"))
        model_of_proxy = None
        if proxy is not None:
            model_of_proxy = uow.securities.get(proxy.upper())
            if model_of_proxy is None:
                problems.append(Problem("proxy", f"unknown proxy security {proxy}"))
        if exposures and not risk_model:
            problems.append(Problem("risk_model", "name the risk model the exposures belong to"))
        if problems or security is None:
            return Classification(ticker, problems=tuple(problems))
        classified = replace(
            security,
            name=security.name if not security.name.startswith("unclassified") else ticker,
            asset_class=asset_class
            or (model_of_proxy.asset_class if model_of_proxy else security.asset_class),
            sector=sector or (model_of_proxy.sector if model_of_proxy else security.sector),
            wash_group=security.wash_group,
        )
        uow.feed_data.upsert_securities([classified])
        if exposures and risk_model:
            uow.feed_data.add_exposures(
                [FactorExposure(risk_model, ticker, f, x) for f, x in sorted(exposures.items())]
            )
        elif model_of_proxy is not None and risk_model:
            proxied, _, _ = uow.feed_data.risk_model_parts(risk_model)
            uow.feed_data.add_exposures(
                [
                    FactorExposure(risk_model, ticker, e.factor, e.exposure)
                    for e in proxied
                    if e.security == model_of_proxy.ticker
                ]
            )
        uow.holds.mark_classified(ticker, at=now, actor=principal.recorded_as)
        released = uow.holds.release("unknown_security", ticker, at=now)
        record(
            uow,
            principal,
            "securities.classify",
            targets=[*released, f"security:{ticker}"],
            summary={
                "asset_class": classified.asset_class,
                "sector": classified.sector,
                "proxy": model_of_proxy.ticker if model_of_proxy else None,
                "risk_model": risk_model,
                "exposures": dict(exposures) if exposures else None,
                "released": len(released),
            },
            at=now,
        )
        uow.commit()
    return Classification(ticker, tuple(released))
