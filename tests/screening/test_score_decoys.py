"""Decoy classes left by task 17E and shortlist keys (issue 17, 4, 5, 8; task 17F): an
organisation's distinctive word missing, a place that is the name's own, names derived from
another known name, two-letter script spellings, acronyms spelt out in Urdu letters,
acronym and connector-free shortlist keys. Each class has the case it fixes and a near miss
that keeps its old outcome."""

from __future__ import annotations

from cftwatch.screening import DEFAULT_THRESHOLD, Screener, normalize_name
from cftwatch.screening.index import build_index, name_keys
from cftwatch.screening.rarity import part_share
from cftwatch.screening.score import token_similarity
from tests.screening.conftest import entities_table, entity

ORG = "Organization"


def _score(s: Screener, name: str, entity_id: str) -> float:
    found = {m.entity_id: m.score for m in s.screen_name(name, threshold=0.0, limit=50)}
    return found.get(entity_id, 0.0)


def _shortlisted(s: Screener, name: str) -> set[str]:
    rows = s._shortlist(normalize_name(name))
    return {s.index.entities[s.index.names[r].entity_row]["entity_id"] for r in rows}


def test_an_organisation_without_its_distinctive_word_is_another_one() -> None:
    s = Screener(
        entities_table(
            [
                entity("ofac", "30849", ["RAZAVI OIL AND GAS DEVELOPMENT CO."], schema=ORG),
                entity("ofac", "25877", ["PARSIAN OIL AND GAS DEVELOPMENT"], schema=ORG),
                entity("ofac", "16030", ["PERSIA OIL & GAS INDUSTRY"], schema=ORG),
                entity("ofac", "22985", ["SILVER STAR BANK"], schema=ORG),
                entity("ofac", "22986", ["STAR BANK"], schema=ORG),
                entity("ofac", "22987", ["STAR TRADING"], schema=ORG),
            ]
        )
    )
    assert _score(s, "Oil and Gas Development Company Limited", "ofac:30849") < DEFAULT_THRESHOLD
    assert _score(s, "Star Bank Limited", "ofac:22985") < DEFAULT_THRESHOLD
    # near misses: the full name, with a legal form, still alerts
    assert _score(s, "Razavi Oil and Gas Development Company", "ofac:30849") >= DEFAULT_THRESHOLD
    assert _score(s, "Silver Star Bank Limited", "ofac:22985") >= DEFAULT_THRESHOLD


def test_a_place_after_of_is_the_names_own() -> None:
    s = Screener(
        entities_table(
            [
                entity("ofac", "26549", ["NATIONAL BANK"], schema=ORG),
                entity("un", "QDe.001", ["AL REHMAT TRUST"], schema=ORG),
            ]
        )
    )
    assert _score(s, "National Bank of Pakistan", "ofac:26549") < DEFAULT_THRESHOLD
    # near miss: a place closing the name without "of" still says where the branch is
    assert _score(s, "Al Rehmat Trust Bahawalpur", "un:QDe.001") >= DEFAULT_THRESHOLD


def test_a_derived_name_is_not_a_known_name_with_a_final_vowel() -> None:
    assert token_similarity("hussaini", "hassane") == 0.0  # Hussaini is not Hassan(e)
    assert token_similarity("sayed", "saidi") == 0.0  # Saidi is Said's (Saeed's), not Sayed's
    # near misses: Hassane is still a spelling of Hassan, Hussaini of itself
    assert token_similarity("hassane", "hassan") >= 0.8
    assert token_similarity("hussaini", "husaini") >= 0.8
    assert token_similarity("sayed", "sayyid") >= 0.8


def test_a_known_name_is_not_a_misspelt_place() -> None:
    assert token_similarity("imran", "iran") == 0.0
    s = Screener(entities_table([entity("ofac", "25285", ["IRAN SHAHED"])]))
    assert _score(s, "Shahid Imran", "ofac:25285") < DEFAULT_THRESHOLD
    # near miss: a misspelt place is still the place
    assert token_similarity("karachi", "karachy") >= 0.8


