"""`POST /v1/screen`: one name, or a batch, against the loaded lists; the same JSON as
`cftwatch screen --json` (a batch answers a list of those documents, in input order)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from cftwatch.screening import NameQuery
from cftwatch.server.deps import Actor, ServerContext, get_context, require_role
from cftwatch.server.errors import ApiError, json_response

router = APIRouter(tags=["screening"])


class NameIn(BaseModel):
    """One name to screen and what is known about it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=400)
    kind: str | None = Field(default=None, description="person or organization", max_length=40)
    birth_date: str | None = Field(default=None, description="YYYY[-MM[-DD]]", max_length=10)
    country: str | None = Field(default=None, description="ISO alpha-2", max_length=2)
    father_name: str | None = Field(default=None, max_length=400)
    identifiers: list[str] = Field(default_factory=list, max_length=20)

    def query(self) -> NameQuery:
        return NameQuery(
            self.name,
            self.kind,
            self.birth_date,
            self.country,
            tuple(i for i in self.identifiers if i.strip()),
            self.father_name,
        )


class ScreenIn(NameIn):
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)


class ScreenBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queries: list[NameIn] = Field(min_length=1)
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)


class MatchOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    entity_id: str
    list_id: str = Field(alias="list")
    list_ref: str | None
    matched_name: str
    score: float
    explanation: list[str]


class ScreenOut(BaseModel):
    query: str
    results: list[MatchOut]


@router.post("/v1/screen", response_model=ScreenOut, response_model_by_alias=True)
async def screen(
    body: ScreenIn,
    _actor: Actor = Depends(require_role("analyst")),
    ctx: ServerContext = Depends(get_context),
) -> Response:
    """Screen one name (with optional kind, birth date, country, father's name and
    identifiers): matches at or above the threshold, best first, each with why."""
    # one name takes milliseconds: screened on the event loop, no thread hop
    return json_response(ctx.lists().screen_documents([body.query()], body.threshold)[0])


@router.post("/v1/screen:batch", response_model=list[ScreenOut], response_model_by_alias=True)
def screen_batch(
    body: ScreenBatchIn,
    _actor: Actor = Depends(require_role("analyst")),
    ctx: ServerContext = Depends(get_context),
) -> Response:
    """Screen up to `max_batch` names; one result document per query, in order."""
    if len(body.queries) > ctx.settings.max_batch:
        raise ApiError(
            413, "PayloadTooLarge", f"at most {ctx.settings.max_batch} queries in one batch"
        )
    return json_response(
        ctx.lists().screen_documents([q.query() for q in body.queries], body.threshold)
    )
