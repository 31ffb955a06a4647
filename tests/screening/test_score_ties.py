"""Entries the lists themselves tie together (issue 17 item 4, task 17I): a name that only
one entry lists reaches the entries tied to it, explained, and nothing else does: persons
are never tied by a shared name, associates ("Linked To:") are another subject, and a tie
by a listed name is not followed on to a third entry."""

from __future__ import annotations

from pathlib import Path

from cftwatch.screening import Screener
from cftwatch.screening.index import NameIndex, build_index
from tests.screening.conftest import entities_table, entity

ORG = "Organization"


def _hits(s: Screener, name: str) -> dict[str, list[str]]:
    return {m.entity_id: m.explanation for m in s.screen_name(name, threshold=0.85, limit=50)}


def _entities():
    return entities_table(
        [
            # the UN entry never lists the renamed group's name; OFAC's copy does
            entity("un", "QDe.019", ["JAISH-I-MOHAMMED", "Army of Mohammed"], schema=ORG),
            entity("ofac", "6935", ["JAISH-I-MOHAMMED", "KHUDDAM-UL-ISLAM"], schema=ORG),
            # the UK entry carries the UN reference, not the UN entry's every alias
            entity("uk", "7029", ["JAISH-I-MOHAMMED"], schema=ORG, linked_refs=["un:QDe.019"]),
            # an entry listing another's primary name as its alias
            entity(
                "ofac", "7201", ["AID ORGANIZATION OF THE ULEMA", "AL RASHID TRUST"], schema=ORG
            ),
            entity("ofac", "6912", ["AL RASHID TRUST", "AL AMEEN TRUST"], schema=ORG),
            # a second entry tied to 6912 the same way: not tied on to 7201 through it
            entity("ofac", "8000", ["MAYMAR WELFARE SOCIETY", "AL RASHID TRUST"], schema=ORG),
            # an associate, not the same subject
            entity(
                "ofac", "9001", ["ZARB TRADERS"], schema=ORG, linked_refs=["linked_to:ofac:6935"]
            ),
            # two persons of one name are two people
            entity("ofac", "100", ["Muhammad Tariq Baloch", "Tariq Zorawar"]),
            entity("un", "QDi.1", ["Muhammad Tariq Baloch"]),
        ]
    )


def test_a_name_only_a_tied_entry_lists_reaches_the_entry_explained() -> None:
    s = Screener(_entities())
    hits = _hits(s, "Khuddam ul Islam")
    assert {"ofac:6935", "un:QDe.019", "uk:7029"} <= set(hits)
    assert any("listed on ofac:6935 (JAISH-I-MOHAMMED)" in why for why in hits["un:QDe.019"])
    assert not any("listed on" in why for why in hits["ofac:6935"])
    # the same-subject reference goes both ways: the UK entry borrows the UN alias
    assert "uk:7029" in _hits(s, "Army of Mohammed")
    assert "ofac:7201" in _hits(s, "Al Ameen Trust")


def test_near_misses_associates_persons_and_second_hand_ties_are_not_followed() -> None:
    s = Screener(_entities())
    assert "ofac:9001" not in _hits(s, "Khuddam ul Islam")  # an associate
    assert "ofac:6935" not in _hits(s, "Zarb Traders")
    assert "un:QDi.1" not in _hits(s, "Tariq Zorawar")  # a namesake is not an alias
    # 8000 and 7201 each list 6912's name; neither lists the other's own name
    assert "ofac:7201" not in _hits(s, "Maymar Welfare Society")
    assert "ofac:6912" in _hits(s, "Maymar Welfare Society")
    untied = Screener(_entities(), build_index(_entities(), follow_ties=False))
    assert set(_hits(untied, "Khuddam ul Islam")) == {"ofac:6935"}


def test_ties_survive_the_saved_index(tmp_path: Path) -> None:
    index = build_index(_entities())
    path = tmp_path / f"index-{index.version}.npz"
    index.save(path)
    loaded = NameIndex.load(path)
    assert loaded is not None
    assert {i: t for i, t in loaded.ties.items() if t} == {i: t for i, t in index.ties.items() if t}
    assert "un:QDe.019" in _hits(Screener(_entities(), loaded), "Khuddam ul Islam")
    # a tie adds no listed name: how rare a word is stays as it was
    assert index.token_df == build_index(_entities(), follow_ties=False).token_df
    assert len(index.names) == len(build_index(_entities(), follow_ties=False).names)


def test_a_tied_entry_is_scored_by_its_own_list_policy() -> None:
    rows = [
        entity("ofac", "1", ["Zarar Haidar Khan", "Abu Talha Kashmiri"]),
        entity("pk-nacta", "2", ["Zarar Haidar Khan"], linked_refs=["ofac:1"]),
    ]
    hits = {
        m.entity_id: m
        for m in Screener(entities_table(rows)).screen_name("Abu Talha Kashmiri", threshold=0.0)
    }
    assert hits["ofac:1"].status == "alert"
    assert hits["pk-nacta:2"].status == "possible"  # the identity-based list still holds it
