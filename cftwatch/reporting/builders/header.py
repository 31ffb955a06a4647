"""The `report` element's own fields: who reports, the codes, the date, and the reason,
action and indicators taken from the case."""

from __future__ import annotations

import datetime as dt

from cftwatch.reporting.builders.base import MAX_TEXT, BuildContext, Origins, naive
from cftwatch.reporting.inputs import ReportCase
from cftwatch.reporting.model import Report

_REPORTED_STATUSES = ("reported", "escalated")

ORIGINS = Origins(
    element="report",
    model=Report,
    fields={
        "rentity_id": "profile reporting_entity_id, else workspace institution.reporting_entity_id",
        "rentity_branch": "workspace reporting.branch",
        "submission_code": "profile submission_code",
        "report_code": "profile report_codes for the report type",
        "entity_reference": "case id",
        "submission_date": "time the report was built",
        "currency_code_local": "profile local_currency, else workspace institution.currency",
        "reporting_person": "workspace reporting.reporting_person, else profile reporting_person",
        "reporting_user_code": (
            "workspace reporting.reporting_user_code, else profile (when no reporting_person)"
        ),
        "location": "workspace reporting.location",
        "reason": "case title, alert explanations and analyst notes",
        "action": "case decisions, else profile default_action",
        "indicators": "alert typologies via profile typology_indicators and default_indicators",
    },
)


def build_header(
    ctx: BuildContext, rcase: ReportCase, submission_date: dt.datetime | None
) -> Report:
    """The report with its header filled; transactions or activity come after."""
    profile, institution = ctx.profile, ctx.institution
    report_code = profile.report_code(ctx.report_type)
    if report_code is None:
        ctx.notes["report_code"] = (
            f"profile {profile.name} has no report code for {ctx.report_type}"
        )
    # goAML: reporting_person OR reporting_user_code (a choice), the person when both are set
    person = institution.reporting_person or profile.reporting_person
    user_code = institution.reporting_user_code or profile.reporting_user_code
    return Report(
        report_type=ctx.report_type,
        case_id=rcase.case_id,
        rentity_id=profile.reporting_entity_id or institution.reporting_entity_id,
        rentity_branch=institution.branch,
        submission_code=profile.submission_code,
        report_code=report_code,
        entity_reference=rcase.case_id,
        submission_date=naive(submission_date or dt.datetime.now(dt.UTC)),
        currency_code_local=ctx.local,
        reporting_person=person,
        reporting_user_code=None if person else user_code,
        location=institution.location,
        reason=report_reason(ctx, rcase),
        action=report_action(ctx, rcase),
    )


def report_reason(ctx: BuildContext, rcase: ReportCase) -> str | None:
    """The case title, its alerts' explanations and the analysts' current notes."""
    parts: list[str] = []
    if rcase.title:
        parts.append(rcase.title.strip())
    explanations = list(dict.fromkeys(a.explanation.strip() for a in rcase.alerts if a.explanation))
    if explanations:
        parts.append("Alerts: " + " ".join(explanations))
    notes = [n.strip() for n in rcase.notes if n and n.strip()]
    if notes:
        parts.append("Analyst notes: " + " ".join(notes))
    text = "\n".join(parts).strip()
    if not text:
        ctx.notes["reason"] = f"case {rcase.case_id} has no title, alert explanation or note"
        return None
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1].rstrip() + "…"
    return text


def report_action(ctx: BuildContext, rcase: ReportCase) -> str | None:
    """The reason of the last escalation (or report) decision, else the profile's default."""
    for decision in reversed(rcase.decisions):
        if (
            decision.kind == "status"
            and decision.reason
            and decision.to_status in _REPORTED_STATUSES
        ):
            return decision.reason[:MAX_TEXT]
    if ctx.profile.default_action is None:
        ctx.notes["action"] = "no escalation reason on the case and no profile default_action"
    return ctx.profile.default_action


def report_indicators(ctx: BuildContext, rcase: ReportCase) -> list[str]:
    """Indicator codes of the alerts' typologies, then the report type's defaults."""
    profile = ctx.profile
    codes: dict[str, None] = {}
    for alert in rcase.alerts:
        for code in profile.typology_indicators.get(alert.typology or "", []):
            codes[code] = None
    for code in profile.default_indicators.get(ctx.report_type, []):
        codes[code] = None
    if not codes:
        typologies = sorted({a.typology for a in rcase.alerts if a.typology})
        ctx.notes["indicators"] = (
            f"no indicator code for typologies {typologies} in profile {profile.name}"
        )
    return list(codes)
