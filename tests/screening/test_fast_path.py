"""The fast screening path returns what scoring every candidate returns (task 17G).

The screener skips a listed name whose score bound (`screening.bound`) cannot reach the
threshold and builds an Arabic-script pattern only when the consonant frame agrees; neither may
change a result. A fixed set of 300+ queries (list-name variants with typos, reordered and
dropped parts, titles, Urdu script, KYC forms with a father's name, organisations with place
words and legal forms, acronyms, common Pakistani names as decoys) is screened over the
fixture lists with the fast path and with the reference path (every candidate scored), at the
default threshold and lower ones, with and without birth date, country and identifiers."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from cftwatch.lists import parse_list
from cftwatch.screening import Screener, make_query
from cftwatch.screening.bound import name_terms, qualifier_headroom, score_bound
from cftwatch.screening.normalize import normalize_name, script_key
from cftwatch.screening.score import (
    ORG_SCHEMAS,
    _script_pattern,
    name_score,
    script_consistent,
)
from tests.screening.conftest import ENTITIES, entities_table, entity

LISTS = Path(__file__).resolve().parents[1] / "fixtures" / "lists"

#: Listed people and groups as Pakistani lists and press write them (one entity each).
EXTRA = [
    entity("pk-nacta", "4S-10", ["Muhammad Ashraf"], father_names=["Ghulam Rasool"]),
    entity("pk-nacta", "4S-11", ["Zafar Iqbal"], father_names=["Muhammad Din"]),
    entity("pk-nacta", "4S-12", ["Sana Ullah Ghafari"], father_names=["Abdul Ghafar"]),
    entity("un", "QDi.352", ["Maulana Fazlullah", "Mullah Radio", "ملا فضل اللہ"]),
    entity("un", "QDi.263", ["Hafiz Muhammad Saeed", "حافظ محمد سعید", "Hafiz Saeed"]),
    entity("un", "QDi.999", ["Jalaluddin Haqqani", "Jalal-ud-Din Haqqani"]),
    entity(
        "un", "QDe.001", ["Al-Akhtar Trust International", "الاختر ٹرسٹ"], schema="Organization"
    ),
    entity("un", "QDe.002", ["Al Rashid Trust"], schema="Organization"),
    entity(
        "un",
        "QDe.003",
        ["Falah-e-Insaniat Foundation", "فلاح انسانیت فاؤنڈیشن"],
        schema="Organization",
    ),
    entity("un", "QDe.004", ["Lashkar i Jhangvi", "لشکر جھنگوی"], schema="Organization"),
    entity("un", "QDe.005", ["Harakat ul-Mujahidin", "HuM"], schema="Organization"),
    entity("un", "QDe.006", ["Tehrik-e-Taliban Pakistan", "TTP"], schema="Organization"),
    entity("ofac-sdn", "7001", ["Hesong Trading Corporation"], schema="Organization"),
    entity("ofac-sdn", "7002", ["Pakistan Traders Company Limited"], schema="Organization"),
    entity("uk", "PAK0001", ["Noor Mohammad Saqib"], birth_dates=[{"value": "1970"}]),
]

DECOYS = [
    "Muhammad Ali Khan",
    "Ahmed Raza",
    "Imran Hussain Shah",
    "Saeed Ajmal",
    "Kamal Din",
    "Basir Ahmad",
    "Muhammad Saqib",
    "Shoaib Nasir",
    "Ayesha Bibi",
    "Ghulam Mustafa",
    "Karachi Traders",
    "Lahore Textile Mills Limited",
    "Al Noor Welfare Trust Karachi",
    "Pakistan Welfare Society",
    "HUM Network Limited",
    "ظہیر احمد",
    "محمد اسلم",
    "let me know when paid",
    "Wali Muhammad",
    "Abdul Rehman",
]


def _list_entities() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for file, source, extra in [
        ("un_v1.xml", "un", {}),
        ("ofac_sdn.csv", "ofac", {"alt": LISTS / "ofac_alt.csv", "add": LISTS / "ofac_add.csv"}),
        ("ofac_nonsdn.xml", "ofac", {}),
        ("uk_conlist.xlsx", "uk", {}),
        ("eu_fsf.xml", "eu", {}),
    ]:
        rows.extend(parse_list(LISTS / file, source, **extra).entities.to_pylist())
    return rows


def _variant(name: str, rng: random.Random) -> str:
    words = name.replace("-", " ").split()
    kind = rng.randrange(6)
    if kind == 0 and len(words) >= 2:
        rng.shuffle(words)
    elif kind == 1 and len(words) >= 3:
        del words[rng.randrange(1, len(words) - 1)]
    elif kind == 2:
        i = max(range(len(words)), key=lambda k: len(words[k]))
        w = words[i]
        if len(w) >= 4:
            j = rng.randrange(1, len(w) - 1)
            words[i] = w[:j] + w[j + 1 :]
    elif kind == 3:
        words.insert(0, rng.choice(["Haji", "Hafiz", "Maulana", "Mr"]))
    elif kind == 4:
        words.append(rng.choice(["Karachi", "Pakistan", "Limited", "S/O Abdul Ghafar"]))
    return " ".join(words)


@pytest.fixture(scope="module")
def fixture_lists() -> tuple[pa.Table, list[str]]:
    rows = _list_entities() + ENTITIES + EXTRA
    table = entities_table(rows)
    rng = random.Random(17)
    listed = sorted({n["name"] for r in rows for n in (r["names"] or []) if n.get("name")})
    queries = [_variant(rng.choice(listed), rng) for _ in range(260)]
    queries += DECOYS + [n for r in EXTRA for n in (x["name"] for x in r["names"])]
    return table, queries


def _results(
    s: Screener, names: list[str], thresholds: tuple[float | None, ...]
) -> list[list[tuple[Any, ...]]]:
    out = []
    for i, name in enumerate(names):
        extra: dict[str, Any] = {}
        if i % 5 == 0:  # a KYC record: date of birth, country and father's name
            extra = {"birth_date": "1970-01-01", "country": "PK", "father_name": "Abdul Ghafar"}
        query = make_query(name, **extra)
        for threshold in thresholds:
            out.append(
                [
                    (m.entity_id, m.score, m.matched_name, m.explanation, m.status)
                    for m in s.screen(query, threshold, limit=20)
                ]
            )
    return out


def test_fast_path_returns_what_scoring_every_candidate_returns(
    fixture_lists: tuple[pa.Table, list[str]],
) -> None:
    table, names = fixture_lists
    assert len(names) >= 300
    fast = Screener(table)
    slow = Screener(table, fast.index)
    slow.prune = False
    thresholds = (None, 0.7, 0.5)
    expected = _results(slow, names, thresholds)
    assert _results(fast, names, thresholds) == expected
    # the set is not trivial: alerts, matches only seen at lower thresholds, and misses
    assert sum(bool(r) for r in expected[::3]) >= 60
    assert sum(bool(r) for r in expected[2::3]) > sum(bool(r) for r in expected[::3])
    assert sum(not r for r in expected[::3]) >= 60


def test_bound_is_never_below_the_name_score(fixture_lists: tuple[pa.Table, list[str]]) -> None:
    table, names = fixture_lists
    s = Screener(table)
    pruned = checked = 0
    for name in names:
        query = normalize_name(name)
        terms = name_terms(query, s.idf)
        for row in s.index.candidates(query, 60):
            listed = s.index.names[row]
            schema = s.index.entities[listed.entity_row].get("schema") or "Person"
            is_org = schema in ORG_SCHEMAS
            value, _ = name_score(query, listed.name, s.idf, listed_is_org=is_org)
            bound = score_bound(terms, name_terms(listed.name, s.idf), s.idf, is_org)
            assert value <= bound, (name, listed.name.original, value, bound)
            # stopping early at a `need` gives a looser bound, never a tighter one
            early = score_bound(terms, name_terms(listed.name, s.idf), s.idf, is_org, 0.85)
            assert bound <= early + 1e-12, (name, listed.name.original, bound, early)
            checked += 1
            pruned += bound < 0.85
    assert checked > 3000 and pruned > checked / 2  # the bound does skip most names


def test_identifiers_are_never_bounded() -> None:
    assert qualifier_headroom(make_query("x", identifiers=["AA0001234"])) is None
    room = qualifier_headroom(make_query("x", birth_date="1970", country="PK", father_name="Din"))
    assert room is not None and room > 0.2
    assert qualifier_headroom(make_query("x")) == 0.0


def test_script_frame_filter_agrees_with_the_pattern(
    fixture_lists: tuple[pa.Table, list[str]],
) -> None:
    table, _ = fixture_lists
    s = Screener(table)
    latin = sorted({t for n in s.index.names for t in n.name.tokens if t.isalpha()})[:1500]
    scripts = sorted({script_key(t) for t in latin} | {"mhmd", "khld", "shhd", "akbr", "hmyd"})
    agree = 0
    for script in scripts[:300]:
        for word in latin:
            expected = _script_pattern(word).fullmatch(script) is not None
            assert script_consistent(script, word) == expected, (script, word)
            agree += expected
    assert agree > 50
