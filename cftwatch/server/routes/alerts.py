"""`/v1/alerts`: list, show and export the alerts every stage wrote, as `cftwatch alerts`
does (read-only: the workspace is opened read-only for the request, so it never waits
for a writer; it reads the last snapshot while one writes)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from cftwatch.app.alerts import AlertFilter, count_alerts, export_alerts, get_alert, list_alerts
from cftwatch.server.deps import Actor, ServerContext, get_context, require_role
from cftwatch.vocab import SEVERITIES

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

Severity = Literal[SEVERITIES]  # type: ignore[valid-type]
_MEDIA = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
}


def _filter(rule: list[str] | None, since: str | None, severity: str | None) -> AlertFilter:
    return AlertFilter(rules=tuple(rule or ()), since=since, severity=severity)


RuleQ = Query(None, max_length=50, description="Only these rules (repeatable).")
SinceQ = Query(None, max_length=10, description="Activity ending on or after (YYYY-MM-DD).")
SeverityQ = Query(None, description="At least this severe.")


@router.get("", summary="The strongest matching alerts first")
def alerts(
    rule: list[str] | None = RuleQ,
    since: str | None = SinceQ,
    severity: Severity | None = SeverityQ,
    limit: int = Query(50, ge=1, le=10_000),
    ctx: ServerContext = Depends(get_context),
    _actor: Actor = Depends(require_role("analyst")),
) -> dict[str, Any]:
    filt = _filter(rule, since, severity)
    with ctx.workspace() as ws:
        return {"total": count_alerts(ws, filt), "alerts": list_alerts(ws, filt, limit)}


@router.get("/export", summary="Every matching alert, every column, as a file")
def export(
    format: Literal["jsonl", "csv", "parquet"] = Query("jsonl"),
    rule: list[str] | None = RuleQ,
    since: str | None = SinceQ,
    severity: Severity | None = SeverityQ,
    ctx: ServerContext = Depends(get_context),
    _actor: Actor = Depends(require_role("analyst")),
) -> Response:
    filt = _filter(rule, since, severity)
    with tempfile.TemporaryDirectory(prefix="cftwatch-export-") as tmp:
        target = Path(tmp) / f"alerts.{format}"
        with ctx.workspace() as ws:
            count = export_alerts(ws, filt, target, format)
        content = target.read_bytes()
    return Response(
        content,
        media_type=_MEDIA[format],
        headers={
            "Content-Disposition": f'attachment; filename="alerts.{format}"',
            "X-Cftwatch-Count": str(count),
        },
    )


@router.get("/{alert_id}", summary="One alert with its explanation, parameters and details")
def alert(
    alert_id: str,
    ctx: ServerContext = Depends(get_context),
    _actor: Actor = Depends(require_role("analyst")),
) -> dict[str, Any]:
    with ctx.workspace() as ws:
        return get_alert(ws, alert_id)
