"""Reading cases: one case, a filtered list, and the bundle the reporting stage reads in
one transaction (a consistent picture for a report). Readers never queue behind writers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cftwatch.cases import workflow
from cftwatch.cases.decisions import decision_records
from cftwatch.cases.evidence import evidence_records
from cftwatch.cases.notes import note_records
from cftwatch.cases.records import Case, CaseAlert, CaseBundle, Subject
from cftwatch.cases.rows import alert_counts, case_record, case_row
from cftwatch.errors import InputError
from cftwatch.store import CaseAlertRow, CaseRow, OperationalStore, ReportRecord, ReportRow


def get_case(store: OperationalStore, case_id: str | int) -> Case:
    with store.session(readonly=True) as s:
        return case_record(s, case_row(s, case_id))


def list_cases(
    store: OperationalStore, status: str | None = None, assignee: str | None = None
) -> list[Case]:
    """Cases, newest first, optionally with one status and/or one assignee."""
    if status is not None and status not in workflow.STATUSES:
        raise InputError.at(
            f"unknown status (choose {', '.join(workflow.STATUSES)})",
            field="status",
            value=status,
        )
    stmt = select(CaseRow).order_by(CaseRow.id.desc())
    if status is not None:
        stmt = stmt.where(CaseRow.status == status)
    if assignee is not None:
        stmt = stmt.where(CaseRow.assignee == assignee)
    with store.session(readonly=True) as s:
        rows = list(s.scalars(stmt))
        counts = alert_counts(s, [r.id for r in rows])
        return [Case.from_row(r, counts.get(r.id, 0)) for r in rows]


def alert_records(s: Session, number: int) -> list[CaseAlert]:
    """The case's alerts in the order they joined it."""
    rows = s.scalars(
        select(CaseAlertRow).where(CaseAlertRow.case_id == number).order_by(CaseAlertRow.id)
    )
    return [CaseAlert.model_validate(r) for r in rows]


def case_bundle(store: OperationalStore, case_id: str | int) -> CaseBundle:
    """The case, its subject, alerts, transaction ids, matches, notes, decisions and
    reports, read in one transaction."""
    with store.session(readonly=True) as s:
        row = case_row(s, case_id)
        evidence = evidence_records(s, row.id)
        alerts = alert_records(s, row.id)
        reports = s.scalars(
            select(ReportRow).where(ReportRow.case_id == row.id).order_by(ReportRow.id)
        )
        return CaseBundle(
            case=Case.from_row(row, len(alerts)),
            subject=Subject.model_validate(row),
            alerts=alerts,
            txn_ids=[e.ref for e in evidence if e.kind == "transaction"],
            screening_matches=[e for e in evidence if e.kind == "screening_match"],
            evidence=evidence,
            notes=note_records(s, row.id),
            decisions=decision_records(s, row.id),
            reports=[ReportRecord.model_validate(r) for r in reports],
        )
