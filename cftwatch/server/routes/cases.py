"""`/v1/cases`: list, show, assign, note, decide and the history of cases, as `cftwatch
cases` does them. The caller is the API key's user; the cases service checks their role
and the four-eyes rule on every change (an analyst cannot decide `reported`; the user who
escalated a case cannot report it), and writes each change to the audit log. A change
names the case `version` it was made on (default: the current one): a stale version is a
409 and nothing is written. Every change fires a `case.changed` webhook."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from cftwatch.cases import Case, CaseService, workflow_table
from cftwatch.cases.workflow import Status
from cftwatch.errors import InputError
from cftwatch.server import webhooks
from cftwatch.server.deps import Actor, ServerContext, get_context, require_role

router = APIRouter(prefix="/v1/cases", tags=["cases"])

_TEXT = 10_000
_NAME = 100


class AssignIn(BaseModel):
    """Give the case to `assignee` (null: unassign)."""

    model_config = ConfigDict(extra="forbid")

    assignee: str | None = Field(max_length=_NAME)
    version: int | None = Field(default=None, ge=0, description="The case version you saw.")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=_TEXT)
    corrects: int | None = Field(default=None, ge=1, description="Id of a note this corrects.")
    version: int | None = Field(default=None, ge=0)


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=_TEXT)
    version: int | None = Field(default=None, ge=0)


class DecisionIn(BaseModel):
    """A status decision (`to` with a `reason`) or a verdict on a screening match
    (`match` with `verdict`), as `cftwatch cases decide`."""

    model_config = ConfigDict(extra="forbid")

    to: Status | None = None
    reason: str | None = Field(default=None, max_length=_TEXT)
    match: str | None = Field(default=None, max_length=200, description="List entity id.")
    verdict: Literal["true_match", "false_match"] | None = None
    party: str | None = Field(default=None, max_length=200)
    fingerprint: str | None = Field(default=None, max_length=200)
    version: int | None = Field(default=None, ge=0)


def _service(ctx: ServerContext) -> CaseService:
    """A case service on the server's store. It never calls `act_as`: the caller is the
    API key's user, so the audit rows name them alone."""
    return CaseService(ctx.store)


def _version(service: CaseService, case_id: str, version: int | None) -> int:
    return version if version is not None else service.get(case_id).version


def _changed(case: Case, change: str, actor: Actor, **extra: Any) -> dict[str, Any]:
    payload = {"case": case.to_json(), "change": change, "by": actor.name, **extra}
    webhooks.notify("case.changed", payload)
    return case.to_json()


@router.get("", summary="List cases, newest first")
def list_cases(
    status: Status | None = Query(None),
    assignee: str | None = Query(None, max_length=_NAME),
    ctx: ServerContext = Depends(get_context),
    _actor: Actor = Depends(require_role("analyst")),
) -> list[dict[str, Any]]:
    return [c.to_json() for c in _service(ctx).list(status=status, assignee=assignee)]


@router.get("/workflow", summary="Every allowed status transition and who may make it")
def workflow(_actor: Actor = Depends(require_role("analyst"))) -> list[dict[str, str]]:
    return [{"from": a, "to": b, "role": r} for a, b, r in workflow_table()]


@router.get("/{case_id}", summary="A case: fields, alerts, evidence, notes, decisions, reports")
def show_case(
    case_id: str,
    ctx: ServerContext = Depends(get_context),
    _actor: Actor = Depends(require_role("analyst")),
) -> dict[str, Any]:
    return _service(ctx).case_bundle(case_id).to_json()


@router.get("/{case_id}/history", summary="The case's audit log, oldest first")
def history(
    case_id: str,
    ctx: ServerContext = Depends(get_context),
    _actor: Actor = Depends(require_role("analyst")),
) -> list[dict[str, Any]]:
    return [e.to_json() for e in _service(ctx).history(case_id)]


@router.post("/{case_id}/assign", summary="Assign a case (null assignee: unassign)")
def assign(
    case_id: str,
    body: AssignIn,
    ctx: ServerContext = Depends(get_context),
    actor: Actor = Depends(require_role("analyst")),
) -> dict[str, Any]:
    service = _service(ctx)
    case = service.assign(
        case_id, actor.name, body.assignee, _version(service, case_id, body.version)
    )
    return _changed(case, "assign", actor)


@router.post("/{case_id}/notes", summary="Add a note (or the correction of one)")
def note(
    case_id: str,
    body: NoteIn,
    ctx: ServerContext = Depends(get_context),
    actor: Actor = Depends(require_role("analyst")),
) -> dict[str, Any]:
    service = _service(ctx)
    added = service.note(case_id, actor.name, body.text, body.version, corrects=body.corrects)
    _changed(service.get(case_id), "note", actor, note_id=added.id)
    return added.to_json()


@router.post("/{case_id}/decisions", summary="Decide a status or judge a screening match")
def decide(
    case_id: str,
    body: DecisionIn,
    ctx: ServerContext = Depends(get_context),
    actor: Actor = Depends(require_role("analyst")),
) -> dict[str, Any]:
    if (body.to is None) == (body.match is None):
        raise InputError.at("give either `to` (a status) or `match` (an entity id)", field="to")
    service = _service(ctx)
    if body.to is not None:
        case = service.transition(
            case_id,
            actor.name,
            body.to,
            body.reason or "",
            _version(service, case_id, body.version),
        )
        return _changed(case, "decision", actor, to=body.to)
    assert body.match is not None
    if body.verdict is None:
        raise InputError.at("`verdict` must be true_match or false_match", field="verdict")
    party_key, entity_fp = service.match_keys(case_id, body.match, body.party, body.fingerprint)
    judgement = service.decide_match(
        case_id,
        actor.name,
        party_key,
        body.match,
        body.verdict,
        entity_fp,
        note=body.reason,
    )
    _changed(service.get(case_id), "match_verdict", actor, entity_id=body.match)
    return judgement.to_json()


@router.post("/{case_id}/reopen", summary="Supervisor: take a final case back to in_review")
def reopen(
    case_id: str,
    body: ReopenIn,
    ctx: ServerContext = Depends(get_context),
    actor: Actor = Depends(require_role("supervisor")),
) -> dict[str, Any]:
    service = _service(ctx)
    case = service.reopen(
        case_id, actor.name, body.reason, _version(service, case_id, body.version)
    )
    return _changed(case, "reopen", actor)
