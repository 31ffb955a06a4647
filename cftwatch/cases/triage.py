"""Triage: alerts grouped by subject into open cases. Idempotent, so it can run after
every screening or monitoring run: an alert already in a case is skipped, new alerts for
a subject with an open case join it (raising its priority when more severe), and other
subjects get a new case."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cftwatch.cases import workflow
from cftwatch.cases.evidence import insert_evidence
from cftwatch.cases.fields import apply_changes
from cftwatch.cases.records import Case
from cftwatch.cases.rows import alert_counts, case_record, json_column_value, require_user
from cftwatch.errors import InputError, NotFoundError, Problem
from cftwatch.store import (
    CaseAlertRow,
    CaseRow,
    OperationalStore,
    format_case_id,
    in_chunks,
    utcnow,
)
from cftwatch.vocab import SEVERITIES, severity_rank

REQUIRED_ALERT_COLUMNS = ("alert_id", "source", "rule_id", "typology", "subject_type", "subject_id")
DEFAULT_DUE_DAYS: dict[str, int] = {"critical": 1, "high": 3, "medium": 7, "low": 14}
"""Days from triage to the due date, per priority (a review SLA; override per service)."""
_TRIAGE_LOCK = 0x0CF7_7A1E  # PostgreSQL advisory lock: one triage at a time
_CASE_FIELDS = (
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
"""A new case's fields, as its `create` audit row records them."""

Subject = tuple[str, str]
AlertRow = dict[str, Any]


def triage(
    store: OperationalStore, alerts: pa.Table, user: str, *, due_days: Mapping[str, int]
) -> list[Case]:
    """Group alerts by subject into open cases; returns the cases created or changed, in
    the order of their subjects' first alert."""
    require_user(user)
    rows = _alert_rows(alerts)
    with store.session() as s:
        if store.dialect == "postgresql":
            s.connection().exec_driver_sql(f"SELECT pg_advisory_xact_lock({_TRIAGE_LOCK})")
        groups = _new_alerts_by_subject(s, rows)
        now = utcnow()
        cases = _open_cases(s, list(groups))
        new_cases = {
            key: _new_case_row(user, now, group, due_days)
            for key, group in groups.items()
            if key not in cases
        }
        s.add_all(new_cases.values())
        s.flush()
        audit: list[dict[str, Any]] = [
            {
                "case_id": row.id,
                "entity_type": "case",
                "entity_id": format_case_id(row.id),
                "action": "create",
                "after": {k: getattr(row, k) for k in _CASE_FIELDS},
            }
            for row in new_cases.values()
        ]
        for key, row in cases.items():
            severity = _max_severity(groups[key])
            if severity_rank(severity) > severity_rank(row.priority):
                apply_changes(store, s, row, user, {"priority": severity}, now)
        cases.update(new_cases)
        alert_rows, alert_audit, evidence = _case_alerts(cases, groups, user, now)
        if alert_rows:
            s.execute(insert(CaseAlertRow), alert_rows)
        store.write_audit(s, audit + alert_audit, user=user, at=now)
        insert_evidence(
            store, s, user, now, evidence, new_cases={row.id for row in new_cases.values()}
        )
        counts = alert_counts(s, [cases[key].id for key in groups])
        return [Case.from_row(cases[key], counts.get(cases[key].id, 0)) for key in groups]


def triage_strongest(
    store: OperationalStore, alerts: pa.Table, user: str, *, due_days: Mapping[str, int]
) -> Case:
    """Open (or update) the case of the strongest alert's subject: the alert with the
    highest severity, then score, then number of transactions. All alerts on that
    subject join the case. For demos and for 'work the worst first' queues."""
    if alerts.num_rows == 0:
        raise NotFoundError("no alerts to open a case from")
    rows = alerts.to_pylist()
    best = max(
        rows,
        key=lambda r: (
            severity_rank(_severity(r)),
            _score(r) or 0.0,
            len(r.get("txn_ids") or []),  # evidence to report first
            str(r.get("alert_id")),  # then the same way on every run
        ),
    )
    subject = (best.get("subject_type"), best.get("subject_id"))
    mask = [(r.get("subject_type"), r.get("subject_id")) == subject for r in rows]
    triage(store, alerts.filter(pa.array(mask)), user, due_days=due_days)
    with store.session() as s:
        number = s.scalars(
            select(CaseAlertRow.case_id).where(CaseAlertRow.alert_id == str(best["alert_id"]))
        ).one()
        return case_record(s, s.get_one(CaseRow, number))


