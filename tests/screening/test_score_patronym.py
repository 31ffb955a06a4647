"""A patronymic read out of the name field as a father's name ("... bin Udin") where the list
records no father's name but writes it in the listed name (task 17I): it agrees like a
father's name, no more; another father's name, or a list that records the father
separately, gets nothing from it."""

from __future__ import annotations

from cftwatch.screening import Screener
from tests.screening.conftest import entities_table, entity


def _screener() -> Screener:
    return Screener(
        entities_table(
            [
                entity("un", "QDi.417", ["MOHAMAD RAFI BIN UDIN"]),
                entity("ofac", "24783", ["UDIN, Mohamad Rafi"]),
                entity("pk-nacta", "1", ["Mohamad Rafi Udin"], father_names=["Kamal Din"]),
                entity("un", "QDi.9", ["Mohamad Rafi"]),
            ]
        )
    )


def _found(s: Screener, name: str, **kw) -> dict[str, list[str]]:
    return {m.entity_id: m.explanation for m in s.screen_name(name, threshold=0.0, **kw)}


def test_a_patronymic_written_in_the_listed_name_agrees_as_a_father_name() -> None:
    s = _screener()
    found = _found(s, "Mohamad Rafi bin Udin")
    for eid in ("un:QDi.417", "ofac:24783"):
        assert any("father's name Udin is written in the listed name" in w for w in found[eid])
    plain = {m.entity_id: m.score for m in s.screen_name("Mohamad Rafi", threshold=0.0)}
    scored = {m.entity_id: m.score for m in s.screen_name("Mohamad Rafi bin Udin", threshold=0.0)}
    assert scored["ofac:24783"] > plain["ofac:24783"]


def test_near_misses_another_father_or_a_recorded_father_get_nothing() -> None:
    s = _screener()
    other = _found(s, "Mohamad Rafi bin Khalid")
    assert not any("written in the listed name" in w for ws in other.values() for w in ws)
    recorded = _found(s, "Mohamad Rafi bin Udin")["pk-nacta:1"]
    assert not any("written in the listed name" in w for w in recorded)
    # the listed name without the patronymic has nothing the father's name could be
    assert not any(
        "written in the listed name" in w for w in _found(s, "Mohamad Rafi bin Udin")["un:QDi.9"]
    )
