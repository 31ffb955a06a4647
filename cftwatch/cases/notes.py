"""Analysts' notes. Never edited: a correction is a new note that supersedes the old one,
which stays on record, so the log shows what was believed when."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cftwatch.cases.records import Note
from cftwatch.cases.rows import locked_case_row, require_user
from cftwatch.errors import InputError, NotFoundError, WorkflowError
from cftwatch.store import NoteRow, OperationalStore, format_case_id, utcnow


def add_note(
    store: OperationalStore,
    case_id: str | int,
    user: str,
    text: str,
    expected_version: int | None = None,
    *,
    corrects: int | None = None,
) -> Note:
    """Add a note. `corrects=NOTE_ID` records it as the correction of an earlier note
    (the earlier one stays, marked superseded). Notes do not change the case's version;
    `expected_version`, when given, is still checked."""
    require_user(user)
    if not text or not text.strip():
        raise InputError.at("a note needs text", field="text")
    with store.session() as s:
        row = locked_case_row(s, case_id, expected_version)
        corrected = None if corrects is None else _correctable(s, row.id, corrects)
        now = utcnow()
        note = NoteRow(
            case_id=row.id, text=text, supersedes_id=corrects, created_at=now, created_by=user
        )
        s.add(note)
        s.flush()
        store.write_audit(
            s,
            [
                {
                    "case_id": row.id,
                    "entity_type": "note",
                    "entity_id": str(note.id),
                    "action": "add" if corrected is None else "correct",
                    "field": "text",
                    "before": None
                    if corrected is None
                    else {"note_id": corrected.id, "text": corrected.text},
                    "after": {"note_id": note.id, "text": text},
                }
            ],
            user=user,
            at=now,
        )
        return Note.from_row(note, None)


def _correctable(s: Session, case_number: int, note_id: int) -> NoteRow:
    """The note to correct: on this case, and not already corrected by a later one."""
    old = s.get(NoteRow, note_id)
    if old is None or old.case_id != case_number:
        raise NotFoundError(f"no note {note_id} on {format_case_id(case_number)}")
    later = s.scalars(select(NoteRow.id).where(NoteRow.supersedes_id == note_id)).first()
    if later is not None:
        raise WorkflowError(
            f"note {note_id} was already corrected by note {later}; correct that one"
        )
    return old


def note_records(s: Session, number: int) -> list[Note]:
    """The case's notes, oldest first, each marked with the note that corrected it."""
    rows = list(s.scalars(select(NoteRow).where(NoteRow.case_id == number).order_by(NoteRow.id)))
    later = {r.supersedes_id: r.id for r in rows if r.supersedes_id is not None}
    return [Note.from_row(r, later.get(r.id)) for r in rows]