def _alert_rows(alerts: pa.Table) -> list[AlertRow]:
    """The alerts as JSON-safe rows, refused whole when a required column is missing or empty."""
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
    return rows


def _json_safe_row(row: dict[str, Any]) -> AlertRow:
    safe: AlertRow = json_column_value(row)
    for key in ("alert_id", "subject_type", "subject_id"):
        if safe.get(key) is not None:
            safe[key] = str(safe[key])
    return safe


def _new_alerts_by_subject(s: Session, rows: Sequence[AlertRow]) -> dict[Subject, list[AlertRow]]:
    """Alerts not yet in any case (nor repeated in `rows`), grouped by subject in order."""
    known = _existing_alert_ids(s, [r["alert_id"] for r in rows])
    groups: dict[Subject, list[AlertRow]] = {}
    for r in rows:
        if r["alert_id"] in known:
            continue
        known.add(r["alert_id"])
        groups.setdefault((r["subject_type"], r["subject_id"]), []).append(r)
    return groups


def _new_case_row(
    user: str, now: dt.datetime, group: Sequence[AlertRow], due_days: Mapping[str, int]
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
        due_date=now.date() + dt.timedelta(days=due_days[priority]),
        created_at=now,
        created_by=user,
        updated_at=now,
        updated_by=user,
        version=1,
    )


def _case_alerts(
    cases: Mapping[Subject, CaseRow],
    groups: Mapping[Subject, Sequence[AlertRow]],
    user: str,
    now: dt.datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The `case_alerts` rows, their audit rows and the evidence the alerts bring."""
    alert_rows: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
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
    return alert_rows, audit, evidence


def _alert_evidence(case_number: int, a: AlertRow) -> list[dict[str, Any]]:
    """Evidence an alert brings: its transactions, and for screening its match."""
    items: list[dict[str, Any]] = [
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


def _existing_alert_ids(s: Session, alert_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in in_chunks(list(dict.fromkeys(alert_ids))):
        found.update(
            s.scalars(select(CaseAlertRow.alert_id).where(CaseAlertRow.alert_id.in_(chunk)))
        )
    return found


def _open_cases(s: Session, subjects: Sequence[Subject]) -> dict[Subject, CaseRow]:
    """The newest open case of each subject that has one, locked for this transaction."""
    wanted = set(subjects)
    out: dict[Subject, CaseRow] = {}
    for chunk in in_chunks(sorted({sid for _, sid in subjects})):
        rows = s.scalars(
            select(CaseRow)
            .where(CaseRow.subject_id.in_(chunk), CaseRow.status.in_(workflow.OPEN_STATUSES))
            .order_by(CaseRow.id)
            .with_for_update()
        )
        for row in rows:
            key = (row.subject_type, row.subject_id)
            if key in wanted:
                out[key] = row  # ordered by id: the newest wins
    return out


def _severity(alert: Mapping[str, Any]) -> str:
    """The alert's severity, lower-cased; unknown or missing counts as medium."""
    sev = str(alert.get("severity") or "medium").lower()
    return sev if sev in SEVERITIES else "medium"


def _score(alert: Mapping[str, Any]) -> float | None:
    value = alert.get("score")
    return float(value) if isinstance(value, int | float) else None


def _max_severity(group: Sequence[AlertRow]) -> str:
    return max((_severity(a) for a in group), key=severity_rank)


def _parse_json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text
