"""Cases: alerts triaged by subject, a status workflow, notes, decisions and evidence, with
every change in the operational store's append-only audit log.

Concurrency: every change to a case's own fields (status, assignee, priority, due date)
names the `expected_version` the writer saw. The row is locked (PostgreSQL
`SELECT ... FOR UPDATE`; SQLite `BEGIN IMMEDIATE`) and its version compared; a stale
version raises `ConflictError` and nothing is written. Notes, evidence and match
verdicts are appended, never overwritten, so they cannot be lost to a race.
"""

from __future__ import annotations

import builtins
import datetime as dt
import decimal
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from cftwatch.cases import workflow
from cftwatch.cases.records import (
    Case,
    CaseAlert,
    CaseBundle,
    Decision,
    Evidence,
    Note,
    Subject,
)
from cftwatch.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    Problem,
    WorkflowError,
)
from cftwatch.store import OperationalStore, format_case_id, parse_case_id, utcnow
from cftwatch.store.models import (
    EVIDENCE_KINDS,
    PRIORITIES,
    CaseAlertRow,
    CaseRow,
    DecisionRow,
    EvidenceRow,
    NoteRow,
    ReportRow,
)
from cftwatch.store.records import AuditEntry, Judgement, Verdict
from cftwatch.store.store import report_record

REQUIRED_ALERT_COLUMNS = ("alert_id", "source", "rule_id", "typology", "subject_type", "subject_id")
SEVERITY_RANK = {p: i for i, p in enumerate(PRIORITIES)}
DEFAULT_DUE_DAYS: dict[str, int] = {"critical": 1, "high": 3, "medium": 7, "low": 14}
"""Days from triage to the due date, per priority (a review SLA; override per service)."""
_TRIAGE_LOCK = 0x0CF7_7A1E  # PostgreSQL advisory lock: one triage at a time
_IN_CHUNK = 500


