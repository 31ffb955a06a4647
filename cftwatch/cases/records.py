"""Immutable records handed out by `CaseService` (and the bundle the reporting stage reads).

Each is read from its ORM row by attribute (`Model.model_validate(row)`); the row's case
number becomes the `CASE-000042` id through `CaseId`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import AliasChoices, Field

from cftwatch.store import CaseId, CaseRow, NoteRow, Record, ReportRecord


class Case(Record):
    """A case about one subject. `version` grows by one with every change to these fields;
    pass the version you saw as `expected_version` so a stale write is refused."""

    case_id: CaseId = Field(validation_alias=AliasChoices("case_id", "id"))
    subject_type: str
    subject_id: str
    subject_name: str | None
    title: str
    status: str
    priority: str
    assignee: str | None
    due_date: dt.date | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    version: int
    alert_count: int = 0

    @classmethod
    def from_row(cls, row: CaseRow, alert_count: int) -> Case:
        return cls.model_validate(row).model_copy(update={"alert_count": alert_count})


class CaseAlert(Record):
    """An alert in a case; `snapshot` is the alert row as it was when it joined."""

    case_id: CaseId
    alert_id: str
    source: str
    rule_id: str
    typology: str
    severity: str
    score: float | None
    snapshot: dict[str, Any]
    added_at: dt.datetime
    added_by: str


class Evidence(Record):
    """A transaction, a screening match (with its explanation) or a document on a case."""

    id: int
    case_id: CaseId
    kind: str
    ref: str
    alert_id: str | None
    explanation: str | None
    detail: dict[str, Any] | None
    added_at: dt.datetime
    added_by: str


class Note(Record):
    """A note. A correction is a new note whose `supersedes_id` names the one it replaces."""

    id: int
    case_id: CaseId
    text: str
    supersedes_id: int | None
    superseded_by_id: int | None = None
    created_at: dt.datetime
    created_by: str

    @classmethod
    def from_row(cls, row: NoteRow, superseded_by: int | None) -> Note:
        note = cls.model_validate(row)
        return (
            note
            if superseded_by is None
            else note.model_copy(update={"superseded_by_id": superseded_by})
        )


class Decision(Record):
    """A status transition (`kind="status"`) or a screening-match verdict (`kind="match"`)."""

    id: int
    case_id: CaseId
    kind: str
    from_status: str | None
    to_status: str | None
    party_key: str | None
    entity_id: str | None
    verdict: str | None
    reason: str | None
    created_at: dt.datetime
    created_by: str


class Subject(Record):
    subject_type: str
    subject_id: str
    subject_name: str | None


class CaseBundle(Record):
    """Everything the reporting stage needs about a case, read in one transaction."""

    case: Case
    subject: Subject
    alerts: list[CaseAlert]
    txn_ids: list[str]
    screening_matches: list[Evidence]
    evidence: list[Evidence]
    notes: list[Note]
    decisions: list[Decision]
    reports: list[ReportRecord]

    @property
    def current_notes(self) -> list[Note]:
        """Notes not corrected by a later one."""
        return [n for n in self.notes if n.superseded_by_id is None]