def test_two_written_letters_do_not_stand_for_a_long_name() -> None:
    assert token_similarity("sf", "safia") == 0.0
    s = Screener(entities_table([entity("uk", "16610", ["سافا"])]))
    assert _score(s, "Safia", "uk:16610") < DEFAULT_THRESHOLD
    # near misses: a short Latin spelling, and a longer script one, still meet
    assert token_similarity("hq", "haq") >= 0.9
    assert token_similarity("sfyh", "safia") >= 0.9


def test_an_acronym_spelt_in_urdu_letters() -> None:
    assert normalize_name("بی ایل اے").tokens == ("bla",)
    assert normalize_name("ٹی ٹی پی").tokens == ("ttp",)
    s = Screener(
        entities_table(
            [entity("ofac", "26953", ["BALOCHISTAN LIBERATION ARMY", "BLA"], schema=ORG)]
        )
    )
    assert _score(s, "بی ایل اے", "ofac:26953") >= DEFAULT_THRESHOLD
    # near miss: one letter name twice is the name Bibi, not an acronym
    assert "bb" not in normalize_name("زینب بی بی").tokens


def test_acronym_keys_include_organisation_words() -> None:
    keys = name_keys(normalize_name("Balochistan Liberation Army"))
    assert {"a:bl", "a:bla"} <= keys
    rows = [entity("ofac", "26953", ["BALOCHISTAN LIBERATION ARMY"], schema=ORG)]
    rows += [entity("ofac", str(100 + i), [f"BLA{i} Trading"], schema=ORG) for i in range(3)]
    s = Screener(entities_table(rows))
    assert "ofac:26953" in _shortlisted(s, "BLA")
    # near miss: a name without organisation words gets no second acronym
    assert {k for k in name_keys(normalize_name("Hafiz Muhammad Saeed")) if k[0] == "a"} == {
        "a:hms"
    }


def test_connector_free_keys_for_joined_spellings() -> None:
    # the article written onto a long word is split off; onto a shorter one it is a key
    assert normalize_name("Alharamain Foundation").tokens == ("haramain", "foundation")
    assert {"t:burak", "t:alburak"} <= name_keys(normalize_name("Alburak"))
    assert "t:khuddam" in name_keys(normalize_name("Khuddamul"))
    # near misses: a vowel or l after "al" is the word's own (Alexander, Allahdad)
    assert normalize_name("Alexander Allahdad").tokens == ("alexander", "allahdad")
    index = build_index(
        entities_table(
            [
                entity("un", "QDe.104", ["AL-HARAMAIN FOUNDATION"], schema=ORG),
                entity("ofac", "1", ["HARAM TRADING"], schema=ORG),
            ]
        )
    )
    s = Screener(index.table, index)  # type: ignore[arg-type]
    assert "un:QDe.104" in _shortlisted(s, "Alharamain Foundation")
    # near miss: a short word keeps only its own keys ("Alam" is not Al + "am")
    assert not any(k in ("t:am", "t:ala") for k in name_keys(normalize_name("Alam")))


def test_a_loose_skeleton_does_not_lend_its_frequency() -> None:
    assert part_share("meddie") == 0.0 < part_share("muhammad")  # both skeleton "md"
    s = Screener(entities_table([entity("uk", "16383", ["MEDDIE LEE"])]))
    assert _score(s, "Meddie Lee", "uk:16383") >= DEFAULT_THRESHOLD
    # near miss: a spelling close letter for letter still takes the family's frequency
    assert part_share("mubarok") == part_share("mubarak") > 0


def test_a_business_with_its_own_distinctive_word_is_another_one() -> None:
    """Task 17I: the query's own name words the listed organisation lacks make another
    business; a place it ends with ("... Karachi") or a legal form does not."""
    s = Screener(
        entities_table(
            [
                entity("ofac", "22985", ["FIRST CREDIT BANK"], schema=ORG),
                entity("un", "QDe.005", ["AL RASHID TRUST"], schema=ORG),
            ]
        )
    )
    assert _score(s, "First Credit & Invest Bank Limited", "ofac:22985") < DEFAULT_THRESHOLD
    # near misses: the listed name with a legal form or the branch's city still alerts
    assert _score(s, "First Credit Bank Limited", "ofac:22985") >= DEFAULT_THRESHOLD
    assert _score(s, "Al Rasheed Trust Karachi", "un:QDe.005") >= DEFAULT_THRESHOLD