class CaseService:
    """Case management on an `OperationalStore`.

    `supervisors`: users allowed to make supervisor transitions (escalated → reported,
    escalated → closed_no_action, escalated → in_review, reopen). None (the default) means
    a single-team setup where every user may make them; the audit log still says who did.
    """

    def __init__(
        self,
        store: OperationalStore,
        *,
        supervisors: Iterable[str] | None = None,
        due_days: dict[str, int] | None = None,
    ) -> None:
        self.store = store
        self.supervisors = None if supervisors is None else frozenset(supervisors)
        self.due_days = {**DEFAULT_DUE_DAYS, **(due_days or {})}

    # -- triage ----------------------------------------------------------------------

    def triage(self, alerts: pa.Table, user: str) -> builtins.list[Case]:
        """Group alerts by subject into open cases. Idempotent: an alert already in a case
        is skipped; new alerts for a subject with an open case join that case (raising its
        priority if they are more severe); other subjects get a new case. Returns the
        cases created or changed, in the order of their subjects' first alert."""
        _require_user(user)
        missing = [c for c in REQUIRED_ALERT_COLUMNS if c not in alerts.column_names]
        if missing:
            raise InputError(
                [Problem("alerts table lacks a required column", field=c) for c in missing]
            )
        rows = [_json_safe_row(r) for r in alerts.to_pylist()]
        problems = [
            Problem("must not be empty", record=i + 1, field=c, value=r.get(c))
            for i, r in enumerate(rows)
            for c in REQUIRED_ALERT_COLUMNS
            if not r.get(c)
        ]
        if problems:
            raise InputError(problems)
        with self.store.session() as s:
            if self.store.dialect == "postgresql":
                s.connection().exec_driver_sql(f"SELECT pg_advisory_xact_lock({_TRIAGE_LOCK})")
            known = _existing_alert_ids(s, [r["alert_id"] for r in rows])
            groups: dict[tuple[str, str], builtins.list[dict[str, Any]]] = {}
            for r in rows:
                if r["alert_id"] in known:
                    continue
                known.add(r["alert_id"])
                groups.setdefault((r["subject_type"], r["subject_id"]), []).append(r)
            now = utcnow()
            cases = _open_cases(s, builtins.list(groups))
            new_cases = {
                key: self._new_case_row(user, now, group)
                for key, group in groups.items()
                if key not in cases
            }
            s.add_all(new_cases.values())
            s.flush()
            audit: builtins.list[dict[str, Any]] = [
                {
                    "case_id": row.id,
                    "entity_type": "case",
                    "entity_id": format_case_id(row.id),
                    "action": "create",
                    "after": _case_fields(row),
                }
                for row in new_cases.values()
            ]
            for key, row in cases.items():
                self._raise_priority(s, row, user, now, groups[key])
            cases.update(new_cases)
            alert_rows: builtins.list[dict[str, Any]] = []
            evidence: builtins.list[dict[str, Any]] = []
            for key, group in groups.items():
                number = cases[key].id
                for a in group:
                    alert_rows.append(
                        {
                            "case_id": number,
                            "alert_id": a["alert_id"],
                            "source": a["source"],
                            "rule_id": a["rule_id"],
                            "typology": a["typology"],
                            "severity": _severity(a),
                            "score": _score(a),
                            "snapshot": a,
                            "added_at": now,
                            "added_by": user,
                        }
                    )
                    audit.append(
                        {
                            "case_id": number,
                            "entity_type": "case_alert",
                            "entity_id": a["alert_id"],
                            "action": "add",
                            "after": {
                                k: a.get(k)
                                for k in ("alert_id", "rule_id", "typology", "severity", "score")
                            },
                        }
                    )
                    evidence.extend(_alert_evidence(number, a))
            if alert_rows:
                s.execute(insert(CaseAlertRow), alert_rows)
            self.store.write_audit(s, audit, user=user, at=now)
            self._insert_evidence(
                s, user, now, evidence, new_cases={row.id for row in new_cases.values()}
            )
            touched = [cases[key].id for key in groups]
            counts = _alert_counts(s, touched)
            return [_case_record(cases[key], counts.get(cases[key].id, 0)) for key in groups]

    def triage_strongest(self, alerts: pa.Table, user: str) -> Case:
        """Open (or update) the case of the strongest alert's subject: the alert with the
        highest severity, then score, then number of transactions. All alerts on that
        subject join the case. For demos and for 'work the worst first' queues."""
        if alerts.num_rows == 0:
            raise NotFoundError("no alerts to open a case from")
        rows = alerts.to_pylist()
        best = max(
            rows,
            key=lambda r: (
                SEVERITY_RANK.get(str(r.get("severity")).lower(), 1),
                _score(r) or 0.0,
                len(r.get("txn_ids") or []),  # evidence to report first
                str(r.get("alert_id")),  # then the same way on every run
            ),
        )
        subject = (best.get("subject_type"), best.get("subject_id"))
        mask = [(r.get("subject_type"), r.get("subject_id")) == subject for r in rows]
        self.triage(alerts.filter(pa.array(mask)), user)
        with self.store.session() as s:
            number = s.scalars(
                select(CaseAlertRow.case_id).where(CaseAlertRow.alert_id == str(best["alert_id"]))
            ).one()
            return _case_record(s.get_one(CaseRow, number), _alert_counts(s, [number])[number])

    def _new_case_row(
        self, user: str, now: dt.datetime, group: Sequence[dict[str, Any]]
    ) -> CaseRow:
        priority = _max_severity(group)
        first = group[0]
        name = next((a.get("subject_name") for a in group if a.get("subject_name")), None)
        typologies = sorted({a["typology"] for a in group})
        return CaseRow(
            subject_type=first["subject_type"],
            subject_id=first["subject_id"],
            subject_name=name,
            title=f"{name or first['subject_id']}: {', '.join(typologies)}"[:400],
            status="new",
            priority=priority,
            assignee=None,
            due_date=now.date() + dt.timedelta(days=self.due_days[priority]),
            created_at=now,
            created_by=user,
            updated_at=now,
            updated_by=user,
            version=1,
        )

    def _raise_priority(
        self,
        s: Session,
        row: CaseRow,
        user: str,
        now: dt.datetime,
        group: Sequence[dict[str, Any]],
    ) -> None:
        severity = _max_severity(group)
        if SEVERITY_RANK[severity] > SEVERITY_RANK[row.priority]:
            self._apply(s, row, user, {"priority": severity}, now)

    def _insert_evidence(
        self,
        s: Session,
        user: str,
        now: dt.datetime,
        items: Sequence[dict[str, Any]],
        *,
        new_cases: set[int] | frozenset[int] = frozenset(),
    ) -> int:
        """Insert evidence items (each names its `case_id`) not already on their case
        (same kind and ref), in bulk, and audit each one. Returns how many were new."""
        existing = _existing_evidence(s, {i["case_id"] for i in items} - set(new_cases))
        rows: builtins.list[dict[str, Any]] = []
        for item in items:
            key = (item["case_id"], item["kind"], str(item["ref"]))
            if key in existing:
                continue
            existing.add(key)
            rows.append(
                {
                    "case_id": item["case_id"],
                    "kind": item["kind"],
                    "ref": str(item["ref"]),
                    "alert_id": item.get("alert_id"),
                    "explanation": item.get("explanation"),
                    "detail": item.get("detail"),
                    "added_at": now,
                    "added_by": user,
                }
            )
        if not rows:
            return 0
        ids = s.scalars(
            insert(EvidenceRow).returning(EvidenceRow.id, sort_by_parameter_order=True), rows
        ).all()
        self.store.write_audit(
            s,
            [
                {
                    "case_id": r["case_id"],
                    "entity_type": "evidence",
                    "entity_id": str(evidence_id),
                    "action": "add",
                    "after": {"kind": r["kind"], "ref": r["ref"], "alert_id": r["alert_id"]},
                }
                for evidence_id, r in zip(ids, rows, strict=True)
            ],
            user=user,
            at=now,
        )
        return len(rows)

    # -- reading ---------------------------------------------------------------------

    def get(self, case_id: str | int) -> Case:
        with self.store.session(readonly=True) as s:
            row = _case_row(s, case_id)
            return _case_record(row, _alert_counts(s, [row.id]).get(row.id, 0))

    def list(self, status: str | None = None, assignee: str | None = None) -> builtins.list[Case]:
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
        with self.store.session(readonly=True) as s:
            rows = builtins.list(s.scalars(stmt))
            counts = _alert_counts(s, [r.id for r in rows])
            return [_case_record(r, counts.get(r.id, 0)) for r in rows]

    def alerts(self, case_id: str | int) -> builtins.list[CaseAlert]:
        with self.store.session(readonly=True) as s:
            return _alerts(s, _case_row(s, case_id).id)

    def evidence(self, case_id: str | int, kind: str | None = None) -> builtins.list[Evidence]:
        with self.store.session(readonly=True) as s:
            return _evidence(s, _case_row(s, case_id).id, kind)

    def notes(self, case_id: str | int) -> builtins.list[Note]:
        with self.store.session(readonly=True) as s:
            return _notes(s, _case_row(s, case_id).id)

    def decisions(self, case_id: str | int) -> builtins.list[Decision]:
        with self.store.session(readonly=True) as s:
            return _decisions(s, _case_row(s, case_id).id)

    def history(self, case_id: str | int) -> builtins.list[AuditEntry]:
        """The case's audit log, oldest first: every change with who, when, before, after."""
        case = self.get(case_id)  # NotFoundError for an unknown case
        return self.store.audit_entries(case_id=case.case_id)

    def case_bundle(self, case_id: str | int) -> CaseBundle:
        """The case, its subject, alerts, transaction ids, matches, notes, decisions and
        reports, read in one transaction (a consistent picture for a report)."""
        with self.store.session(readonly=True) as s:
            row = _case_row(s, case_id)
            evidence = _evidence(s, row.id, None)
            alerts = _alerts(s, row.id)
            return CaseBundle(
                case=_case_record(row, len(alerts)),
                subject=Subject(
                    subject_type=row.subject_type,
                    subject_id=row.subject_id,
                    subject_name=row.subject_name,
                ),
                alerts=alerts,
                txn_ids=[e.ref for e in evidence if e.kind == "transaction"],
                screening_matches=[e for e in evidence if e.kind == "screening_match"],
                evidence=evidence,
                notes=_notes(s, row.id),
                decisions=_decisions(s, row.id),
                reports=[
                    report_record(r)
                    for r in s.scalars(
                        select(ReportRow).where(ReportRow.case_id == row.id).order_by(ReportRow.id)
                    )
                ],
            )

    # -- changing a case's fields (versioned) ----------------------------------------

    def assign(
        self, case_id: str | int, user: str, assignee: str | None, expected_version: int | None
    ) -> Case:
        """Give the case to `assignee` (None to unassign)."""
        if assignee is not None and not assignee.strip():
            raise InputError.at("assignee must not be empty", field="assignee", value=assignee)
        return self._update(case_id, user, expected_version, {"assignee": assignee})

    def set_priority(
        self, case_id: str | int, user: str, priority: str, expected_version: int | None
    ) -> Case:
        if priority not in PRIORITIES:
            raise InputError.at(
                f"priority must be one of {', '.join(PRIORITIES)}",
                field="priority",
                value=priority,
            )
        return self._update(case_id, user, expected_version, {"priority": priority})

    def set_due(
        self,
        case_id: str | int,
        user: str,
        due_date: dt.date | None,
        expected_version: int | None,
    ) -> Case:
        if due_date is not None and not isinstance(due_date, dt.date):
            raise InputError.at("due date must be a date", field="due_date", value=due_date)
        return self._update(case_id, user, expected_version, {"due_date": due_date})

    def transition(
        self,
        case_id: str | int,
        user: str,
        to_status: str,
        reason: str,
        expected_version: int | None,
    ) -> Case:
        """Move the case along the workflow (see `cftwatch.cases.workflow`), with a reason.
        A transition the workflow does not allow raises `WorkflowError`."""
        return self._move(case_id, user, to_status, reason, expected_version, reopen=False)

    def reopen(
        self, case_id: str | int, user: str, reason: str, expected_version: int | None
    ) -> Case:
        """Supervisor action: take a reported or closed case back to in_review."""
        return self._move(case_id, user, workflow.REOPEN_TO, reason, expected_version, reopen=True)

    def _move(
        self,
        case_id: str | int,
        user: str,
        to_status: str,
        reason: str,
        expected_version: int | None,
        *,
        reopen: bool,
    ) -> Case:
        _require_user(user)
        if to_status not in workflow.STATUSES:
            raise InputError.at(
                f"unknown status (choose {', '.join(workflow.STATUSES)})",
                field="status",
                value=to_status,
            )
        if not reason or not reason.strip():
            raise InputError.at("a reason is required for every decision", field="reason")
        with self.store.session() as s:
            row = self._locked(s, case_id, expected_version)
            current = row.status
            label = format_case_id(row.id)
            if reopen:
                if current not in workflow.TERMINAL_STATUSES:
                    raise WorkflowError(
                        f"{label} is {current}, not reported or closed: nothing to reopen"
                    )
                role: str | None = workflow.REOPEN_ROLE
            else:
                role = workflow.required_role(current, to_status)
                if role is None:
                    raise WorkflowError(_refusal(label, current, to_status))
            if (
                role == "supervisor"
                and self.supervisors is not None
                and user not in self.supervisors
            ):
                what = "reopen" if reopen else f"{current} → {to_status}"
                raise WorkflowError(f"{label}: {what} is a supervisor decision; {user} is not one")
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
            self._apply(
                s,
                row,
                user,
                {"status": to_status},
                now,
                action="reopen" if reopen else "transition",
            )
            self.store.write_audit(
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
            return _case_record(row, _alert_counts(s, [row.id]).get(row.id, 0))

    def _update(
        self,
        case_id: str | int,
        user: str,
        expected_version: int | None,
        changes: dict[str, Any],
    ) -> Case:
        _require_user(user)
        with self.store.session() as s:
            row = self._locked(s, case_id, expected_version)
            self._apply(s, row, user, changes, utcnow())
            return _case_record(row, _alert_counts(s, [row.id]).get(row.id, 0))

    def _locked(self, s: Session, case_id: str | int, expected_version: int | None) -> CaseRow:
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

    def _apply(
        self,
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
        audit = [
            {
                "case_id": row.id,
                "entity_type": "case",
                "entity_id": format_case_id(row.id),
                "action": action,
                "field": field,
                "before": _plain(getattr(row, field)),
                "after": _plain(value),
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
                "entity_id": format_case_id(row.id),
                "action": action,
                "field": "version",
                "before": old_version,
                "after": row.version,
            }
        )
        s.flush()
        self.store.write_audit(s, audit, user=user, at=now)

    # -- appended things: notes, evidence, match verdicts ----------------------------

    def note(
        self,
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
        _require_user(user)
        if not text or not text.strip():
            raise InputError.at("a note needs text", field="text")
        with self.store.session() as s:
            row = self._locked(s, case_id, expected_version)
            if corrects is not None:
                old = s.get(NoteRow, corrects)
                if old is None or old.case_id != row.id:
                    raise NotFoundError(f"no note {corrects} on {format_case_id(row.id)}")
                later = s.scalars(
                    select(NoteRow.id).where(NoteRow.supersedes_id == corrects)
                ).first()
                if later is not None:
                    raise WorkflowError(
                        f"note {corrects} was already corrected by note {later}; correct that one"
                    )
            now = utcnow()
            note = NoteRow(
                case_id=row.id,
                text=text,
                supersedes_id=corrects,
                created_at=now,
                created_by=user,
            )
            s.add(note)
            s.flush()
            self.store.write_audit(
                s,
                [
                    {
                        "case_id": row.id,
                        "entity_type": "note",
                        "entity_id": str(note.id),
                        "action": "correct" if corrects is not None else "add",
                        "field": "text",
                        "before": None
                        if corrects is None
                        else {"note_id": corrects, "text": s.get_one(NoteRow, corrects).text},
                        "after": {"note_id": note.id, "text": text},
                    }
                ],
                user=user,
                at=now,
            )
            return _note_record(note, None)

    def add_evidence(
        self,
        case_id: str | int,
        user: str,
        kind: str,
        ref: str,
        *,
        explanation: str | None = None,
        detail: dict[str, Any] | None = None,
        alert_id: str | None = None,
    ) -> Evidence:
        """Attach evidence; adding the same (kind, ref) twice returns the existing row."""
        _require_user(user)
        if kind not in EVIDENCE_KINDS:
            raise InputError.at(
                f"evidence kind must be one of {', '.join(EVIDENCE_KINDS)}",
                field="kind",
                value=kind,
            )
        if not ref or not str(ref).strip():
            raise InputError.at("evidence needs a reference", field="ref")
        with self.store.session() as s:
            number = _case_row(s, case_id).id
            self._insert_evidence(
                s,
                user,
                utcnow(),
                [
                    {
                        "case_id": number,
                        "kind": kind,
                        "ref": ref,
                        "explanation": explanation,
                        "detail": _json_safe(detail) if detail is not None else None,
                        "alert_id": alert_id,
                    }
                ],
            )
            row = s.scalars(
                select(EvidenceRow).where(
                    EvidenceRow.case_id == number, EvidenceRow.kind == kind, EvidenceRow.ref == ref
                )
            ).one()
            return _evidence_record(row)

    def add_transactions(self, case_id: str | int, user: str, txn_ids: Iterable[str]) -> int:
        """Attach many transactions at once (those already on the case are skipped);
        returns how many were added."""
        _require_user(user)
        with self.store.session() as s:
            number = _case_row(s, case_id).id
            return self._insert_evidence(
                s,
                user,
                utcnow(),
                [{"case_id": number, "kind": "transaction", "ref": t} for t in txn_ids if t],
            )

    def decide_match(
        self,
        case_id: str | int,
        user: str,
        party_key: str,
        entity_id: str,
        verdict: Verdict,
        entity_fingerprint: str,
        note: str | None = None,
    ) -> Judgement:
        """Record an analyst's true/false-match verdict on a screening match; screening
        reuses it (`OperationalStore.latest_judgements`) while the list entry is unchanged."""
        _require_user(user)
        with self.store.session() as s:
            number = _case_row(s, case_id).id
            judgement = self.store.record_judgement(
                party_key,
                entity_id,
                verdict,
                user,
                entity_fingerprint,
                note,
                case_id=number,
                session=s,
            )
            decision = DecisionRow(
                case_id=number,
                kind="match",
                party_key=party_key,
                entity_id=entity_id,
                verdict=verdict,
                reason=note,
                created_at=judgement.created_at,
                created_by=user,
            )
            s.add(decision)
            s.flush()
            self.store.write_audit(
                s,
                [
                    {
                        "case_id": number,
                        "entity_type": "decision",
                        "entity_id": str(decision.id),
                        "action": "decide",
                        "field": "verdict",
                        "after": {
                            "party_key": party_key,
                            "entity_id": entity_id,
                            "verdict": verdict,
                            "judgement_id": judgement.id,
                        },
                    }
                ],
                user=user,
                at=judgement.created_at,
            )
            return judgement


# -- helpers ---------------------------------------------------------------------------


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


def _require_user(user: str) -> None:
    if not isinstance(user, str) or not user.strip():
        raise InputError.at("every change needs a user", field="user", value=user)


def _severity(alert: dict[str, Any]) -> str:
    sev = str(alert.get("severity") or "medium").lower()
    return sev if sev in SEVERITY_RANK else "medium"


def _score(alert: dict[str, Any]) -> float | None:
    value = alert.get("score")
    return float(value) if isinstance(value, int | float) else None


def _max_severity(group: Sequence[dict[str, Any]]) -> str:
    return max((_severity(a) for a in group), key=SEVERITY_RANK.__getitem__)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON (and PostgreSQL json) has no NaN or infinity
    return value


def _json_safe_row(row: dict[str, Any]) -> dict[str, Any]:
    safe = _json_safe(row)
    for key in ("alert_id", "subject_type", "subject_id"):
        if safe.get(key) is not None:
            safe[key] = str(safe[key])
    return safe


def _parse_json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _case_fields(row: CaseRow) -> dict[str, Any]:
    return {
        k: _plain(getattr(row, k))
        for k in (
            "subject_type",
            "subject_id",
            "subject_name",
            "title",
            "status",
            "priority",
            "assignee",
            "due_date",
            "version",
        )
    }


def _existing_alert_ids(s: Session, alert_ids: Sequence[str]) -> set[str]:
    ids = builtins.list(dict.fromkeys(alert_ids))
    found: set[str] = set()
    for i in range(0, len(ids), _IN_CHUNK):
        chunk = ids[i : i + _IN_CHUNK]
        found.update(
            s.scalars(select(CaseAlertRow.alert_id).where(CaseAlertRow.alert_id.in_(chunk)))
        )
    return found


def _existing_evidence(s: Session, case_numbers: set[int]) -> set[tuple[int, str, str]]:
    out: set[tuple[int, str, str]] = set()
    ids = sorted(case_numbers)
    for i in range(0, len(ids), _IN_CHUNK):
        rows = s.execute(
            select(EvidenceRow.case_id, EvidenceRow.kind, EvidenceRow.ref).where(
                EvidenceRow.case_id.in_(ids[i : i + _IN_CHUNK])
            )
        )
        out.update((c, k, r) for c, k, r in rows)
    return out


def _open_cases(s: Session, subjects: Sequence[tuple[str, str]]) -> dict[tuple[str, str], CaseRow]:
    """The newest open case of each subject that has one, locked for this transaction."""
    wanted = set(subjects)
    ids = sorted({sid for _, sid in subjects})
    out: dict[tuple[str, str], CaseRow] = {}
    for i in range(0, len(ids), _IN_CHUNK):
        rows = s.scalars(
            select(CaseRow)
            .where(
                CaseRow.subject_id.in_(ids[i : i + _IN_CHUNK]),
                CaseRow.status.in_(workflow.OPEN_STATUSES),
            )
            .order_by(CaseRow.id)
            .with_for_update()
        )
        for row in rows:
            key = (row.subject_type, row.subject_id)
            if key in wanted:
                out[key] = row  # ordered by id: the newest wins
    return out


def _alert_evidence(case_number: int, a: dict[str, Any]) -> builtins.list[dict[str, Any]]:
    """Evidence an alert brings: its transactions, and for screening its match."""
    items: builtins.list[dict[str, Any]] = [
        {"case_id": case_number, "kind": "transaction", "ref": t, "alert_id": a["alert_id"]}
        for t in a.get("txn_ids") or []
        if t
    ]
    if a.get("entity_id"):
        items.append(
            {
                "case_id": case_number,
                "kind": "screening_match",
                "ref": a["entity_id"],
                "alert_id": a["alert_id"],
                "explanation": a.get("explanation"),
                "detail": {
                    "score": _score(a),
                    "subject_type": a["subject_type"],
                    "subject_id": a["subject_id"],
                    "subject_name": a.get("subject_name"),
                    "details": _parse_json(a.get("details")),
                },
            }
        )
    return items


def _alert_counts(s: Session, numbers: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    ids = builtins.list(dict.fromkeys(numbers))
    for i in range(0, len(ids), _IN_CHUNK):
        rows = s.execute(
            select(CaseAlertRow.case_id, func.count())
            .where(CaseAlertRow.case_id.in_(ids[i : i + _IN_CHUNK]))
            .group_by(CaseAlertRow.case_id)
        )
        out.update({c: int(n) for c, n in rows})
    return out


def _case_row(s: Session, case_id: str | int) -> CaseRow:
    number = parse_case_id(case_id)
    row = s.get(CaseRow, number)
    if row is None:
        raise NotFoundError(f"no case {format_case_id(number)}")
    return row


def _case_record(row: CaseRow, alert_count: int) -> Case:
    return Case(
        case_id=format_case_id(row.id),
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        subject_name=row.subject_name,
        title=row.title,
        status=row.status,
        priority=row.priority,
        assignee=row.assignee,
        due_date=row.due_date,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        version=row.version,
        alert_count=alert_count,
    )


def _alerts(s: Session, number: int) -> builtins.list[CaseAlert]:
    rows = s.scalars(
        select(CaseAlertRow).where(CaseAlertRow.case_id == number).order_by(CaseAlertRow.id)
    )
    return [
        CaseAlert(
            case_id=format_case_id(number),
            alert_id=r.alert_id,
            source=r.source,
            rule_id=r.rule_id,
            typology=r.typology,
            severity=r.severity,
            score=r.score,
            snapshot=r.snapshot,
            added_at=r.added_at,
            added_by=r.added_by,
        )
        for r in rows
    ]


def _evidence_record(r: EvidenceRow) -> Evidence:
    return Evidence(
        id=r.id,
        case_id=format_case_id(r.case_id),
        kind=r.kind,
        ref=r.ref,
        alert_id=r.alert_id,
        explanation=r.explanation,
        detail=r.detail,
        added_at=r.added_at,
        added_by=r.added_by,
    )


def _evidence(s: Session, number: int, kind: str | None) -> builtins.list[Evidence]:
    stmt = select(EvidenceRow).where(EvidenceRow.case_id == number).order_by(EvidenceRow.id)
    if kind is not None:
        stmt = stmt.where(EvidenceRow.kind == kind)
    return [_evidence_record(r) for r in s.scalars(stmt)]


def _note_record(r: NoteRow, superseded_by: int | None) -> Note:
    return Note(
        id=r.id,
        case_id=format_case_id(r.case_id),
        text=r.text,
        supersedes_id=r.supersedes_id,
        superseded_by_id=superseded_by,
        created_at=r.created_at,
        created_by=r.created_by,
    )


def _notes(s: Session, number: int) -> builtins.list[Note]:
    rows = builtins.list(
        s.scalars(select(NoteRow).where(NoteRow.case_id == number).order_by(NoteRow.id))
    )
    later = {r.supersedes_id: r.id for r in rows if r.supersedes_id is not None}
    return [_note_record(r, later.get(r.id)) for r in rows]


def _decisions(s: Session, number: int) -> builtins.list[Decision]:
    rows = s.scalars(
        select(DecisionRow).where(DecisionRow.case_id == number).order_by(DecisionRow.id)
    )
    return [
        Decision(
            id=r.id,
            case_id=format_case_id(r.case_id),
            kind=r.kind,
            from_status=r.from_status,
            to_status=r.to_status,
            party_key=r.party_key,
            entity_id=r.entity_id,
            verdict=r.verdict,
            reason=r.reason,
            created_at=r.created_at,
            created_by=r.created_by,
        )
        for r in rows
    ]
