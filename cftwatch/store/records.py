"""Plain, immutable records that the store hands out (never live ORM objects), so callers
cannot change state behind the audit log's back and the values survive the session."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

from cftwatch.errors import NotFoundError

Verdict = Literal["true_match", "false_match"]
CASE_PREFIX = "CASE-"
_CASE_ID = re.compile(r"^(?:CASE-)?0*(\d{1,12})$", re.IGNORECASE)


def format_case_id(number: int) -> str:
    """`CASE-000042`: the id analysts see; the database keys on the number."""
    return f"{CASE_PREFIX}{number:06d}"


def parse_case_id(case_id: str | int) -> int:
    """Accepts `CASE-000042`, `case-42` or `42`."""
    if isinstance(case_id, int):
        return case_id
    match = _CASE_ID.match(case_id.strip())
    if not match:
        raise NotFoundError(f"no case {case_id!r} (case ids look like CASE-000042)")
    return int(match.group(1))


def _case_label(value: Any) -> Any:
    """A row's case number as the id analysts see; an id given as text stays as it is."""
    return format_case_id(value) if isinstance(value, int) else value


CaseId = Annotated[str, BeforeValidator(_case_label)]
"""`CASE-000042`, read from a row's case number (records are built with `model_validate(row)`)."""


class Record(BaseModel):
    """Base of the store's and the case domain's records: frozen, and built from an ORM row
    by attribute (`Model.model_validate(row)`), so no hand-written copier can drift."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Judgement(Record):
    """An analyst's verdict on one (party, list entity) pair. The newest per pair is the one
    screening reuses, and only while `entity_fingerprint` still matches the list entry."""

    party_key: str
    entity_id: str
    verdict: Verdict
    entity_fingerprint: str
    user: str
    created_at: dt.datetime
    note: str | None = None
    id: int | None = None
    case_id: CaseId | None = None
    supersedes_id: int | None = None


class AuditEntry(Record):
    """One line of the audit log. `before`/`after` are JSON text (None where there was none)."""

    id: int
    at: dt.datetime
    user: str
    case_id: CaseId | None
    entity_type: str
    entity_id: str
    action: str
    field: str | None
    before: str | None
    after: str | None
    actor: str | None = None
    """Who really made the change, when an admin acted as `user`."""


class ReportRecord(Record):
    """Metadata of a report file written for a case (the file itself lives where it was written)."""

    id: int
    case_id: CaseId
    file_sha256: str
    profile: str
    report_code: str | None
    path: str | None
    created_at: dt.datetime
    created_by: str
