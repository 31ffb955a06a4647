"""Name screening: find listed people and groups under any spelling, and say why.

`Screener` (pure: an entities Arrow table in, explained matches out) holds a blocking index
over list entities, built once per list version, and scores queries with explainable
features. The workspace runs (`screen_parties`, `screen_transactions`,
`rescreen_on_list_change`, `judge`) read the canonical `list_entities` view, write canonical
alerts (`source="screening"`) and keep stage-private hit history in `screening_hits`; they
take the analysts' judgements as a `JudgementStore` (`cftwatch.app.screening` wires the
operational store in).
"""

from __future__ import annotations

from cftwatch.screening.files import (
    NameQuery,
    read_name_mapping,
    read_name_queries,
    screen_file,
    screen_queries,
)
from cftwatch.screening.judgements import JudgementRecord, JudgementStore, Verdict
from cftwatch.screening.kyc import KycName, split_kyc_name
from cftwatch.screening.narrative import find_listed_names
from cftwatch.screening.normalize import NormalizedName, normalize_name, split_place_words
from cftwatch.screening.runs import (
    judge,
    rescreen_on_list_change,
    screen_name,
    screen_parties,
    screen_transactions,
)
from cftwatch.screening.score import DEFAULT_THRESHOLD, WEIGHTS, Feature
from cftwatch.screening.screener import Match, Screener, make_query, screen_narrative
from cftwatch.screening.tables import load_screener, read_list_entities

__all__ = [
    "DEFAULT_THRESHOLD",
    "WEIGHTS",
    "Feature",
    "JudgementRecord",
    "JudgementStore",
    "KycName",
    "Match",
    "NameQuery",
    "NormalizedName",
    "Screener",
    "Verdict",
    "find_listed_names",
    "judge",
    "load_screener",
    "make_query",
    "normalize_name",
    "read_list_entities",
    "read_name_mapping",
    "read_name_queries",
    "rescreen_on_list_change",
    "screen_file",
    "screen_name",
    "screen_narrative",
    "screen_parties",
    "screen_queries",
    "screen_transactions",
    "split_kyc_name",
    "split_place_words",
]
