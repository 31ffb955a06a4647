"""Name screening: find listed people and groups under any spelling, and say why.

`Screener` holds a blocking index over list entities (built once per list version) and scores
queries with explainable features. Workspace-level functions write canonical alerts
(`source="screening"`) and keep stage-private hit history in `screening_hits`.
"""

from __future__ import annotations

from cftwatch.screening.normalize import NormalizedName, normalize_name
from cftwatch.screening.score import DEFAULT_THRESHOLD, WEIGHTS, Feature
from cftwatch.screening.screener import (
    Match,
    Screener,
    judge,
    rescreen_on_list_change,
    screen_name,
    screen_narrative,
    screen_parties,
    screen_transactions,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "WEIGHTS",
    "Feature",
    "Match",
    "NormalizedName",
    "Screener",
    "judge",
    "normalize_name",
    "rescreen_on_list_change",
    "screen_name",
    "screen_narrative",
    "screen_parties",
    "screen_transactions",
]
