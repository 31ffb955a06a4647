"""goAML reports over the API, as `cftwatch report` makes them: build (and file) a case's
report, validate one without filing, list and download the filed ones.

Filing needs the supervisor role and an escalated case (a `draft` needs only an analyst
and is never recorded); the report is validated against the FIU's XSD before anything is
written or recorded (422 with every violation otherwise). The server names the file
itself under `<workspace>/reports/`. A filed report is in the audit log with its user."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from cftwatch.app.report_files import new_report_path, report_file
from cftwatch.app.reporting import FILING_ROLE, check_case_report, write_case_report
from cftwatch.reporting import load_profile, validate_report
from cftwatch.server import webhooks
from cftwatch.server.deps import Actor, ServerContext, get_context, require_role
from cftwatch.server.errors import ApiError

router = APIRouter(tags=["reports"])

ReportTypeIn = Literal["STR", "SAR", "CTR"]
ProfileField = Field(
    default=None,
    max_length=40,
    pattern=r"^[A-Za-z0-9_-]+$",
    description="A shipped FIU profile (generic, fmu-pk); default: the workspace's.",
)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: str | None = ProfileField
    type: ReportTypeIn | None = None
    draft: bool = Field(False, description="A draft for any status, marked DRAFT, not filed.")


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: str | None = ProfileField
    type: ReportTypeIn | None = None


def _violations(items: list[Any]) -> list[dict[str, Any]]:
    return [v.to_dict() for v in items]


@router.post("/v1/cases/{case_id}/reports", summary="Build, validate and file a case's report")
def build(
    case_id: str,
    body: ReportIn,
    ctx: ServerContext = Depends(get_context),
    actor: Actor = Depends(require_role("analyst")),
) -> dict[str, Any]:
    if not body.draft and not actor.has_role(FILING_ROLE):
        raise ApiError(
            403,
            "AccessDenied",
            f"{actor.name} is {actor.role}: filing a report needs the "
            f"{FILING_ROLE} role (an analyst may build a draft)",
        )
    with ctx.workspace() as ws:
        done = write_case_report(
            ws,
            case_id,
            new_report_path(ctx.workspace_path, case_id),
            user=actor.name,
            profile=body.profile,
            report_type=body.type,
            draft=body.draft,
        )
    result = done.to_dict()
    result.pop("path", None)  # the server's own file system is not the caller's business
    if done.report_id is not None:
        result["download"] = f"/v1/reports/{done.report_id}/xml"
        webhooks.notify(
            "case.changed",
            {
                "case_id": done.report.case_id,
                "change": "report",
                "by": actor.name,
                "report_id": done.report_id,
            },
        )
    return result


@router.post(
    "/v1/cases/{case_id}/reports/check",
    summary="What filing the case's report would find wrong (nothing written)",
)
def check(
    case_id: str,
    body: CheckIn,
    ctx: ServerContext = Depends(get_context),
    actor: Actor = Depends(require_role(FILING_ROLE)),
) -> dict[str, Any]:
    with ctx.workspace() as ws:
        report, profile, violations = check_case_report(
            ws, case_id, user=actor.name, profile=body.profile, report_type=body.type
        )
    return {
        "case_id": report.case_id,
        "profile": profile.name,
        "valid": not violations,
        "violations": _violations(violations),
    }


@router.post(
    "/v1/reports/validate",
    summary="Validate a goAML XML document against an FIU profile's XSD",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/xml": {"schema": {"type": "string"}}},
        }
    },
)
async def validate(
    request: Request,
    profile: str = Query("generic", max_length=40, pattern=r"^[A-Za-z0-9_-]+$"),
    _actor: Actor = Depends(require_role("analyst")),
) -> dict[str, Any]:
    xml = await request.body()
    if not xml.strip():
        raise ApiError(422, "InputError", "the request body must be a goAML XML document")
    fiu = load_profile(profile)
    violations = validate_report(xml, fiu.xsd_path(None), profile=fiu)
    return {"profile": fiu.name, "valid": not violations, "violations": _violations(violations)}


@router.get("/v1/reports", summary="Filed reports, oldest first")
def reports(
    case_id: str | None = Query(None, max_length=40),
    ctx: ServerContext = Depends(get_context),
    _actor: Actor = Depends(require_role("analyst")),
) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in r.to_json().items() if k != "path"}
        | {"download": f"/v1/reports/{r.id}/xml"}
        for r in ctx.store.reports(case_id)
    ]


@router.get("/v1/reports/{report_id}/xml", summary="Download a filed report's goAML XML")
def download(
    report_id: int,
    ctx: ServerContext = Depends(get_context),
    _actor: Actor = Depends(require_role("analyst")),
) -> Response:
    record, content = report_file(ctx.store, report_id)
    name = f"{record.case_id}-report-{record.id}.xml"
    return Response(
        content,
        media_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Cftwatch-Sha256": record.file_sha256,
        },
    )
