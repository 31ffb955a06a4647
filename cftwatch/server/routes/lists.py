"""`/v1/lists`: the stored versions of each sanctions list, the diff between two, and an
update from the folder the workspace configures (`lists.folder`; admins only), as
`cftwatch lists versions|diff|update`. The server never downloads what a request names."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from cftwatch.app.list_folder import record_list_update, update_lists_from_folder
from cftwatch.lists import diff_versions, list_versions
from cftwatch.server.deps import Actor, ServerContext, get_context, require_role

router = APIRouter(prefix="/v1/lists", tags=["lists"])


class UpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[str] | None = Field(
        default=None, max_length=20, description="Sources to load (default: un, ofac, eu, uk)."
    )
    force: bool = Field(False, description="Accept a list that shrank a lot.")
    allow_older: bool = Field(False, description="Accept a file older than the active one.")


@router.get("/versions", summary="Every stored version of each list, newest first")
def versions(
    source: str | None = Query(None, max_length=40),
    ctx: ServerContext = Depends(get_context),
    _actor: Actor = Depends(require_role("analyst")),
) -> list[dict[str, Any]]:
    with ctx.workspace() as ws:
        return [v.to_dict() for v in list_versions(ws, source)]


@router.get("/{source}/diff", summary="Entries added, removed and changed between versions")
def diff(
    source: str,
    from_version: str | None = Query(None, alias="from", max_length=80),
    to_version: str | None = Query(None, alias="to", max_length=80),
    ctx: ServerContext = Depends(get_context),
    _actor: Actor = Depends(require_role("analyst")),
) -> dict[str, Any]:
    with ctx.workspace() as ws:
        return diff_versions(ws, source, from_version, to_version).to_dict()


@router.post("/update", summary="Load each list from the configured folder (admin)")
def update(
    body: UpdateIn,
    ctx: ServerContext = Depends(get_context),
    actor: Actor = Depends(require_role("admin")),
) -> list[dict[str, Any]]:
    with ctx.workspace(read_only=False) as ws:
        results = update_lists_from_folder(
            ws, body.sources, force=body.force, allow_older=body.allow_older
        )
    record_list_update(ctx.store, actor.name, results)
    if any(r.status == "loaded" for r in results):
        ctx.lists().refresh()  # the next screen and decision use the new lists
    return [r.to_dict() for r in results]
