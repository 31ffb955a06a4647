"""`/v1/users`: who may use the service and with which role (admins only), as `cftwatch
users list|add`. Adding a user or changing a role is written to the audit log with the
admin who did it; API keys are made with `cftwatch keys create NAME`."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from cftwatch.server.deps import Actor, ServerContext, get_context, require_role

router = APIRouter(prefix="/v1/users", tags=["users"])


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="Letters, digits, _ . @ + -")
    role: Literal["analyst", "supervisor", "admin"] = "analyst"


@router.get("", summary="Every user and their role")
def users(
    ctx: ServerContext = Depends(get_context), _actor: Actor = Depends(require_role("admin"))
) -> list[dict[str, Any]]:
    return [r.to_json() for r in ctx.store.users()]


@router.post("", summary="Add a user or change their role")
def add_user(
    body: UserIn,
    ctx: ServerContext = Depends(get_context),
    actor: Actor = Depends(require_role("admin")),
) -> dict[str, Any]:
    return ctx.store.add_user(body.name, body.role, actor.name).to_json()
