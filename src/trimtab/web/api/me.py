"""`GET /api/v1/me`: who the request is authenticated as, and what it may do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel

from trimtab.domain.permissions import permissions_of
from trimtab.web.deps import SignIn, signed_in

__all__ = ["Me", "router"]

router = APIRouter(tags=["identity"])


class Me(BaseModel):
    id: str
    name: str
    roles: list[str]
    on_behalf_of: str | None
    permissions: dict[str, str]  # permission -> reach ("own" or "all")
    via: str  # "session" or "token"


@router.get("/me", response_model=Me)
def me(signed: Annotated[SignIn, signed_in()]) -> Me:
    principal = signed.principal
    return Me(
        id=principal.id,
        name=principal.name,
        roles=sorted(r.value for r in principal.roles),
        on_behalf_of=principal.on_behalf_of.id if principal.on_behalf_of else None,
        permissions={p.value: r.value for p, r in permissions_of(principal.roles).items()},
        via=signed.via,
    )
