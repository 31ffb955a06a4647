"""A query's birth date against the dates a list entry carries, as a KYC record and a list
write them: a full date, a month or a year on the query side; a day, month, year, a range
("1957 to 1959", UN `BETWEEN`) or a "circa" year on the list side.

The verdict is one of `exact` (the same day), `year` (the query's date falls in the listed
month or year, or in a listed span of at most `MAX_CONFIRMING_SPAN` years), `same_year` (two
full dates in one year, different days), `range` (in a longer listed span), `near` (within
one year of a date the list gives only as a year, a short range or "circa": the lists round
what they do not know) and `conflict` (outside every listed date). `score.qualifiers` turns it into a feature;
`CONFIRMING` verdicts confirm an exact full-name match on a common name.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from cftwatch.screening.common_reasons import COMMON_FULL_NAME, COMMON_WHOLE_NAME
from cftwatch.screening.score import WEIGHTS, Feature, Query

__all__ = ["CONFIRMING", "birth_verdict", "common_name_by_birth_date"]

#: Verdicts that confirm a name match: the date agrees as closely as the list states it.
CONFIRMING = ("exact", "year", "near")
#: A listed range longer than this (in calendar years) says too little to confirm a name.
MAX_CONFIRMING_SPAN = 3
_RANK = {"exact": 5, "year": 4, "same_year": 3, "range": 2, "near": 1, "conflict": 0}
_DATE_RE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _span(value: str | None) -> tuple[dt.date, dt.date, int] | None:
    """(first day, last day, precision 1..3: year, month, day) of a YYYY[-MM[-DD]] text."""
    m = _DATE_RE.match(str(value or ""))
    if not m:
        return None
    year = int(m.group(1))
    try:
        if m.group(3):
            day = dt.date(year, int(m.group(2)), int(m.group(3)))
            return day, day, 3
        if m.group(2):
            month = int(m.group(2))
            first = dt.date(year, month, 1)
            last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            return first, last, 2
        return dt.date(year, 1, 1), dt.date(year, 12, 31), 1
    except ValueError:
        return dt.date(year, 1, 1), dt.date(year, 12, 31), 1


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        found = _span(value)
        return found[0] if found else None
    return None


def _listed_span(dob: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    lo, hi = _as_date(dob.get("date_from")), _as_date(dob.get("date_to"))
    if lo and hi:
        return lo, hi
    found = _span(dob.get("value"))
    return (found[0], found[1]) if found else None


def _one(query: tuple[dt.date, dt.date, int], dob: dict[str, Any]) -> tuple[str, str] | None:
    listed = _listed_span(dob)
    if listed is None:
        return None
    q_lo, q_hi, _ = query
    lo, hi = listed
    text = str(dob.get("value") or f"{lo}..{hi}")
    if q_lo == q_hi == lo == hi:
        return "exact", f"born {q_lo} as listed"
    years = hi.year - lo.year + 1
    if q_lo == q_hi and lo == hi and q_lo.year == lo.year:
        # two full dates a few days or months apart: the year agrees, the record does not
        return "same_year", f"birth year {q_lo.year} as listed, not the day ({text})"
    if q_lo <= hi and lo <= q_hi:  # the two spans overlap
        if years <= 1:
            return "year", f"birth year {q_lo.year} as listed ({text})"
        verdict = "range" if years > MAX_CONFIRMING_SPAN else "year"
        return verdict, f"born {q_lo.year}, within listed {text}"
    # a date the list gives only as a year, a range or "circa": one year either side agrees
    rounded = lo.month == 1 and lo.day == 1 and hi.month == 12 and hi.day == 31
    if (rounded or dob.get("circa")) and lo.year - 1 <= q_lo.year and q_hi.year <= hi.year + 1:
        verdict = "near" if years <= MAX_CONFIRMING_SPAN else "range"
        return verdict, f"born {q_lo.year}, within a year of listed {text}"
    return "conflict", text


def birth_verdict(query_birth: str | None, dobs: list[dict[str, Any]]) -> tuple[str, str] | None:
    """(verdict, why) for the closest listed date, or None when either side has none (or the
    query's date cannot be read: that is the input check's business, not a conflict)."""
    query = _span(query_birth)
    if query is None:
        return None
    found = [v for v in (_one(query, d) for d in dobs or []) if v is not None]
    if not found:
        return None
    verdict, why = max(found, key=lambda v: _RANK[v[0]])
    if verdict == "conflict":
        listed = ", ".join(v[1] for v in found)
        return verdict, f"born {str(query_birth).strip()}, listed {listed}"
    return verdict, why


def common_name_by_birth_date(
    query: Query, entity: dict, features: list[Feature], total: float
) -> Feature | None:
    """What the birth date says about a listed name made only of common parts: an exact
    listed name capped for its commonness ("Muhammad Jamal") is lifted to
    `common_confirmed` when the query's date agrees as closely as the list states it
    (`CONFIRMING`: the day, the year, a year either side of a year the list gives alone);
    a whole listed name that alerts on the name ("Zafar Iqbal") is capped at `common_cap`
    when the date contradicts every listed one (another person of that common name)."""
    common = next((f for f in features if f.name.startswith("common_name")), None)
    if common is None or not query.birth_date:
        return None
    full, whole = common.why == COMMON_FULL_NAME, common.why == COMMON_WHOLE_NAME
    if not (full or whole):
        return None
    verdict = birth_verdict(query.birth_date, entity.get("birth_dates") or [])
    if verdict is None:
        return None
    cap = WEIGHTS["common_cap"]
    if full and verdict[0] in CONFIRMING:
        lift = min(cap - common.contribution, WEIGHTS["common_confirmed"]) - cap
        why = f"a full listed name of common parts, confirmed by the birth date ({verdict[1]})"
        return Feature("common_name_confirmed", lift, why) if lift > 0 else None
    if whole and verdict[0] == "conflict" and total > cap:
        why = f"a listed name of common parts and a birth date that contradicts it ({verdict[1]})"
        return Feature("common_name_contradicted", cap - total, why)
    return None
