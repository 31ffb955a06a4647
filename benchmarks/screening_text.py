"""Issue 17 text checks with every list loaded: narratives, press/KYC spellings, invisible
characters, benign narratives (figures for docs/benchmarks.md).

    PYTHONPATH=. python benchmarks/screening_text.py [--research DIR] [--lists DIR]

Material (not made by cftwatch): `research/screening/press_spellings.csv` (hand-written
press/KYC/narrative spellings of 43 listed groups and people, expected list references checked
against the list files by `check_refs.py`) and `narratives_benign.csv` (ordinary payment
narratives with trap words that must not alert). A row is found when every expected reference
is returned at the default threshold. Nothing here is tuned on these sets' figures.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

from benchmarks.screening_quality import LISTS, loaded_lists
from cftwatch.screening import Screener

try:
    from cftwatch.screening.kyc import kyc_name_and_father
    from cftwatch.screening.narrative import find_listed_names
except ImportError:  # an older cftwatch, measured as the baseline (PYTHONPATH=old checkout)

    def kyc_name_and_father(name, father, kind):  # type: ignore[no-untyped-def]
        return name, father

    def find_listed_names(text, screener, threshold=None):  # type: ignore[no-untyped-def]
        return screener.screen_narrative(text, threshold)


RESEARCH = Path(__file__).resolve().parents[1].parent / "research" / "screening"


def _found(expected: list[str], refs: set[str]) -> bool:
    return all(r in refs for r in expected)


def _refs(matches: list) -> set[str]:
    return {m.entity_id for m in matches}


def run(screener: Screener, research: Path) -> dict[str, object]:
    rows = list(csv.DictReader((research / "press_spellings.csv").open(encoding="utf-8")))
    out: dict[str, object] = {}
    by_form: dict[str, list[bool]] = {}
    invisible: list[bool] = []
    misses: list[tuple[str, str]] = []
    for row in rows:
        expected = row["expected_refs"].split(";")
        if row["form"] == "narrative":
            hit = _found(expected, _refs(find_listed_names(row["query"], screener)))
        else:
            name, father = kyc_name_and_father(row["query"], None, row["kind"])
            kind = {"org": "organization", "person": "person"}.get(row["kind"])
            hit = _found(expected, _refs(screener.screen_name(name, kind, father_name=father)))
            if row["form"] == "latin" and " " in row["query"] and hit:
                # the same spelling with a zero-width space and a soft hyphen in it
                zw = row["query"].replace(" ", " \u200b", 1).replace("a", "a\u00ad", 1)
                invisible.append(_found(expected, _refs(screener.screen_name(zw, kind))))
        by_form.setdefault(row["form"], []).append(hit)
        if not hit:
            misses.append((row["form"], row["query"]))
    for form, hits in sorted(by_form.items()):
        out[f"found {form}"] = f"{sum(hits)}/{len(hits)} ({sum(hits) / len(hits):.1%})"
    out["misses"] = misses
    out["found latin found plain, also with zero-width + soft hyphen"] = (
        f"{sum(invisible)}/{len(invisible)}"
    )
    benign = list(csv.DictReader((research / "narratives_benign.csv").open(encoding="utf-8")))
    alerts = [(r["narrative"], find_listed_names(r["narrative"], screener)) for r in benign]
    flagged = [(t, m[0].entity_id, round(m[0].score, 2)) for t, m in alerts if m]
    out["benign narratives alerting"] = f"{len(flagged)}/{len(benign)}"
    out["benign alerts"] = flagged
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        for r in benign:
            find_listed_names(r["narrative"], screener)
        times.append((time.perf_counter() - t0) / len(benign) * 1000)
    out["narrative ms each (median of 3)"] = round(statistics.median(times), 2)
    return out


#: The queries issue 17 quotes for list text, compounds and invisible characters, with the
#: reference that must (or, with None, must not) come first.
ISSUE_QUERIES = [
    ("Pakistan Traders", None),
    ("Pakistan Welfare Society", None),
    ("Tanzania Trading Company", None),
    ("HUM Network Limited", None),
    ("Mohammad Ishaq Akhund", None),
    ("Hayat Tahrir al-Sham", "un:QDe.137"),
    ("Al-Nusra Front", "un:QDe.137"),
    ("Sana Ullah Ghafari", "un:QDi.431"),
    ("Jalal-ud-Din Haqqani", "un:TAi.040"),
    ("Lashkaretaiba", "un:QDe.118"),
    ("Jamaatuddawa", "un:QDe.118"),
    ("Hizbulmujahideen", "uk:8803"),
    ("Mas\u200bood Azhar", "un:QDi.422"),
    ("Ma\u00adsood Azhar", "un:QDi.422"),
    ("الاختر ٹرسٹ", "un:QDe.121"),
    ("فلاح انسانیت فاؤنڈیشن", "un:QDe.118"),
    ("لشکر جھنگوی", "un:QDe.096"),
]


def issue_examples(screener: Screener) -> list[str]:
    out = []
    for query, expected in ISSUE_QUERIES:
        matches = screener.screen_name(query, threshold=0.0)
        ranked = {m.entity_id: round(m.score, 2) for m in matches}
        top = f"{matches[0].entity_id} {matches[0].score:.2f}" if matches else "none"
        want = f"; {expected} {ranked.get(expected, 'not in top 10')}" if expected else ""
        out.append(f"{query!a}: top {top}{want}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--research", type=Path, default=RESEARCH)
    ap.add_argument("--lists", type=Path, default=LISTS)
    args = ap.parse_args()
    with loaded_lists(args.lists) as loaded:
        t0 = time.perf_counter()
        screener = Screener(loaded.entities)
        find_listed_names("warm up", screener)
        print("index + automaton build s:", round(time.perf_counter() - t0, 1))
        for line in issue_examples(screener):
            print(line)
        for key, value in run(screener, args.research).items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
