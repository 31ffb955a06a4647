"""What screening needs from the judgement store, as a protocol: screening reuses analysts'
verdicts but does not store them (the operational store does; `cftwatch.app` wires it in)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, Protocol

__all__ = ["JudgementRecord", "JudgementStore", "Verdict", "suppressed_pairs"]

Verdict = Literal["true_match", "false_match"]
"""An analyst's verdict on a (party, list entity) pair (as the operational store checks it)."""


class JudgementRecord(Protocol):
    """One stored verdict, as screening reads it."""

    @property
    def party_key(self) -> str: ...

    @property
    def entity_id(self) -> str: ...

    @property
    def verdict(self) -> str: ...

    @property
    def entity_fingerprint(self) -> str: ...

    @property
    def user(self) -> str: ...


class JudgementStore(Protocol):
    """The two calls screening makes; `cftwatch.store.OperationalStore` provides them."""

    def latest_judgements(
        self, party_keys: Iterable[str]
    ) -> Mapping[tuple[str, str], JudgementRecord]:
        """The newest judgement per (party_key, entity_id) of these parties."""
        ...

    def record_judgement(
        self,
        party_key: str,
        entity_id: str,
        verdict: Verdict,
        user: str,
        entity_fingerprint: str,
        note: str | None = None,
    ) -> JudgementRecord:
        """Store a verdict tied to the entity's fingerprint; the previous one is superseded."""
        ...


def suppressed_pairs(
    judgements: JudgementStore, fingerprints: Mapping[str, str], party_keys: Iterable[str]
) -> dict[tuple[str, str], str]:
    """(party, entity) pairs an analyst marked false match, still valid for this entity state
    (`fingerprints`: entity id -> fingerprint screened now), each with the reason shown."""
    out = {}
    for (party, entity_id), judgement in judgements.latest_judgements(list(party_keys)).items():
        if judgement.verdict == "false_match" and judgement.entity_fingerprint == fingerprints.get(
            entity_id
        ):
            out[(party, entity_id)] = f"false match remembered ({judgement.user})"
    return out
