"""Screening needs only the `JudgementStore` protocol: any object with its two calls will do."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cftwatch.screening.judgements import JudgementRecord, Verdict, suppressed_pairs


@dataclass(frozen=True)
class _Verdict:
    party_key: str
    entity_id: str
    verdict: str
    entity_fingerprint: str
    user: str


class _MemoryJudgements:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], _Verdict] = {}

    def latest_judgements(self, party_keys: Iterable[str]) -> Mapping[tuple[str, str], _Verdict]:
        keys = set(party_keys)
        return {k: v for k, v in self.rows.items() if k[0] in keys}

    def record_judgement(
        self,
        party_key: str,
        entity_id: str,
        verdict: Verdict,
        user: str,
        entity_fingerprint: str,
        note: str | None = None,
    ) -> JudgementRecord:
        row = _Verdict(party_key, entity_id, verdict, entity_fingerprint, user)
        self.rows[(party_key, entity_id)] = row
        return row


def test_only_false_matches_on_the_current_entity_state_are_suppressed() -> None:
    store = _MemoryJudgements()
    store.record_judgement("P1", "un:A", "false_match", "ann", "fp-a")
    store.record_judgement("P1", "un:B", "false_match", "ann", "fp-b-old")
    store.record_judgement("P2", "un:A", "true_match", "bob", "fp-a")
    store.record_judgement("P3", "un:A", "false_match", "cy", "fp-a")
    fingerprints = {"un:A": "fp-a", "un:B": "fp-b-new"}
    assert suppressed_pairs(store, fingerprints, ["P1", "P2"]) == {
        ("P1", "un:A"): "false match remembered (ann)"
    }
