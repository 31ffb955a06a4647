"""Issue 17: listed names in free text, through the normaliser and an Aho-Corasick scan."""

from __future__ import annotations

import pytest

from cftwatch.screening import Screener, find_listed_names
from cftwatch.screening.narrative import narrative_hits
from tests.screening.conftest import entities_table, entity

ROWS = [
    entity("un", "QDe.118", ["Lashkar-e-Tayyiba", "LET", "Jamaat-ud-Dawa", "JUD"], "Organization"),
    entity("un", "QDe.008", ["Harakat ul-Mujahidin", "HUM"], "Organization"),
    entity("un", "QDe.132", ["Tehrik-e-Taliban Pakistan", "TTP"], "Organization"),
    entity("un", "QDe.121", ["Al-Akhtar Trust International", "Al-Akhtar Trust"], "Organization"),
    entity("un", "QDe.005", ["Al Rashid Trust"], "Organization"),
    entity("un", "QDi.422", ["Masood Azhar", "Mohammed Masood Azhar Alvi"]),
    entity("un", "QDi.264", ["Zaki-ur-Rehman Lakhvi"]),
    entity("pk-nacta", "4S-9", ["Tipu Sultan"]),
]


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(entities_table(ROWS))


def _ids(text: str, screener: Screener) -> set[str]:
    return {m.entity_id for m in find_listed_names(text, screener, threshold=0.5)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("qurbani khaal Al-Akhtar Trust", "un:QDe.121"),
        ("zakat for al akhtar trust karachi", "un:QDe.121"),
        ("sadqa al rasheed trust", "un:QDe.005"),
        ("chanda for lashkar e taiba mujahideen", "un:QDe.118"),
        ("donation jamaat ud dawa flood relief", "un:QDe.118"),
        ("JUD markaz muridke donation", "un:QDe.118"),
        ("LeT chanda for lashkar", "un:QDe.118"),
        ("bhatta payment to tehreek-e-taliban pakistan", "un:QDe.132"),
        ("maulana masood azhar sahib ke liye hadiya", "un:QDi.422"),
        ("Mas\u200bood Azhar ke liye", "un:QDi.422"),
        ("legal fund for zaki ur rehman lakhvi", "un:QDi.264"),
    ],
)
def test_listed_names_in_narratives_are_found(text: str, expected: str, screener: Screener) -> None:
    assert expected in _ids(text, screener)


@pytest.mark.parametrize(
    "text",
    [
        "let me know when paid",
        "please let us know the status",
        "flat to let karachi advance rent",
        "hum sab ki taraf se eid gift",
        "HUM Network Limited ad booking",
        "TTP ref 8812 card settlement",
        "JUD ki fees",
        "tipu sultan road shop rent",
        "Tipu Sultan Traders advance",
        "",
        "   ",
    ],
)
def test_ordinary_words_do_not_alert(text: str, screener: Screener) -> None:
    assert _ids(text, screener) == set()


def test_one_word_hits_need_support_and_say_which(screener: Screener) -> None:
    assert narrative_hits("let me know", screener) == []
    (hit,) = [h for h in narrative_hits("LeT chanda for lashkar", screener) if h.tokens == ("let",)]
    assert "lashkar" in hit.support
    assert all(h.support == "" for h in narrative_hits("Masood Azhar", screener))


def test_explanation_says_where_in_the_text(screener: Screener) -> None:
    (match,) = find_listed_names("qurbani khaal Al-Akhtar Trust", screener, threshold=0.5)
    assert any("found in the text as 'akhtar trust'" in line for line in match.explanation)


def test_a_person_name_before_a_shop_word_is_not_the_person(screener: Screener) -> None:
    assert _ids("Tipu Sultan sahib ke liye", screener) == {"pk-nacta:4S-9"}
    assert _ids("Tipu Sultan road shop rent", screener) == set()


def test_long_text_is_bounded(screener: Screener) -> None:
    text = "payment " * 2000 + "Masood Azhar"
    assert find_listed_names(text, screener) == []  # beyond MAX_NARRATIVE_CHARS
