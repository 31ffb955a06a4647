"""The batch fast paths give what the one-at-a-time paths give (issue 17C: speed only)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cftwatch.screening import NameQuery, Screener, make_query, screen_queries
from cftwatch.screening import files as screening_files
from cftwatch.screening.index import MAX_GRAM_POSTING, MAX_POSTING, NameIndex, name_keys
from cftwatch.screening.normalize import normalize_name

NAMES = [
    "Masood Azhar",
    "Mohammad Masud Azhar",
    "Ayesha Bibi",
    "Hafiz Muhammad Saeed",
    "Lashkar e Taiba",
    "Wali Adam Isa",
    "Al Rasheed Trust",
    "Imran Khan",
]


def _reference_candidates(index: NameIndex, name: str, limit: int) -> list[int]:
    """The blocking order as computed before the dense pass: postings grouped by np.unique,
    summed in key order, best score first and, of rows that tie, the lower row first (also
    where a tie straddles `limit`, task 17H)."""
    query = normalize_name(name)
    n = max(len(index.names), 1)
    keys = name_keys(query)
    for expansion in query.expansions:
        keys |= name_keys(expansion)
    arrays, weights = [], []
    for key in sorted(keys):
        posting = index.postings.get(key)
        if posting is None or len(posting) > (MAX_GRAM_POSTING if key[0] == "g" else MAX_POSTING):
            continue
        weight = math.log(n / len(posting)) + 1.0
        if key[0] == "g":
            weight *= 0.35
        arrays.append(posting)
        weights.append(np.full(len(posting), weight))
    if not arrays:
        return []
    rows, inverse = np.unique(np.concatenate(arrays), return_inverse=True)
    scores = np.bincount(inverse, np.concatenate(weights), minlength=len(rows))
    return [int(r) for r in rows[np.lexsort((rows, -scores))[:limit]]]


@pytest.mark.parametrize("limit", [3, 150])
def test_dense_blocking_ranks_as_the_grouped_sum(screener: Screener, limit: int) -> None:
    for name in NAMES:
        got = screener.index.candidates(normalize_name(name), limit)
        want = _reference_candidates(screener.index, name, limit)
        assert got == want
        assert got == screener.index.candidates(normalize_name(name), limit)  # cached keys


def _as_tuples(results: list[list]) -> list[list[tuple]]:
    return [[(m.entity_id, m.score, m.matched_name, m.explanation) for m in r] for r in results]


@pytest.mark.parametrize("workers", [1, 2])
def test_screen_many_repeats_and_workers_change_nothing(screener: Screener, workers: int) -> None:
    queries = [make_query(NAMES[i % len(NAMES)]) for i in range(240)]  # >= 200: the pool runs
    one_by_one = [screener.screen(q) for q in queries]
    assert any(one_by_one)
    assert _as_tuples(screener.screen_many(queries, workers=workers)) == _as_tuples(one_by_one)


def test_screen_many_results_are_separate_lists(screener: Screener) -> None:
    queries = [make_query("Masood Azhar")] * 3
    results = screener.screen_many(queries, workers=1)
    results[0].clear()
    assert results[1] and results[2]


def test_file_rows_in_batches_keep_order_and_matches(
    screener: Screener, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [NameQuery(name=n) for n in NAMES * 3] + [
        NameQuery(name="HAFIZ MUHAMMAD SAEED S/O KAMAL DIN", kind="person")
    ]
    monkeypatch.setattr(screening_files, "BATCH_ROWS", 5)
    batched = list(screen_queries(screener, rows))
    monkeypatch.setattr(screening_files, "BATCH_ROWS", 10_000)
    whole = list(screen_queries(screener, rows))
    assert [q for q, _ in batched] == rows
    assert [(q, _as_tuples([m])) for q, m in batched] == [(q, _as_tuples([m])) for q, m in whole]
    serial = [
        screener.screen_name(q.name, q.kind) if "S/O" not in q.name else None for q in rows[:-1]
    ]
    assert _as_tuples([m for _, m in batched[:-1]]) == _as_tuples(serial)
