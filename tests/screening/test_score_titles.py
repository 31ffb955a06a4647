"""Baba is a title (task 17I): "Arif Qasmani Baba" is the listed Arif Qasmani, as Hafiz or Pir
before a name is; a listed alias written with it ("Qasmani Baba", "Memon Baba") still alerts
on its exact text, and a query whose only other part is common does not become a match."""

from __future__ import annotations

from cftwatch.screening import Screener, normalize_name
from tests.screening.conftest import entities_table, entity


def _screener() -> Screener:
    return Screener(
        entities_table(
            [
                entity("un", "QDi.271", ["ARIF QASMANI", "Qasmani Baba", "Memon Baba"]),
                entity("un", "QDi.9", ["Dawood Ibrahim Memon"]),
            ]
        )
    )


def _ids(s: Screener, name: str) -> set[str]:
    return {m.entity_id for m in s.screen_name(name, threshold=0.85)}


def test_baba_is_a_title() -> None:
    assert normalize_name("Arif Qasmani Baba").kinds[-1] == "honorific"
    s = _screener()
    assert _ids(s, "Arif Qasmani Baba") == {"un:QDi.271"}
    assert _ids(s, "Qasmani Baba") == {"un:QDi.271"}
    assert _ids(s, "Memon Baba") == {"un:QDi.271"}


def test_near_miss_baba_and_a_common_part_match_no_one_else() -> None:
    s = _screener()
    assert _ids(s, "Baba Memon Khan") == set()
    assert "un:QDi.9" not in _ids(s, "Memon Baba")
