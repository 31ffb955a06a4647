"""Rarity from the population, titles, one-letter names (issue 17, 1, 3, 7)."""

from __future__ import annotations

from cftwatch.screening import DEFAULT_THRESHOLD, Screener
from cftwatch.screening.rarity import (
    COMBINATION_SHARE,
    combination_share,
    common_parts,
    known_names,
    part_share,
)
from cftwatch.screening.score import token_similarity
from tests.screening.conftest import entities_table, entity


def _best(s: Screener, name: str) -> tuple[str, float]:
    matches = s.screen_name(name, threshold=0.0)
    return (matches[0].entity_id, matches[0].score) if matches else ("", 0.0)


def test_frequencies_come_from_the_population_file() -> None:
    assert part_share("muhammad") > 0.2  # one Pakistani name in four or five
    assert 0 < part_share("saqib") < part_share("saeed") < part_share("muhammad")
    commons = common_parts()
    assert {"muhammad", "saeed", "iqbal", "zafar"} <= commons
    assert "saqib" not in commons
    # titles are never name parts, however frequent (Syed is on 4 % of names)
    assert not {"hafiz", "syed", "haji", "maulana"} & commons
    assert not {"hafiz", "syed"} & known_names()


def test_combination_rarity() -> None:
    assert combination_share([("masood", "masood"), ("azhar", "azhar")]) < COMBINATION_SHARE
    assert combination_share([("muhammad", "muhammad"), ("iqbal", "iqbal")]) > COMBINATION_SHARE


def test_one_letter_apart_real_names_do_not_agree() -> None:
    for a, b in [("kamal", "jamal"), ("basit", "basir"), ("ajmal", "jamal")]:
        assert token_similarity(a, b) == 0.0, (a, b)
    assert token_similarity("mjaeed", "majeed") >= 0.8  # a transposed typo still does
    s = Screener(entities_table([entity("un", "QDi.901", ["Sa'id AL-JAMAL"])]))
    assert _best(s, "Saeed Ajmal")[1] < DEFAULT_THRESHOLD


def test_distinctive_part_is_not_credited_against_a_title() -> None:
    s = Screener(
        entities_table(
            [
                entity("un", "QDi.263", ["Hafiz Muhammad Saeed", "Hafiz Mohammad Sahib"]),
                entity("un", "TAi.018", ["Noor Mohammad Saqib"]),
            ]
        )
    )
    matches = {m.entity_id: m.score for m in s.screen_name("Muhammad Saqib", threshold=0.0)}
    assert matches.get("un:TAi.018", 0) > matches.get("un:QDi.263", 0)
    assert matches.get("un:QDi.263", 0) < DEFAULT_THRESHOLD


def test_common_parts_of_a_longer_listed_name_do_not_alert() -> None:
    s = Screener(entities_table([entity("un", "QDi.263", ["Hafiz Muhammad Saeed"])]))
    assert _best(s, "Hafiz Muhammad Saeed")[1] >= DEFAULT_THRESHOLD
    for q in ["Muhammad Saeed", "Hafiz Saeed", "Muhammad Saeed Khan"]:
        assert _best(s, q)[1] < DEFAULT_THRESHOLD, q


def test_compound_names_compare_their_heads() -> None:
    assert token_similarity("maazullah", "faizullah") == 0.0
    assert token_similarity("hamdullah", "saidullah") == 0.0
    assert token_similarity("fazalullah", "fazlullah") >= 0.8  # one name, two spellings
    assert token_similarity("umer", "umar") >= 0.75  # transliteration, not another name
    assert token_similarity("azahr", "azhar") >= 0.75  # a swapped pair is a typo


def test_shortlist_is_not_crowded_out_by_generic_words() -> None:
    rows = [
        entity("un", f"KPe.{i:03}", [f"Name{i}x Trading Corporation"], "Organization")
        for i in range(60)
    ]
    rows.append(entity("un", "KPe.024", ["Hesong Trading Company"], "Organization"))
    s = Screener(entities_table(rows))
    name = s.screen_name("Hesong Trading Corporation", threshold=0.0, limit=3)
    assert name and name[0].entity_id == "un:KPe.024"


def test_abdul_adds_nothing_to_the_part_it_compounds_with() -> None:
    """Issue 17 (2): "Abdul Bari" is one given name; counted as two independent parts it looked
    one name in 100,000 and every customer of that name alerted."""
    assert combination_share([("abd", "abd"), ("bari", "bari")]) == part_share("bari")
    assert combination_share([("abd", "abd")]) == part_share("abd")  # alone it still counts
    s = Screener(
        entities_table(
            [
                entity("ofac-sdn", "1", ["BARI, Abdul"]),
                entity("ofac-sdn", "2", ["ZARNOOSH, Abdul Bari"]),
            ]
        )
    )
    assert _best(s, "Abdul Bari")[1] < DEFAULT_THRESHOLD
    assert _best(s, "عبدالباری")[1] < DEFAULT_THRESHOLD
    assert _best(s, "Abdul Bari Zarnoosh") == ("ofac-sdn:2", 1.0)


def test_a_place_word_in_brackets_is_no_name_of_its_own() -> None:
    """Issue 17 (4, 5): "Colgate Palmolive (Pakistan) Limited" is not "Pakistan Relief
    Foundation"; the bracketed "(Pakistan)" alone matched it at 0.98."""
    s = Screener(
        entities_table(
            [entity("ofac-sdn", "1", ["PAKISTAN RELIEF FOUNDATION"], schema="Organization")]
        )
    )
    assert _best(s, "Colgate Palmolive (Pakistan) Limited")[1] < DEFAULT_THRESHOLD
    assert _best(s, "Pakistan Relief Foundation")[1] >= DEFAULT_THRESHOLD
