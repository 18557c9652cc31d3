"""Settings management in pages: lineage of any setting, bulk changes, history, revert.

Problem: the overlay desk sets firm and program settings and changes one setting for
thousands of accounts at once, leaving a few out for stated reasons. Before applying
it must see exactly which accounts change and which are exempt; afterwards anyone must
be able to see where an account's value comes from, what changed when, and undo it.

Rule: every route needs `firm_settings` and calls `trimtab.services.change_settings`:
- `GET /settings` the history of changes (newest first), each with a revert form.
- `GET /settings/lineage?account=&setting=` every effective setting of an account (or
  one), its value, the level and change that set it, what it overrides and what it
  means (`show_settings`, `accounts.explain_settings`).
- `GET /settings/bulk` the form; `POST /settings/bulk/preview` the plan (`bulk_change`
  without `apply`: nothing written): which accounts change, which are exempt, which
  are overridden below; `POST /settings/bulk` records it (`apply`), one audit entry.
  Exemptions are one a line, `ACCOUNT = reason` (a reason is required for each).
- `POST /settings/revert/{change}` reverts a change (reason required).
Bad input (an unknown setting, a value outside the vocabulary, a filter error, an
exemption for an account that does not exist) is shown at its field, 422, and nothing
is written.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from trimtab.domain.bulk_changes import BulkChangeRequest, Exemption, Outcome
from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_catalog import known_settings
from trimtab.services.accounts import explain_settings
from trimtab.services.change_settings import (
    bulk_change,
    revert_change,
    settings_history,
    show_settings,
)
from trimtab.services.customization_preview import read_value
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem
from trimtab.web.templating import flash, render

__all__ = ["router"]

router = APIRouter()

SettingsDesk = Annotated[Principal, requires(Permission.FIRM_SETTINGS)]
LevelName = Literal["firm", "program", "household", "account"]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=4000)]
HISTORY_SHOWN = 200


def _status(problems: list[Problem]) -> int:
    return WebProblem.of(problems).status


@router.get("/settings")
def settings_home(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: SettingsDesk,
    account: Annotated[str, Query(max_length=100)] = "",
    setting: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    changes, problems = settings_history(
        new_uow, account=account.strip() or None, setting=setting.strip() or None
    )
    if changes is None:
        raise WebProblem.of(problems)
    newest = list(reversed(changes))
    return render(
        request,
        "settings/home.html",
        {
            "changes": newest[:HISTORY_SHOWN],
            "total": len(newest),
            "account": account,
            "setting": setting,
            "settings": known_settings(),
        },
    )


@router.get("/settings/lineage")
def lineage(
    request: Request,
    new_uow: NewUnitOfWork,
    viewer: SettingsDesk,
    account: Annotated[str, Query(min_length=1, max_length=100)],
    setting: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    effective, problems = show_settings(new_uow, account.strip())
    if effective is None:
        raise WebProblem.of(problems)
    by_name = {e.setting: e for e in effective}
    if setting.strip():
        if setting.strip() not in by_name:
            raise WebProblem.of(
                [Problem("setting", f"{setting.strip()!r} is not a setting this account has")]
            )
        by_name = {setting.strip(): by_name[setting.strip()]}
    rows = list(zip(by_name.values(), explain_settings(by_name), strict=True))
    return render(
        request,
        "settings/lineage.html",
        {"account": account.strip(), "setting": setting.strip(), "rows": rows},
    )


def _exemptions(text: str) -> tuple[tuple[Exemption, ...], list[Problem]]:
    found: list[Exemption] = []
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        account, sep, reason = line.partition("=")
        if not sep or not account.strip() or not reason.strip():
            problems.append(
                Problem(
                    f"exemptions line {number}",
                    f"{line!r}: write ACCOUNT = reason (each exemption says why)",
                )
            )
            continue
        found.append(Exemption(account.strip(), reason.strip()))
    return tuple(found), problems


def _bulk_form(
    request: Request,
    fields: dict[str, str],
    *,
    problems: list[Problem] | None = None,
    plan: object = None,
) -> Response:
    problems = problems or []
    outcomes = {o: plan.accounts(o) for o in Outcome} if plan is not None else {}  # type: ignore[attr-defined]
    return render(
        request,
        "settings/bulk.html",
        {
            "fields": fields,
            "problems": problems,
            "plan": plan,
            "outcomes": outcomes,
            "settings": known_settings(),
            "levels": ["account", "household", "program", "firm"],
        },
        status_code=_status(problems) if problems else 200,
    )


@router.get("/settings/bulk")
def bulk_page(request: Request, viewer: SettingsDesk) -> Response:
    return _bulk_form(request, {"level": "account"})


def _request(
    setting: str,
    value: str,
    target: str,
    reason: str,
    level: str,
    exemptions: str,
    exempt_where: str,
    exempt_reason: str,
) -> tuple[BulkChangeRequest | None, list[Problem]]:
    exempt, problems = _exemptions(exemptions)
    if not reason.strip():
        problems.append(Problem("reason", "say why: the reason is recorded with every change"))
    if not value.strip():
        problems.append(Problem("value", "give the new value"))
    if exempt_where.strip() and not exempt_reason.strip():
        problems.append(Problem("exempt_reason", "say why the accounts it matches are exempt"))
    if problems:
        return None, problems
    return BulkChangeRequest(
        setting.strip(),
        read_value(value),
        target,
        reason.strip(),
        Level[level.upper()],
        exempt,
        exempt_where.strip() or None,
        exempt_reason.strip(),
    ), []


def _bulk(
    request: Request,
    new_uow: NewUnitOfWork,
    principal: Principal,
    fields: dict[str, str],
    *,
    apply: bool,
) -> Response:
    asked, problems = _request(**fields)
    if asked is None:
        return _bulk_form(request, fields, problems=problems)
    result, problems = bulk_change(new_uow, asked, principal=principal, apply=apply)
    if result is None:
        return _bulk_form(request, fields, problems=problems)
    if not apply:
        return _bulk_form(request, fields, plan=result.plan)
    counts = result.plan.counts()
    response = RedirectResponse("/settings", status_code=303)
    return flash(
        response,
        f"Recorded bulk change #{result.bulk_id}: {counts['affected']:,} accounts changed, "
        f"{counts['exempted']:,} exempt.",
    )


def _bulk_fields(
    setting: Short,
    value: Short,
    target: Annotated[str, Form(min_length=1, max_length=4000)],
    level: Annotated[LevelName, Form()] = "account",
    reason: Long = "",
    exemptions: Long = "",
    exempt_where: Long = "",
    exempt_reason: Long = "",
) -> dict[str, str]:
    """The bulk form as typed: the preview and the apply post the same form."""
    return {
        "setting": setting,
        "value": value,
        "target": target,
        "level": level,
        "reason": reason,
        "exemptions": exemptions,
        "exempt_where": exempt_where,
        "exempt_reason": exempt_reason,
    }


BulkFields = Annotated[dict[str, str], Depends(_bulk_fields)]


@router.post("/settings/bulk/preview")
def bulk_preview(
    request: Request, new_uow: NewUnitOfWork, viewer: SettingsDesk, fields: BulkFields
) -> Response:
    return _bulk(request, new_uow, viewer, fields, apply=False)


@router.post("/settings/bulk")
def bulk_apply(
    request: Request, new_uow: NewUnitOfWork, principal: SettingsDesk, fields: BulkFields
) -> Response:
    return _bulk(request, new_uow, principal, fields, apply=True)


@router.post("/settings/revert/{change_id}")
def revert(
    request: Request,
    change_id: int,
    new_uow: NewUnitOfWork,
    principal: SettingsDesk,
    reason: Long = "",
) -> Response:
    if not reason.strip():
        raise WebProblem.of([Problem("reason", "say why the change is reverted")])
    change, problems = revert_change(new_uow, change_id, principal=principal, reason=reason)
    if change is None:
        raise WebProblem.of(problems)
    response = RedirectResponse("/settings", status_code=303)
    return flash(response, f"Reverted change #{change_id}: recorded #{change.id}.")
