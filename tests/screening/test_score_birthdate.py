"""A birth date settles a listed name made only of common parts (issue 17, 1-2; task 17L):
an exact listed name capped for its commonness alerts when the birth date agrees as closely
as the list states it, and a whole listed name of common parts that alerts on the name is
cleared by a birth date that contradicts it. Without a birth date nothing changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cftwatch.screening import DEFAULT_THRESHOLD, Screener
from cftwatch.screening.dates import birth_verdict
from tests.screening.conftest import entities_table, entity


def _dob(value: str, lo: dt.date, hi: dt.date, circa: bool = False) -> dict[str, Any]:
    return {"value": value, "date_from": lo, "date_to": hi, "circa": circa}


def _year(y: int) -> dict[str, Any]:
    return _dob(str(y), dt.date(y, 1, 1), dt.date(y, 12, 31))


def _day(text: str) -> dict[str, Any]:
    day = dt.date.fromisoformat(text)
    return _dob(text, day, day)


S = Screener(
    entities_table(
        [
            entity("un", "QDi.1", ["Muhammad Jamal"], birth_dates=[_year(1970)]),
            entity("uk", "2", ["Khalid Mahmud"], birth_dates=[_day("1965-03-04")]),
            entity(
                "uk",
                "3",
                ["Zafar Iqbal"],
                birth_dates=[_dob("1957/1959", dt.date(1957, 1, 1), dt.date(1959, 12, 31))],
            ),
            entity("un", "QDi.422", ["Masood Azhar"], birth_dates=[_day("1968-07-10")]),
        ]
    )
)


def _best(name: str, birth: str | None = None, entity_id: str = "") -> tuple[float, list[str]]:
    for m in S.screen_name(name, birth_date=birth, threshold=0.0, limit=10):
        if m.entity_id == entity_id:
            return m.score, m.explanation
    return 0.0, []


def test_an_agreeing_birth_date_lifts_an_exact_common_name_to_an_alert() -> None:
    assert _best("Muhammad Jamal", None, "un:QDi.1")[0] < DEFAULT_THRESHOLD
    value, why = _best("Muhammad Jamal", "1970-05-05", "un:QDi.1")
    assert value >= DEFAULT_THRESHOLD
    assert any("confirmed by the birth date" in w and "1970" in w for w in why)
    # a year the list gives alone: one year either side agrees
    assert _best("Mohammad Jamal", "1971-02-01", "un:QDi.1")[0] >= DEFAULT_THRESHOLD
    value, why = _best("Khalid Mahmud", "1965-03-04", "uk:2")
    assert value >= DEFAULT_THRESHOLD


def test_near_misses_of_the_lift() -> None:
    # two years off a listed year contradicts it: lower than with no date, and said so
    value, why = _best("Muhammad Jamal", "1972-05-05", "un:QDi.1")
    assert value < _best("Muhammad Jamal", None, "un:QDi.1")[0]
    assert any("born 1972-05-05, listed 1970" in w for w in why)
    # a full listed date gets no year of slack, and another day of the same year is no
    # confirmation (nor a contradiction)
    assert _best("Khalid Mahmud", "1966-03-04", "uk:2")[0] < DEFAULT_THRESHOLD
    assert (
        _best("Khalid Mahmud", "1965-06-04", "uk:2")[0] == _best("Khalid Mahmud", None, "uk:2")[0]
    )
    # only the full listed name is lifted: a query sharing part of it stays capped
    assert _best("Muhammad Jamal Khan", "1970-05-05", "un:QDi.1")[0] < DEFAULT_THRESHOLD


def test_a_contradicting_birth_date_clears_a_whole_common_name() -> None:
    assert _best("Zafar Iqbal", None, "uk:3")[0] >= DEFAULT_THRESHOLD
    value, why = _best("Zafar Iqbal", "1990-01-01", "uk:3")
    assert value < DEFAULT_THRESHOLD
    assert any("contradicts" in w and "1957/1959" in w for w in why)
    # near misses: a date in (or a year beside) the listed range keeps the alert, and a
    # distinctive name is not cleared by a date alone (the lists' dates are often wrong)
    assert _best("Zafar Iqbal", "1958-04-04", "uk:3")[0] >= DEFAULT_THRESHOLD
    assert _best("Zafar Iqbal", "1960-04-04", "uk:3")[0] >= DEFAULT_THRESHOLD
    value, why = _best("Masood Azhar", "1990-01-01", "un:QDi.422")
    assert value >= DEFAULT_THRESHOLD and any("listed 1968-07-10" in w for w in why)


def test_birth_verdicts() -> None:
    assert birth_verdict("1970-05-05", [_day("1970-05-05")])[0] == "exact"  # type: ignore[index]
    assert birth_verdict("1970", [_day("1970-05-05")])[0] == "year"  # type: ignore[index]
    assert birth_verdict("1970-05", [_day("1970-05-05")])[0] == "year"  # type: ignore[index]
    assert birth_verdict("1970-06-05", [_day("1970-05-05")])[0] == "same_year"  # type: ignore[index]
    assert birth_verdict("1969-12-31", [_year(1970)])[0] == "near"  # type: ignore[index]
    assert birth_verdict("1968", [_year(1970)])[0] == "conflict"  # type: ignore[index]
    wide = _dob("1950/1970", dt.date(1950, 1, 1), dt.date(1970, 12, 31))
    assert birth_verdict("1960", [wide])[0] == "range"  # type: ignore[index]
    circa = _dob("1970-05-05", dt.date(1970, 5, 5), dt.date(1970, 5, 5), circa=True)
    assert birth_verdict("1971-01-01", [circa])[0] == "near"  # type: ignore[index]
    # the closest of several listed dates counts; no date or an unreadable one says nothing
    assert birth_verdict("1980", [_year(1970), _year(1980)])[0] == "year"  # type: ignore[index]
    assert birth_verdict("unknown", [_year(1970)]) is None
    assert birth_verdict("1970", []) is None
