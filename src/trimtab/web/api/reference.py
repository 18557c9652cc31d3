"""`/api/v1/securities`, `/api/v1/corporate-actions`, `/api/v1/models`: the reference data.

Problem: the data desk and the firm's systems look up what trimtab knows of a security
(its classification, wash group, last close, who holds it), which corporate actions are
recorded and still to apply, and which allocations, models, equivalence sets and targets
are in force on a day, with each one's versions.

Rule: reads only, each one service call: `services.security_lookup` (`list_securities`,
`show_security`, `corporate_actions`) with `data_read`, and `services.model_book`
(`definitions`, `history`) with `models_read`. A ticker or definition not found is 404.

    GET /api/v1/securities/VOO?as_of=2025-06-30
    GET /api/v1/corporate-actions?pending=true
    GET /api/v1/models/target/GROWTH-ESG?as_of=2025-06-30
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from trimtab.domain.permissions import Permission
from trimtab.services.model_book import definitions, history
from trimtab.services.security_lookup import corporate_actions, list_securities, show_security
from trimtab.web.api.schemas import (
    CorporateActionOut,
    DefinitionOut,
    DefinitionRef,
    ModelBookOut,
    SecurityOut,
    VersionOut,
    errors,
)
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import answer, not_found

__all__ = ["router"]

router = APIRouter(tags=["reference data"])

AsOf = Annotated[dt.date | None, Query(description="default: today")]
DATA_READ = [requires(Permission.DATA_READ)]
MODELS_READ = [requires(Permission.MODELS_READ)]
Kind = Literal["allocation", "model", "equivalence_set", "target"]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@router.get(
    "/securities", response_model=list[SecurityOut], responses=errors(), dependencies=DATA_READ
)
def securities(new_uow: NewUnitOfWork, as_of: AsOf = None) -> list[SecurityOut]:
    """Every security of the master, by ticker, with its last close on or before the day."""
    return [SecurityOut.of(s) for s in list_securities(new_uow, as_of=as_of)]


@router.get(
    "/securities/{ticker}",
    response_model=SecurityOut,
    responses=errors(404),
    dependencies=DATA_READ,
)
def security(
    ticker: Annotated[str, Path(min_length=1, max_length=40)],
    new_uow: NewUnitOfWork,
    as_of: AsOf = None,
) -> SecurityOut:
    """One security: classification, wash group, last close, the accounts holding it."""
    return SecurityOut.of(answer(show_security(new_uow, ticker, as_of=as_of)), holders=True)


@router.get(
    "/corporate-actions",
    response_model=list[CorporateActionOut],
    responses=errors(),
    dependencies=DATA_READ,
)
def actions(new_uow: NewUnitOfWork, pending: bool = False) -> list[CorporateActionOut]:
    """The corporate actions recorded (only those not yet applied with `pending`)."""
    return [CorporateActionOut.of(a) for a in corporate_actions(new_uow, pending=pending)]


@router.get("/models", response_model=ModelBookOut, responses=errors(), dependencies=MODELS_READ)
def models(new_uow: NewUnitOfWork, as_of: AsOf = None) -> ModelBookOut:
    """Every allocation, model, equivalence set and target in force on the day."""
    day = as_of or _today()
    catalog = definitions(new_uow, day)
    found: list[DefinitionRef] = []
    for kind, items in _by_kind(catalog).items():
        for key in sorted(items):
            found.append(
                DefinitionRef(
                    kind=kind,
                    id=key,
                    name=items[key].name,
                    version=catalog.versions.get(f"{kind}:{key}"),
                )
            )
    return ModelBookOut(as_of=day, definitions=found)


def _by_kind(catalog: Any) -> dict[str, Mapping[str, Any]]:
    return {
        "allocation": catalog.allocations,
        "model": catalog.models,
        "equivalence_set": catalog.equivalence_sets,
        "target": catalog.targets,
    }


@router.get(
    "/models/{kind}/{key}",
    response_model=DefinitionOut,
    responses=errors(404),
    dependencies=MODELS_READ,
)
def model(
    kind: Kind,
    key: Annotated[str, Path(min_length=1, max_length=100)],
    new_uow: NewUnitOfWork,
    as_of: AsOf = None,
) -> DefinitionOut:
    """One definition as in force on the day, with every version it has had."""
    from trimtab.store.model_codec import definition_to_json

    day = as_of or _today()
    catalog = definitions(new_uow, day)
    items = _by_kind(catalog)[kind]
    if key not in items:
        raise not_found(f"{kind} {key} in force on {day}")
    return DefinitionOut(
        kind=kind,
        id=key,
        as_of=day,
        version=catalog.versions.get(f"{kind}:{key}"),
        definition=dict(definition_to_json(items[key])),
        history=[
            VersionOut(
                number=v.number,
                effective=v.effective,
                author=v.author,
                recorded_at=v.recorded_at,
                reason=v.reason,
            )
            for v in history(new_uow, kind, key)
        ],
    )
