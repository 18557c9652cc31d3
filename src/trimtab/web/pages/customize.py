"""The customization editor: an account's restrictions, product choices, exclusions and
plain-English settings, previewed with the engine before anything is saved.

Problem: an advisor changes a client's account ("never sell AAPL", "no real estate",
"tax sensitivity high") and must see what it would trade and what tax it would realize
before the change is saved, without a nightly run and without writing anything.

Rule: every route needs `customize_accounts` (an advisor: their own accounts only; any
other account is 404, as if it did not exist).
- `GET /accounts/{id}/customize` the editor (`customization_preview.customization_editor`):
  each setting with its effective value, where it is set and what it means; the
  account's own restrictions; its customizations, one a line.
- `POST /accounts/{id}/customize/preview` the form as an unsaved `AccountChange`,
  answered by `preview_change` (before vs after: trades, estimated tax, turnover, drift
  after); writes nothing. With htmx only the preview panel is replaced.
- `POST /accounts/{id}/customize` saves, reason required, through the existing write
  services, one audit entry each: `settings.set` per setting or restriction changed,
  `models.record` for the customized target and `models.assign` when the account starts
  following it. The whole change is checked first (`check_change`), so a bad field saves
  nothing; the problems are shown at their fields (422).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.problems import Problem
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_catalog import RESTRICTION_PREFIX, SettingValue, normalize_value
from trimtab.domain.settings_levels import Scope
from trimtab.services import customization_preview as editor
from trimtab.services.change_settings import set_setting
from trimtab.services.model_book import assign_target, record_definitions
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import WebProblem
from trimtab.web.templating import flash, render

__all__ = ["router"]

router = APIRouter()

Customizer = Annotated[Principal, requires(Permission.CUSTOMIZE_ACCOUNTS)]
FIELD_LIMIT = 4000  # characters in one form field (a long customization list fits)


def _view(new_uow: NewUnitOfWork, account: str, viewer: Principal) -> editor.EditorView:
    view, problems = editor.customization_editor(new_uow, account, viewer=viewer)
    if view is None:
        raise WebProblem.of(problems)
    return view


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= FIELD_LIMIT}


def _same(name: str, typed: SettingValue, stored: SettingValue) -> bool:
    return str(normalize_value(name, typed)) == str(normalize_value(name, stored))


def change_from_form(
    view: editor.EditorView, fields: dict[str, str]
) -> tuple[editor.AccountChange, list[Problem]]:
    """The unsaved change the form asks for, against what the account has now.

    `setting:<name>`: the account's own value (empty: none of its own, inherit);
    `restriction:<TICKER>`: a kind, or empty to remove it; `new_ticker` + `new_kind`:
    one more restriction; `customizations`: the whole list, one a line."""
    settings: dict[str, SettingValue | None] = {}
    problems: list[Problem] = []
    for choice in editor.setting_choices():
        key = f"setting:{choice.name}"
        if key not in fields:
            continue
        text = fields[key].strip()
        own = view.own.get(choice.name)
        if not text:
            if own is not None:
                settings[choice.name] = None
            continue
        value = editor.read_value(text)
        if own is None or not _same(choice.name, value, own):
            settings[choice.name] = value
    for ticker, kind in view.restrictions.items():
        key = f"restriction:{ticker}"
        if key not in fields:
            continue
        wanted = fields[key].strip()
        if not wanted:
            settings[f"{RESTRICTION_PREFIX}{ticker}"] = None
        elif wanted != kind:
            settings[f"{RESTRICTION_PREFIX}{ticker}"] = wanted
    new_ticker = fields.get("new_ticker", "").strip().upper()
    if new_ticker:
        kind = fields.get("new_kind", "").strip()
        if kind not in editor.restriction_kinds():
            problems.append(
                Problem("new_kind", f"choose one of {', '.join(editor.restriction_kinds())}")
            )
        else:
            settings[f"{RESTRICTION_PREFIX}{new_ticker}"] = kind
    customizations = None
    if "customizations" in fields:
        parsed, more = editor.parse_customizations(fields["customizations"])
        problems += more
        if tuple(parsed) != tuple(view.customizations):
            customizations = parsed
    return editor.AccountChange(settings, customizations), problems


def _page(
    request: Request,
    view: editor.EditorView,
    *,
    fields: dict[str, str] | None = None,
    problems: list[Problem] | None = None,
    preview: editor.CustomizationPreview | None = None,
) -> Response:
    fields = fields or {}
    values = {
        c.name: fields.get(f"setting:{c.name}", _shown(view.own.get(c.name)))
        for c in editor.setting_choices()
    }
    text = fields.get(
        "customizations",
        "\n".join(editor.unparse_customization(c) for c in view.customizations),
    )
    return render(
        request,
        "customize/editor.html",
        {
            "view": view,
            "choices": editor.setting_choices(),
            "values": values,
            "kinds": editor.restriction_kinds(),
            "customizations": text,
            "fields": fields,
            "problems": problems or [],
            "preview": preview,
        },
        status_code=WebProblem.of(problems).status if problems else 200,
    )


def _shown(value: SettingValue | None) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "[" + ", ".join(repr(v) if isinstance(v, str) else str(v) for v in value) + "]"
    return str(value)


@router.get("/accounts/{account}/customize")
def customize_page(
    request: Request, account: str, new_uow: NewUnitOfWork, viewer: Customizer
) -> Response:
    return _page(request, _view(new_uow, account, viewer))


@router.post("/accounts/{account}/customize/preview")
async def customize_preview(
    request: Request, account: str, new_uow: NewUnitOfWork, viewer: Customizer
) -> Response:
    view = _view(new_uow, account, viewer)
    fields = await _fields(request)
    change, problems = change_from_form(view, fields)
    preview = None
    if not problems:
        preview, problems = editor.preview_change(new_uow, account, change, viewer=viewer)
    if request.headers.get("HX-Request") == "true":
        # htmx swaps only 2xx answers: the panel carries its problems itself.
        return render(
            request,
            "customize/_preview.html",
            {"preview": preview, "problems": problems, "empty": change.empty},
        )
    return _page(request, view, fields=fields, problems=problems, preview=preview)


@router.post("/accounts/{account}/customize")
async def customize_save(
    request: Request, account: str, new_uow: NewUnitOfWork, principal: Customizer
) -> Response:
    view = _view(new_uow, account, principal)
    fields = await _fields(request)
    change, problems = change_from_form(view, fields)
    reason = fields.get("reason", "").strip()
    if not reason:
        problems.append(Problem("reason", "say why: every change records a reason"))
    if not problems and change.empty:
        problems.append(Problem("change", "nothing changed: edit a setting, a restriction or "
                                "a customization first"))  # fmt: skip
    child = None
    if not problems:
        child, problems = editor.checked_change(new_uow, account, change, viewer=principal)
    if problems:
        return _page(request, view, fields=fields, problems=problems)
    saved = 0
    for name, value in sorted(change.settings.items()):
        _change, problems = set_setting(
            new_uow,
            principal=principal,
            setting=name,
            scope=Scope(Level.ACCOUNT, account),
            value=value,
            reason=reason,
        )
        if problems:
            return _page(request, _view(new_uow, account, principal), fields=fields,
                         problems=problems)  # fmt: skip
        saved += 1
    if child is not None:
        now = dt.datetime.now(dt.UTC)
        result = record_definitions(new_uow, [child], principal=principal, reason=reason, now=now)
        problems = list(result.problems)
        if result.saved and view.target != child.id:
            problems += assign_target(
                new_uow, account, child.id, principal=principal, as_of=now.date(), reason=reason
            )
        if problems or not result.saved:
            problems = problems or [
                Problem("customizations", "the customized target pushes its parent's "
                        "children outside their limits; nothing saved")
            ]  # fmt: skip
            return _page(request, _view(new_uow, account, principal), fields=fields,
                         problems=problems)  # fmt: skip
        saved += 1
    response = RedirectResponse(f"/accounts/{account}/customize", status_code=303)
    return flash(response, f"Saved {saved} change{'s' if saved != 1 else ''} to {account}.")
