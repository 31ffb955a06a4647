"""`bound.bound_similarity` is never below `score.token_similarity` (task 17H).

The score bound compares a listed name met for the first time through a cheap test that
answers 0 only where the full comparison would; if a scoring rule made more spellings alike,
this fails before the bound could drop a match. Every pair of name parts of the fixture
lists, the fast-path test's names and hand-picked hard pairs (families, compounds, Urdu
script, skeleton twins) is compared both ways."""

from __future__ import annotations

import itertools

import pytest

from cftwatch.screening import bound
from cftwatch.screening.bound import bound_similarity
from cftwatch.screening.normalize import normalize_name
from cftwatch.screening.score import token_similarity
from tests.screening.conftest import ENTITIES
from tests.screening.test_fast_path import DECOYS, EXTRA

PAIRS = [
    ("rehman", "rahman"),
    ("rehmn", "rahman"),
    ("mjaeed", "majeed"),
    ("faizullah", "maazullah"),
    ("srjuddin", "sirajuddin"),
    ("mhmd", "muhammad"),
    ("shryn", "shariyan"),
    ("khld", "khalid"),
    ("azahr", "azhar"),
    ("umer", "umar"),
    ("yusuf", "yousef"),
    ("qasim", "kasim"),
    ("mohd", "mohammed"),
    ("abu", "abdu"),
    ("jund", "jnd"),
    ("hussaini", "hassan"),
    ("bank", "banco"),  # OSA exactly 0.6, lifted by the skeleton
]


def _parts() -> list[str]:
    names: list[str] = list(DECOYS)
    for row in [*ENTITIES, *EXTRA]:
        names.append(row["primary_name"])
        names.extend(n["name"] for n in row.get("names") or [])
    parts = {t for n in names for t in normalize_name(n).tokens}
    parts |= {t for pair in PAIRS for t in pair}
    return sorted(parts)


def test_never_below_the_full_similarity() -> None:
    parts = _parts()
    assert len(parts) > 100
    zero = 0
    for a, b in itertools.product(parts, repeat=2):
        got, want = bound_similarity(a, b), token_similarity(a, b)
        assert got >= want, (a, b, got, want)
        zero += got == 0.0
    assert zero > len(parts) ** 2 // 2  # and it does answer 0 for most pairs


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_hard_pairs_are_compared_in_full(a: str, b: str) -> None:
    assert bound_similarity(a, b) == token_similarity(a, b)
    assert bound_similarity(b, a) == token_similarity(b, a)


def test_a_looser_cheap_test_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: with the OSA floor raised, pairs the scorer finds alike
    would be bounded at 0."""
    monkeypatch.setattr(bound, "_NEAR", 0.95)
    bound.bound_similarity.cache_clear()
    try:
        assert any(bound_similarity(a, b) < token_similarity(a, b) for a, b in PAIRS if a != b)
    finally:
        bound.bound_similarity.cache_clear()


def test_a_looser_skeleton_band_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The band under `_FLOOR` where differing skeletons answer 0 (task 17K) is exact: raised
    above the scorer's floor, parts the scorer finds alike would be bounded at 0."""
    monkeypatch.setattr(bound, "_FLOOR", 0.95)
    bound.bound_similarity.cache_clear()
    try:
        parts = _parts()
        assert any(
            bound_similarity(a, b) < token_similarity(a, b)
            for a, b in itertools.product(parts, repeat=2)
        )
    finally:
        bound.bound_similarity.cache_clear()
