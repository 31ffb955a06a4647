"""Session-level helpers every case operation shares: find (and lock) a case row, count
its alerts, read it as a `Case`, and make values fit a JSON column. They run inside the
caller's transaction, so an operation and its checks see one state."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cftwatch.cases.records import Case
from cftwatch.errors import ConflictError, InputError, NotFoundError
from cftwatch.jsontext import to_jsonable
from cftwatch.store import (
    CaseAlertRow,
    CaseRow,
    format_case_id,
    in_chunks,
    parse_case_id,
    valid_user_name,
)


def require_user(user: str) -> None:
    """Every change names who made it: the audit log has no anonymous rows."""
    if not isinstance(user, str) or not user.strip():
        raise InputError.at("every change needs a user", field="user", value=user)
    valid_user_name(user)


def case_row(s: Session, case_id: str | int) -> CaseRow:
    number = parse_case_id(case_id)
    row = s.get(CaseRow, number)
    if row is None:
        raise NotFoundError(f"no case {format_case_id(number)}")
    return row


def locked_case_row(s: Session, case_id: str | int, expected_version: int | None) -> CaseRow:
    """The case row, locked for this transaction, after checking the writer's version."""
    number = parse_case_id(case_id)
    row = s.scalars(select(CaseRow).where(CaseRow.id == number).with_for_update()).first()
    if row is None:
        raise NotFoundError(f"no case {format_case_id(number)}")
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(
            f"{format_case_id(number)} was changed by {row.updated_by} at "
            f"{row.updated_at:%Y-%m-%d %H:%M:%S} UTC (now version {row.version}, "
            f"you had version {expected_version}); reload it and try again"
        )
    return row


def alert_counts(s: Session, numbers: Sequence[int]) -> dict[int, int]:
    """How many alerts each of these cases holds (cases without any are left out)."""
    out: dict[int, int] = {}
    for chunk in in_chunks(list(dict.fromkeys(numbers))):
        rows = s.execute(
            select(CaseAlertRow.case_id, func.count())
            .where(CaseAlertRow.case_id.in_(chunk))
            .group_by(CaseAlertRow.case_id)
        )
        out.update({c: int(n) for c, n in rows})
    return out


def case_record(s: Session, row: CaseRow) -> Case:
    """The `Case` of a row, with its current alert count."""
    return Case.from_row(row, alert_counts(s, [row.id]).get(row.id, 0))


def json_column_value(value: Any) -> Any:
    """`value` for a JSON column: the project's encoder (money as decimal text, times as
    ISO 8601), with NaN and infinity as null, which JSON (and PostgreSQL's json) lack."""
    return _finite(to_jsonable(value))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
