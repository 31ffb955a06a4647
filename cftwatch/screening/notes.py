"""Notes added to a match's explanation about what was done to the query before matching."""

from __future__ import annotations

from dataclasses import replace

from cftwatch.screening.normalize import normalize_name
from cftwatch.screening.score import Feature
from cftwatch.screening.screener import Match

__all__ = ["with_query_notes"]


def with_query_notes(
    matches: list[Match], name: str, father_name: str | None = None, parsed_father: bool = False
) -> list[Match]:
    """`matches` with a zero-weight feature saying which invisible or look-alike characters
    were removed from the query, and that a father's name was read out of the name field."""
    notes: list[Feature] = []
    stripped = normalize_name(name).stripped
    if stripped:
        notes.append(Feature("characters", 0.0, "query cleaned: " + "; ".join(stripped)))
    if parsed_father and father_name:
        notes.append(
            Feature("kyc_father", 0.0, f"father's name {father_name} read from the name field")
        )
    if not notes:
        return matches
    return [replace(m, features=(*m.features, *notes)) for m in matches]
