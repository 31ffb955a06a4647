"""Status decisions: moving a case along the workflow (`cftwatch.cases.workflow`) or
reopening a final one, each with a reason, a decision row and its audit rows."""

from __future__ import annotations

from collections.abc import Set

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
    supervisors: Set[str] | None,
) -> Case:
    """Make a status decision: a workflow transition, or (`reopen=True`) a supervisor's
    reopening of a reported or closed case. Refused moves raise `WorkflowError`."""
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
        _check_move(row, user, to_status, reopen=reopen, supervisors=supervisors)
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
    row: CaseRow, user: str, to_status: str, *, reopen: bool, supervisors: Set[str] | None
) -> None:
    """Refuse a move the workflow does not allow, or a supervisor move by someone else."""
    current = row.status
    label = format_case_id(row.id)
    if reopen:
        if current not in workflow.TERMINAL_STATUSES:
            raise WorkflowError(f"{label} is {current}, not reported or closed: nothing to reopen")
        role: str | None = workflow.REOPEN_ROLE
    else:
        role = workflow.required_role(current, to_status)
        if role is None:
            raise WorkflowError(_refusal(label, current, to_status))
    if role == "supervisor" and supervisors is not None and user not in supervisors:
        what = "reopen" if reopen else f"{current} → {to_status}"
        raise WorkflowError(f"{label}: {what} is a supervisor decision; {user} is not one")


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
