"""Status decisions: moving a case along the workflow (`cftwatch.cases.workflow`) or
reopening a final one, each with a reason, a decision row and its audit rows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cftwatch.cases import workflow
from cftwatch.cases.fields import apply_changes
from cftwatch.cases.records import Case, Decision
from cftwatch.cases.rows import case_record, locked_case_row, require_user
from cftwatch.errors import InputError, WorkflowError
from cftwatch.store import CaseRow, DecisionRow, OperationalStore, format_case_id, utcnow


def move(
    store: OperationalStore,
    case_id: str | int,
    user: str,
    to_status: str,
    reason: str,
    expected_version: int | None,
    *,
    reopen: bool,
) -> Case:
    """Make a status decision: a workflow transition, or (`reopen=True`) a supervisor's
    reopening of a reported or closed case. Refused moves raise `WorkflowError` (a role
    the user lacks: `AccessDenied`)."""
    require_user(user)
    if to_status not in workflow.STATUSES:
        raise InputError.at(
            f"unknown status (choose {', '.join(workflow.STATUSES)})",
            field="status",
            value=to_status,
        )
    if not reason or not reason.strip():
        raise InputError.at("a reason is required for every decision", field="reason")
    with store.session() as s:
        row = locked_case_row(s, case_id, expected_version)
        current = row.status
        _check_move(store, s, row, user, to_status, reopen=reopen)
        now = utcnow()
        decision = DecisionRow(
            case_id=row.id,
            kind="status",
            from_status=current,
            to_status=to_status,
            reason=reason.strip(),
            created_at=now,
            created_by=user,
        )
        s.add(decision)
        s.flush()
        action = "reopen" if reopen else "transition"
        apply_changes(store, s, row, user, {"status": to_status}, now, action=action)
        store.write_audit(
            s,
            [
                {
                    "case_id": row.id,
                    "entity_type": "decision",
                    "entity_id": str(decision.id),
                    "action": "reopen" if reopen else "decide",
                    "field": "status",
                    "before": current,
                    "after": {"status": to_status, "reason": reason.strip()},
                }
            ],
            user=user,
            at=now,
        )
        return case_record(s, row)


def _check_move(
    store: OperationalStore, s: Session, row: CaseRow, user: str, to_status: str, *, reopen: bool
) -> None:
    """Refuse a move the workflow does not allow, one the user's role does not allow, or
    (four eyes) `reported` decided by the user who escalated the case."""
    current = row.status
    label = format_case_id(row.id)
    if reopen:
        if current not in workflow.TERMINAL_STATUSES:
            raise WorkflowError(f"{label} is {current}, not reported or closed: nothing to reopen")
        role: str = workflow.REOPEN_ROLE
    else:
        needed = workflow.required_role(current, to_status)
        if needed is None:
            raise WorkflowError(_refusal(label, current, to_status))
        role = needed
    what = "reopen" if reopen else f"{current} → {to_status}"
    store.require_role(user, role, f"{label}: {what}", session=s)
    if to_status == "reported" and not reopen and _escalated_by(s, row.id) == user:
        raise WorkflowError(
            f"{label}: four eyes: {user} escalated this case, so another supervisor "
            "must decide it reported"
        )


def _escalated_by(s: Session, number: int) -> str | None:
    """Who made the case's latest move to `escalated`."""
    return s.scalar(
        select(DecisionRow.created_by)
        .where(
            DecisionRow.case_id == number,
            DecisionRow.kind == "status",
            DecisionRow.to_status == "escalated",
        )
        .order_by(DecisionRow.id.desc())
        .limit(1)
    )


def _refusal(label: str, current: str, to_status: str) -> str:
    targets = workflow.allowed_targets(current)
    if current == to_status:
        return f"{label} is already {current}"
    if not targets:
        return (
            f"{label} is {current}, a final status: {current} → {to_status} is not allowed "
            "(a supervisor can reopen it)"
        )
    return (
        f"{label}: {current} → {to_status} is not allowed; from {current} a case can go to "
        + ", ".join(targets)
    )


def decision_records(s: Session, number: int) -> list[Decision]:
    """The case's decisions (status moves and match verdicts), oldest first."""
    rows = s.scalars(
        select(DecisionRow).where(DecisionRow.case_id == number).order_by(DecisionRow.id)
    )
    return [Decision.model_validate(r) for r in rows]
