"""Evidence on a case: transactions, screening matches and documents. Appended, never
overwritten, and unique per (case, kind, ref), so re-adding an item is harmless."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence, Set
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cftwatch.cases.records import Evidence
from cftwatch.cases.rows import case_row, json_column_value, require_user
from cftwatch.errors import InputError
from cftwatch.store import EVIDENCE_KINDS, EvidenceRow, OperationalStore, in_chunks, utcnow


def add_evidence(
    store: OperationalStore,
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
    require_user(user)
    if kind not in EVIDENCE_KINDS:
        raise InputError.at(
            f"evidence kind must be one of {', '.join(EVIDENCE_KINDS)}",
            field="kind",
            value=kind,
        )
    if not ref or not str(ref).strip():
        raise InputError.at("evidence needs a reference", field="ref")
    with store.session() as s:
        number = case_row(s, case_id).id
        item = {
            "case_id": number,
            "kind": kind,
            "ref": ref,
            "explanation": explanation,
            "detail": json_column_value(detail) if detail is not None else None,
            "alert_id": alert_id,
        }
        insert_evidence(store, s, user, utcnow(), [item])
        row = s.scalars(
            select(EvidenceRow).where(
                EvidenceRow.case_id == number, EvidenceRow.kind == kind, EvidenceRow.ref == ref
            )
        ).one()
        return Evidence.model_validate(row)


def add_transactions(
    store: OperationalStore, case_id: str | int, user: str, txn_ids: Iterable[str]
) -> int:
    """Attach many transactions at once (those already on the case are skipped);
    returns how many were added."""
    require_user(user)
    with store.session() as s:
        number = case_row(s, case_id).id
        items = [{"case_id": number, "kind": "transaction", "ref": t} for t in txn_ids if t]
        return insert_evidence(store, s, user, utcnow(), items)


def insert_evidence(
    store: OperationalStore,
    s: Session,
    user: str,
    now: dt.datetime,
    items: Sequence[dict[str, Any]],
    *,
    new_cases: Set[int] = frozenset(),
) -> int:
    """Insert evidence items (each names its `case_id`) not already on their case
    (same kind and ref), in bulk, and audit each one. Returns how many were new.
    `new_cases`: cases created in this transaction, which hold nothing yet."""
    existing = _existing_evidence(s, {i["case_id"] for i in items} - set(new_cases))
    rows: list[dict[str, Any]] = []
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
    store.write_audit(
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


def _existing_evidence(s: Session, case_numbers: set[int]) -> set[tuple[int, str, str]]:
    out: set[tuple[int, str, str]] = set()
    for chunk in in_chunks(sorted(case_numbers)):
        rows = s.execute(
            select(EvidenceRow.case_id, EvidenceRow.kind, EvidenceRow.ref).where(
                EvidenceRow.case_id.in_(chunk)
            )
        )
        out.update((c, k, r) for c, k, r in rows)
    return out


def evidence_records(s: Session, number: int, kind: str | None = None) -> list[Evidence]:
    """The case's evidence (of one kind, when given), oldest first."""
    stmt = select(EvidenceRow).where(EvidenceRow.case_id == number).order_by(EvidenceRow.id)
    if kind is not None:
        stmt = stmt.where(EvidenceRow.kind == kind)
    return [Evidence.model_validate(r) for r in s.scalars(stmt)]
