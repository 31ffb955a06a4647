"""Verdicts on screening matches: which (party, list entity) pair a match on a case is,
and the analyst's true/false-match judgement on it, which screening then reuses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cftwatch.cases.records import Evidence
from cftwatch.cases.rows import case_row, require_user
from cftwatch.errors import InputError
from cftwatch.store import DecisionRow, Judgement, OperationalStore, Verdict


def match_keys(
    matches: Sequence[Evidence],
    entity_id: str,
    party_key: str | None = None,
    entity_fingerprint: str | None = None,
) -> tuple[str, str]:
    """Party key and entity fingerprint for a verdict on the match with `entity_id`: as
    given, else from its screening-match evidence (the alert's `details` JSON keys
    `party_key` and `entity_fingerprint`; the party defaults to the alert's subject)."""
    found = [m for m in matches if m.kind == "screening_match" and m.ref == entity_id]
    details: dict[str, Any] = {}
    subject_id: str | None = None
    if found:
        detail = found[0].detail or {}
        subject_id = detail.get("subject_id")
        inner = detail.get("details")
        if isinstance(inner, dict):
            details = inner
    party = party_key or details.get("party_key") or subject_id
    fingerprint = entity_fingerprint or details.get("entity_fingerprint")
    if not party:
        raise InputError.at(
            "no screening match for this entity on the case: pass --party",
            field="party",
            value=entity_id,
        )
    if not fingerprint:
        raise InputError.at(
            "the match evidence has no entity_fingerprint: pass --fingerprint",
            field="fingerprint",
            value=entity_id,
        )
    return str(party), str(fingerprint)


def decide_match(
    store: OperationalStore,
    case_id: str | int,
    user: str,
    party_key: str,
    entity_id: str,
    verdict: Verdict,
    entity_fingerprint: str,
    note: str | None = None,
) -> Judgement:
    """Record an analyst's true/false-match verdict on a screening match, with a decision
    on the case; screening reuses it while the list entry is unchanged."""
    require_user(user)
    with store.session() as s:
        number = case_row(s, case_id).id
        judgement = store.record_judgement(
            party_key, entity_id, verdict, user, entity_fingerprint, note, case_id=number, session=s
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
        store.write_audit(
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
