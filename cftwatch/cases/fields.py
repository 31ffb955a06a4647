"""Changing a case's own fields (assignee, priority, due date, status): each change locks
the row, checks the writer's `expected_version`, bumps the version and audits every
changed field, all in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from cftwatch.cases.records import Case
from cftwatch.cases.rows import case_record, locked_case_row, require_user
from cftwatch.errors import InputError
from cftwatch.store import CaseRow, OperationalStore, format_case_id, utcnow, valid_user_name
from cftwatch.vocab import SEVERITIES


def assign(
    store: OperationalStore,
    case_id: str | int,
    user: str,
    assignee: str | None,
    expected_version: int | None,
) -> Case:
    """Give the case to `assignee` (None to unassign)."""
    if assignee is not None and not assignee.strip():
        raise InputError.at("assignee must not be empty", field="assignee", value=assignee)
    if assignee is not None:
        valid_user_name(assignee, "assignee")
    return update_fields(store, case_id, user, expected_version, {"assignee": assignee})


def set_priority(
    store: OperationalStore,
    case_id: str | int,
    user: str,
    priority: str,
    expected_version: int | None,
) -> Case:
    if priority not in SEVERITIES:
        raise InputError.at(
            f"priority must be one of {', '.join(SEVERITIES)}",
            field="priority",
            value=priority,
        )
    return update_fields(store, case_id, user, expected_version, {"priority": priority})


def set_due(
    store: OperationalStore,
    case_id: str | int,
    user: str,
    due_date: dt.date | None,
    expected_version: int | None,
) -> Case:
    if due_date is not None and not isinstance(due_date, dt.date):
        raise InputError.at("due date must be a date", field="due_date", value=due_date)
    return update_fields(store, case_id, user, expected_version, {"due_date": due_date})


def update_fields(
    store: OperationalStore,
    case_id: str | int,
    user: str,
    expected_version: int | None,
    changes: dict[str, Any],
) -> Case:
    require_user(user)
    with store.session() as s:
        row = locked_case_row(s, case_id, expected_version)
        apply_changes(store, s, row, user, changes, utcnow())
        return case_record(s, row)


def apply_changes(
    store: OperationalStore,
    s: Session,
    row: CaseRow,
    user: str,
    changes: dict[str, Any],
    now: dt.datetime,
    *,
    action: str = "update",
) -> None:
    """Change fields of a locked case row, bump its version, audit each changed field."""
    changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not changed:
        return
    label = format_case_id(row.id)
    audit: list[dict[str, Any]] = [
        {
            "case_id": row.id,
            "entity_type": "case",
            "entity_id": label,
            "action": action,
            "field": field,
            "before": getattr(row, field),
            "after": value,
        }
        for field, value in changed.items()
    ]
    old_version = row.version
    for field, value in changed.items():
        setattr(row, field, value)
    row.version = old_version + 1
    row.updated_at = now
    row.updated_by = user
    audit.append(
        {
            "case_id": row.id,
            "entity_type": "case",
            "entity_id": label,
            "action": action,
            "field": "version",
            "before": old_version,
            "after": row.version,
        }
    )
    s.flush()
    store.write_audit(s, audit, user=user, at=now)
