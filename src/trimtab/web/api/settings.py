"""`/api/v1/.../settings`: the settings in force for an account with their lineage, and
setting a value at one level.

Problem: a setting in force for an account comes from one of four levels (firm,
program, household, account); someone asking "why does A-1 harvest losses this
aggressively?" needs the value, the change that set it (who, when, why, which bulk
change), and the values it overrides. Changing one must be recorded like any write.

Rule: reads are `services.change_settings.show_settings` (every setting, the changes
that decide it, the ones it shadows), after the account is checked to be in the
caller's scope (404 otherwise). Writes are `set_setting` (validated against the
settings catalog: a bad value is 422 naming the setting; `null` clears the level's
value): an account's own value with `customize_accounts` (an advisor: own accounts
only), any level with `firm_settings`.

    GET /api/v1/accounts/A-1/settings
    PUT /api/v1/accounts/A-1/settings/tax_sensitivity   {"value": "high", "reason": "asked"}
    PUT /api/v1/settings/program/CORE/drift_tolerance   {"value": 0.03, "reason": "IPS 2025"}
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from trimtab.domain.permissions import Permission
from trimtab.domain.principal import Principal
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_levels import Scope
from trimtab.services.change_settings import set_setting, show_settings
from trimtab.web.api.accounts import check_visible
from trimtab.web.api.schemas import (
    AccountId,
    EffectiveSettingOut,
    SettingChangeOut,
    SettingIn,
    errors,
)
from trimtab.web.deps import NewUnitOfWork, requires
from trimtab.web.errors import answer

__all__ = ["router"]

router = APIRouter(tags=["settings"])

Setting = Annotated[
    str, Path(min_length=1, max_length=100, description="a setting", examples=["tax_sensitivity"])
]


@router.get(
    "/accounts/{account_id}/settings",
    response_model=list[EffectiveSettingOut],
    responses=errors(404),
)
def account_settings(
    account_id: AccountId,
    new_uow: NewUnitOfWork,
    viewer: Annotated[Principal, requires(Permission.SEE_ACCOUNTS)],
    as_of: Annotated[dt.datetime | None, Query(description="default: now")] = None,
) -> list[EffectiveSettingOut]:
    """Every setting in force for the account, where each comes from and what it overrides."""
    check_visible(new_uow, account_id, viewer)
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=dt.UTC)  # a time without a zone is read as UTC
    effective = answer(show_settings(new_uow, account_id, as_of=as_of))
    return [EffectiveSettingOut.of(e) for e in effective]


def _value(body: SettingIn) -> str | int | float | bool | tuple[str | int | float, ...] | None:
    return tuple(body.value) if isinstance(body.value, list) else body.value


@router.put(
    "/accounts/{account_id}/settings/{setting}",
    response_model=SettingChangeOut,
    responses=errors(400, 404),
)
def set_account_setting(
    account_id: AccountId,
    setting: Setting,
    body: SettingIn,
    new_uow: NewUnitOfWork,
    principal: Annotated[Principal, requires(Permission.CUSTOMIZE_ACCOUNTS)],
) -> SettingChangeOut:
    """Set (or, with `null`, clear) one setting on one account of yours."""
    check_visible(new_uow, account_id, principal)
    change = answer(
        set_setting(
            new_uow,
            principal=principal,
            setting=setting,
            scope=Scope(Level.ACCOUNT, account_id),
            value=_value(body),
            reason=body.reason,
        )
    )
    return SettingChangeOut.of(change)


@router.put(
    "/settings/{level}/{scope_id}/{setting}",
    response_model=SettingChangeOut,
    responses=errors(400, 404),
)
def set_level_setting(
    level: Literal["firm", "program", "household", "account"],
    scope_id: Annotated[str, Path(min_length=1, max_length=100, examples=["A0000002"])],
    setting: Setting,
    body: SettingIn,
    new_uow: NewUnitOfWork,
    principal: Annotated[Principal, requires(Permission.FIRM_SETTINGS)],
) -> SettingChangeOut:
    """Set (or clear) one setting at any level: the firm, a program, a household, an account."""
    change = answer(
        set_setting(
            new_uow,
            principal=principal,
            setting=setting,
            scope=Scope(Level[level.upper()], scope_id),
            value=_value(body),
            reason=body.reason,
        )
    )
    return SettingChangeOut.of(change)
