"""The model book in pages: allocations, models, equivalence sets, targets; a parent change
previewed with its cascade and the limits it would break, then saved.

Problem: the investment committee keeps the firm's allocations and models; everyone
else reads them. A change to a parent (an allocation's class weights, a model's security
weights) flows into every target built on it and every client's customized child below
those; some children may no longer fit their customization limits. The committee must
see that — how many targets and accounts the change reaches, which children would
break which limit — before saving, and save knowingly (ROLES.md, the committee's
dashboard).

Rule:
- `GET /models` (`models_read`) what is in force today (`model_book.definitions`):
  allocations, models, equivalence sets, and the firm's targets and product lines with
  their version numbers; clients' own customized children are counted, not listed
  (there is one per customized account).
- `GET /models/{kind}/{id}` (`models_read`) one definition: its weights (or members,
  products, customizations, limits) and its history, newest first (`model_book.history`).
- `POST /models/{kind}/{id}/preview` (`models_write`, htmx) the new weights, read from
  the form, previewed by `model_changes.preview_change`: the save path run and thrown
  away, so the preview and the save cannot disagree.
- `POST /models/{kind}/{id}` (`models_write`) saves with `model_book.record_definitions`
  (one transaction, one `models.record` entry). When children would break their limits
  nothing is saved unless the form says so (`confirm`, ticked after reading the
  preview): 409 with the preview shown again. Bad weights (a line that does not read,
  an unknown class or security, weights not summing to 100%) answer 422 naming the line
  or the weight, and nothing is saved.
Only allocations' and models' weights are changed here (the parents the committee
edits); sets and targets are read here and changed with `trimtab models`.

Weights are written one per line, `KEY WEIGHT`, the weight as a fraction or a percent:

    US_LARGE  0.55
    US_BOND   45%
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from trimtab.domain.allocations import AssetAllocation
from trimtab.domain.models import Model
from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem, ProblemKind
from trimtab.services.model_book import definitions, history, record_definitions
from trimtab.services.model_changes import ChangePreview, preview_change
from trimtab.services.model_ports import Definition
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem, not_found
from trimtab.web.templating import flash, render

__all__ = ["parse_weights", "router"]

router = APIRouter()

Reader = Annotated[Principal, requires(Permission.MODELS_READ)]
Writer = Annotated[Principal, requires(Permission.MODELS_WRITE)]
Kind = Literal["allocation", "model", "equivalence_set", "target"]
EDITABLE = ("allocation", "model")
KIND_NAMES = {
    "allocation": "asset allocation",
    "model": "model",
    "equivalence_set": "equivalence set",
    "target": "target",
}
_LINE = re.compile(r"^\s*([A-Za-z0-9_.\-/]+)\s*[\s=,:]\s*([-+0-9.]+)\s*(%?)\s*$")


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def parse_weights(text: str) -> tuple[dict[str, Decimal], list[Problem]]:
    """`KEY WEIGHT` lines (a fraction, or a percent with %) into weights; blank lines and
    `#` comments are skipped; each problem names its line.

    >>> parse_weights("US_LARGE 0.6\\nUS_BOND 40%")
    ({'US_LARGE': Decimal('0.6'), 'US_BOND': Decimal('0.4')}, [])
    >>> parse_weights("US_LARGE sixty")[1][0].path
    'weights line 1'
    """
    weights: dict[str, Decimal] = {}
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        if not line.strip():
            continue
        where = f"weights line {number}"
        match = _LINE.match(line)
        if match is None:
            problems.append(Problem(where, f"write KEY WEIGHT (e.g. US_LARGE 0.60), not {raw!r}"))
            continue
        key, amount, percent = match.groups()
        try:
            weight = Decimal(amount)
        except InvalidOperation:
            problems.append(Problem(where, f"{amount!r} is not a number"))
            continue
        if percent:
            weight = weight / 100
        if key in weights:
            problems.append(Problem(where, f"{key} is weighted twice"))
            continue
        weights[key] = weight
    if not weights and not problems:
        problems.append(Problem("weights", "give at least one weight"))
    return weights, problems


def weights_text(weights: Mapping[str, Decimal]) -> str:
    """The weights as the form shows them, largest first (what `parse_weights` reads)."""
    return "\n".join(f"{k} {v}" for k, v in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0])))


def _weights_of(definition: Definition) -> Mapping[str, Decimal]:
    return definition.weights if isinstance(definition, AssetAllocation | Model) else {}


@router.get("/models")
def models_page(request: Request, new_uow: NewUnitOfWork, viewer: Reader) -> Response:
    today = _today()
    catalog = definitions(new_uow, today)
    parents = {t.parent for t in catalog.targets.values() if t.parent is not None}
    # Firm targets and product lines: roots, and children that others customize further.
    book_targets = sorted(
        (t for t in catalog.targets.values() if t.is_root or t.id in parents),
        key=lambda t: (t.parent is not None, t.parent or "", t.id),
    )
    clients = len(catalog.targets) - len(book_targets)
    return render(
        request,
        "models/models.html",
        {
            "today": today,
            "catalog": catalog,
            "allocations": sorted(catalog.allocations.values(), key=lambda a: a.id),
            "models": sorted(catalog.models.values(), key=lambda m: m.id),
            "sets": sorted(catalog.equivalence_sets.values(), key=lambda s: s.id),
            "targets": book_targets,
            "client_children": clients,
            "versions": catalog.versions,
        },
    )


def _definition_page(
    request: Request,
    new_uow: NewUnitOfWork,
    kind: str,
    key: str,
    *,
    weights: str | None = None,
    reason: str = "",
    preview: ChangePreview | None = None,
    problems: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    versions = history(new_uow, kind, key)
    if not versions:
        raise not_found(f"{KIND_NAMES[kind]} {key}")
    latest = max(versions, key=lambda v: v.number)
    current = latest.value
    return render(
        request,
        "models/definition.html",
        {
            "kind": kind,
            "kind_name": KIND_NAMES[kind],
            "key": key,
            "definition": current,
            "latest": latest,
            "history": sorted(versions, key=lambda v: v.number, reverse=True),
            "editable": kind in EDITABLE,
            "weights": weights if weights is not None else weights_text(_weights_of(current)),
            "reason": reason,
            "preview": preview,
            "problems": problems or [],
        },
        status_code=status,
    )


@router.get("/models/{kind}/{key}")
def definition_page(
    request: Request, kind: Kind, key: str, new_uow: NewUnitOfWork, viewer: Reader
) -> Response:
    return _definition_page(request, new_uow, kind, key)


def _changed(
    new_uow: NewUnitOfWork, kind: str, key: str, text: str
) -> tuple[Definition | None, list[Problem]]:
    """The definition with the weights of the form, or the problems reading them."""
    if kind not in EDITABLE:
        return None, [Problem("kind", f"only {' and '.join(EDITABLE)} weights change here")]
    versions = history(new_uow, kind, key)
    if not versions:
        raise not_found(f"{KIND_NAMES[kind]} {key}")
    current = max(versions, key=lambda v: v.number).value
    weights, problems = parse_weights(text)
    if problems:
        return None, problems
    if isinstance(current, Model):
        return replace(current, weights={k.upper(): w for k, w in weights.items()}), []
    if isinstance(current, AssetAllocation):
        return replace(current, weights=weights), []
    return None, [Problem("kind", f"{key} is not an allocation or a model")]


Weights = Annotated[str, Form(max_length=20_000)]
Reason = Annotated[str, Form(max_length=2000)]


@router.post("/models/{kind}/{key}/preview")
def preview_page(
    request: Request,
    kind: Kind,
    key: str,
    new_uow: NewUnitOfWork,
    principal: Writer,
    weights: Weights,
    reason: Reason = "",
) -> Response:
    changed, problems = _changed(new_uow, kind, key, weights)
    preview = None
    if changed is not None:
        preview = preview_change(
            new_uow, [changed], viewer=principal, now=dt.datetime.now(dt.UTC), reason=reason
        )
        problems = list(preview.problems)
    return render(
        request,
        "models/_preview.html",
        {"preview": preview, "problems": problems, "kind": kind, "key": key},
        status_code=WebProblem.of(problems).status if problems else 200,
    )


@router.post("/models/{kind}/{key}")
def save_change(
    request: Request,
    kind: Kind,
    key: str,
    new_uow: NewUnitOfWork,
    principal: Writer,
    weights: Weights,
    reason: Reason = "",
    confirm: Annotated[bool, Form()] = False,
) -> Response:
    changed, problems = _changed(new_uow, kind, key, weights)
    if changed is None:
        return _definition_page(
            request,
            new_uow,
            kind,
            key,
            weights=weights,
            reason=reason,
            problems=problems,
            status=WebProblem.of(problems).status,
        )
    if not reason.strip():
        problems = [Problem("reason", "say why the weights change (it is kept in the history)")]
        return _definition_page(
            request,
            new_uow,
            kind,
            key,
            weights=weights,
            reason=reason,
            problems=problems,
            status=422,
        )
    now = dt.datetime.now(dt.UTC)
    result = record_definitions(
        new_uow, [changed], principal=principal, reason=reason, now=now, confirm_impact=confirm
    )
    if not result.saved:
        preview = preview_change(new_uow, [changed], viewer=principal, now=now, reason=reason)
        problems = list(result.problems)
        if not problems and result.impacts:
            problems = [
                Problem(
                    "confirm",
                    f"{len(result.impacts)} customized children would leave their limits; "
                    "nothing saved: read the preview, then tick the box to save anyway",
                    ProblemKind.CONFLICT,
                )
            ]
        return _definition_page(
            request,
            new_uow,
            kind,
            key,
            weights=weights,
            reason=reason,
            preview=preview,
            problems=problems,
            status=WebProblem.of(problems).status,
        )
    saved = result.versions[0]
    over = f" over {len(result.impacts)} children outside their limits" if result.impacts else ""
    response = RedirectResponse(f"/models/{kind}/{key}", status_code=303)
    return flash(response, f"Saved {key} version {saved.number}{over}.")
