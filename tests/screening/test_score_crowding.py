"""Shortlist crowding (issue 17, 4; task 17L): many entries listing one name word for word
(the branches of one charity) take one place of the shortlist, so they cannot push out an
entry spelt otherwise, and every one of them is still scored."""

from __future__ import annotations

from cftwatch.screening import Screener, normalize_name
from cftwatch.screening.crowding import MAX_GROUP_ROWS, NameGroups
from tests.screening.conftest import entities_table, entity

ORG = "Organization"


def _shortlisted(s: Screener, name: str) -> set[str]:
    rows = s._shortlist(normalize_name(name))
    return {s.index.entities[s.index.names[r].entity_row]["entity_id"] for r in rows}


def _branches(n: int) -> list[dict]:
    return [
        entity("un", f"QDe.{100 + i}", ["AL-HARAMAIN FOUNDATION"], schema=ORG) for i in range(n)
    ]


def test_same_name_entries_do_not_crowd_out_another_entry() -> None:
    rows = [*_branches(30), entity("uk", "999", ["AL HARAMAIN ISLAMIC FOUNDATION"], schema=ORG)]
    s = Screener(entities_table(rows))
    for query in ("Al Haramain Foundation", "الحرمین فاؤنڈیشن"):
        found = _shortlisted(s, query)
        assert "uk:999" in found, query
        # the group kept is scored whole: every branch reaches the scorer
        assert {f"un:QDe.{100 + i}" for i in range(30)} <= found, query
    matches = s.screen_name("Al Haramain Foundation", threshold=0.85, limit=50)
    assert len({m.entity_id for m in matches} & {f"un:QDe.{100 + i}" for i in range(30)}) == 30


def test_distinct_names_still_each_take_a_place() -> None:
    # near miss: forty entries whose names differ are forty groups; the shortlist stays as
    # short as before and the weaker entry (sharing one word) stays out
    words = [
        f"{a}{b}"
        for a in ("kar", "mal", "sor", "tem", "vad", "nur", "pol", "zek")
        for b in ("an", "ik", "ol", "ur", "es")
    ]
    rows = [
        entity("un", f"QDe.{100 + i}", [f"AL-HARAMAIN {w.upper()} FOUNDATION"], schema=ORG)
        for i, w in enumerate(words)
    ]
    rows.append(entity("uk", "999", ["HARAMAIN ISLAMIC BROTHERHOOD TRUST"], schema=ORG))
    found = _shortlisted(Screener(entities_table(rows)), "Al Haramain Foundation")
    assert "uk:999" not in found
    assert len(found) < 30


def test_a_group_is_scored_up_to_its_bound() -> None:
    groups = NameGroups(list(range(100)), ["a"] * 90 + ["b"] * 10)
    assert groups.keys == ["a", "b"] and groups.first == [0, 90]
    assert groups.rows_of([1]) == list(range(90, 100))
    assert groups.rows_of([0]) == list(range(MAX_GROUP_ROWS))
