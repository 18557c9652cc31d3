"""`/`: send each person to their own dashboard.

The dashboard routes are `/dashboard/<role>` (ROLES.md: what each role opens first). A
user holding several roles goes to the first of them in ROLES.md's order (advisor,
committee, overlay, compliance, management, data, admin); an administrator acting for
a user goes to that user's dashboard.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from trimtab.domain.principal import Principal, Role
from trimtab.web.deps import SignIn, signed_in

__all__ = ["dashboard_path", "router"]

router = APIRouter()


def dashboard_path(principal: Principal) -> str:
    who = principal.on_behalf_of or principal
    role = next((r for r in Role if r in who.roles), Role.ADMIN)
    return f"/dashboard/{role.value}"


@router.get("/")
def home(signed: Annotated[SignIn, signed_in()]) -> RedirectResponse:
    return RedirectResponse(dashboard_path(signed.principal), status_code=303)
