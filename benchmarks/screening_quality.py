"""Screening quality: recall on list-derived variants, decoy false positives, vs a WRatio baseline.

    PYTHONPATH=. python benchmarks/screening_quality.py [--lists DIR] [--n 1000] [--seed 7]

Lists come through `cftwatch.lists.parse_list` when that stage is installed; otherwise a small
reader here takes the UN XML, OFAC SDN+ALT CSV and the NACTA CSV (UK OFSI and OFAC non-SDN are
then left out, and the figures say so).
"""

from __future__ import annotations

import argparse
import csv
import importlib
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
from lxml import etree
from rapidfuzz import fuzz, process

from cftwatch import schema as S
from cftwatch.screening import DEFAULT_THRESHOLD, Screener, normalize_name
from cftwatch.screening.normalize import _families, fold_text

LISTS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "lists"


def _row(list_id: str, ref: str, names: list[str], schema: str = "Person", **kw: Any) -> dict:
    names = [n.strip() for n in names if n and n.strip() and n.strip() != "-0-"]
    row = {c: None for c in S.LIST_ENTITIES.names}
    row.update(
        entity_id=f"{list_id}:{ref}",
        schema=schema,
        primary_name=names[0],
        list_id=list_id,
        list_ref=ref,
        source_version="bench",
        names=[
            {"name": n, "quality": "strong", "name_type": "alias", "script": None, "lang": None}
            for n in names
        ],
    )
    row.update(kw)
    return row


def _read_un(path: Path) -> list[dict]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.parse(str(path), parser).getroot()
    out = []
    for tag, schema, alias_tag in (
        ("INDIVIDUAL", "Person", "INDIVIDUAL_ALIAS"),
        ("ENTITY", "Organization", "ENTITY_ALIAS"),
    ):
        for node in root.iter(tag):
            parts = [
                node.findtext(p) or ""
                for p in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
            ]
            primary = " ".join(p.strip() for p in parts if p.strip())
            aliases = [a.findtext("ALIAS_NAME") or "" for a in node.iter(alias_tag)]
            ref = (node.findtext("REFERENCE_NUMBER") or "").strip()
            if primary and ref:
                out.append(_row("un", ref, [primary, *aliases], schema))
    return out


def _read_ofac(sdn: Path, alt: Path) -> list[dict]:
    aliases: dict[str, list[str]] = {}
    with alt.open(encoding="latin-1", newline="") as fh:
        for r in csv.reader(fh):
            if len(r) >= 4:
                aliases.setdefault(r[0].strip(), []).append(r[3])
    out = []
    with sdn.open(encoding="latin-1", newline="") as fh:
        for r in csv.reader(fh):
            if len(r) < 3:
                continue
            kind = r[2].strip().lower()
            schema = (
                "Person"
                if kind == "individual"
                else "Vessel"
                if kind == "vessel"
                else ("Organization")
            )
            names = [_unsurname(r[1]), *(_unsurname(a) for a in aliases.get(r[0].strip(), []))]
            out.append(_row("ofac-sdn", r[0].strip(), names, schema))
    return out


def _unsurname(name: str) -> str:
    """OFAC writes 'SURNAME, Given': screening is order-free, but keep the display natural."""
    if name.count(",") == 1:
        last, first = name.split(",")
        return f"{first.strip()} {last.strip()}"
    return name


def _read_nacta(path: Path) -> list[dict]:
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for i, r in enumerate(csv.DictReader(fh)):
            name = re.split(r"\balias\b|@", r["name"], flags=re.I)
            ident = (
                [
                    {
                        "type": "cnic",
                        "value": r["cnic"],
                        "normalized": r["cnic"],
                        "country": "PK",
                        "note": None,
                        "usable": True,
                    }
                ]
                if r.get("cnic")
                else []
            )
            out.append(
                _row(
                    "pk-nacta",
                    str(i + 1),
                    name,
                    father_names=[r["fatherName"]],
                    identifiers=ident,
                    nationalities=["PK"],
                )
            )
    return out


def load_all_lists(folder: Path = LISTS) -> tuple[pa.Table, str]:
    """Every list in the folder as LIST_ENTITIES rows, and how they were read."""
    try:
        lists = importlib.import_module("cftwatch.lists")
        parse_list = lists.parse_list
    except (ImportError, AttributeError):
        parse_list = None
    if parse_list is not None:
        tables = []
        for path in sorted(folder.iterdir()):
            if (
                path.suffix in (".xml", ".csv", ".xlsx")
                and "alt" not in path.name
                and ("add" not in path.name)
            ):
                try:
                    tables.append(parse_list(path, None))
                except Exception as exc:
                    print(f"skipped {path.name}: {exc}", file=sys.stderr)
        if tables:
            return pa.concat_tables(tables), "cftwatch.lists.parse_list"
    rows = _read_un(folder / "un_consolidated_2026-02-27.xml")
    rows += _read_ofac(folder / "ofac_sdn_2024-05-03.csv", folder / "ofac_alt_2026-06.csv")
    rows += _read_nacta(folder / "pk_nacta_proscribed_persons_4th_schedule_2022-11.csv")
    table = pa.Table.from_pylist(rows, schema=S.LIST_ENTITIES)
    return table, "benchmark reader (UN, OFAC SDN+ALT, NACTA; no UK OFSI, no OFAC non-SDN)"


HONORIFICS = ["Hafiz", "Maulana", "Mullah", "Sheikh", "Qari", "Mufti", "Haji", "Dr"]
GIVEN = [
    "Muhammad",
    "Ahmed",
    "Ali",
    "Hassan",
    "Hussain",
    "Usman",
    "Bilal",
    "Imran",
    "Faisal",
    "Kamran",
    "Asif",
    "Tariq",
    "Zubair",
    "Naveed",
    "Waqas",
    "Adnan",
    "Fahad",
    "Saad",
    "Hamza",
    "Shahid",
    "Arif",
    "Javed",
    "Rizwan",
    "Sohail",
    "Ayesha",
    "Fatima",
    "Sana",
    "Hina",
    "Nadia",
    "Rabia",
    "Amna",
    "Zainab",
    "Saima",
    "Bushra",
    "Abdul",
    "Ghulam",
    "Noor",
    "Shakeel",
    "Irfan",
]
FAMILY = [
    "Khan",
    "Malik",
    "Butt",
    "Chaudhry",
    "Qureshi",
    "Siddiqui",
    "Sheikh",
    "Awan",
    "Raja",
    "Mirza",
    "Baig",
    "Ansari",
    "Hashmi",
    "Abbasi",
    "Bhatti",
    "Cheema",
    "Gill",
    "Iqbal",
    "Akhtar",
    "Rehman",
    "Shah",
    "Mahmood",
    "Aslam",
    "Nawaz",
    "Raza",
    "Anwar",
    "Rasheed",
    "Jamil",
    "Hameed",
    "Latif",
    "Yousaf",
    "Saleem",
    "Farooq",
    "Zafar",
    "Al-Mansoori",
    "Al-Hashimi",
    "Al-Zaabi",
    "Al-Qassimi",
    "Al-Ketbi",
    "Al-Nuaimi",
    "Al-Shamsi",
    "Al-Suwaidi",
    "Bibi",
    "Begum",
]
BUSINESS = [
    "Traders",
    "Enterprises",
    "Electronics",
    "Textiles",
    "Welfare Trust",
    "Foundation",
    "Madrassa",
    "General Store",
    "Pharmacy",
    "Travels",
    "Builders",
    "Exchange Co",
]
PLACES = [
    "Madina",
    "Al Noor",
    "Karachi",
    "Lahore",
    "Faisal",
    "Punjab",
    "Sindh",
    "Dubai",
    "Al Barsha",
    "Gulshan",
    "Sadiq",
    "Rehmat",
    "Bismillah",
    "Khyber",
    "Quetta",
]


def decoys(n: int, rng: random.Random) -> list[str]:
    out = []
    while len(out) < n:
        r = rng.random()
        if r < 0.7:
            parts = [rng.choice(GIVEN), *rng.sample(FAMILY, rng.choice([1, 1, 2]))]
            out.append(" ".join(parts))
        else:
            out.append(f"{rng.choice(PLACES)} {rng.choice(BUSINESS)}")
    return out


def _reverse_families() -> dict[str, list[str]]:
    rev: dict[str, list[str]] = {}
    for variant, canon in _families().items():
        if variant.isalpha():
            rev.setdefault(canon, []).append(variant)
    return rev


def variant(name: str, rng: random.Random, rev: dict[str, list[str]]) -> tuple[str, str]:
    words = fold_text(name).replace("-", " ").split()
    kind = rng.choice(["translit", "drop", "reorder", "typo", "honorific"])
    if kind == "translit":
        words = [rng.choice(rev.get(_families().get(w, w), [w])) for w in words]
    elif kind == "drop" and len(words) >= 4:
        del words[rng.randrange(1, len(words) - 1)]
    elif kind == "reorder" and len(words) >= 2:
        rng.shuffle(words)
    elif kind == "typo":
        i = max(range(len(words)), key=lambda k: len(words[k]))
        w = words[i]
        if len(w) >= 5:
            j = rng.randrange(1, len(w) - 1)
            words[i] = (
                w[:j] + w[j + 1 :] if rng.random() < 0.5 else w[:j] + w[j + 1] + w[j] + (w[j + 2 :])
            )
    else:
        words.insert(0, rng.choice(HONORIFICS).lower())
    return " ".join(words).title(), kind


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lists", type=Path, default=LISTS)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--baseline-n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    entities, how = load_all_lists(args.lists)
    print(f"lists: {entities.num_rows} entities via {how}")
    t0 = time.perf_counter()
    screener = Screener(entities)
    print(f"index: {len(screener.index.names)} names in {time.perf_counter() - t0:.1f} s")
    rev = _reverse_families()
    by_key: dict[str, set[str]] = {}
    for ln in screener.index.names:
        by_key.setdefault(ln.name.key, set()).add(
            screener.index.entities[ln.entity_row]["entity_id"]
        )
    pool = [
        e
        for e in entities.to_pylist()
        if e["list_id"] in ("un", "pk-nacta") and e["schema"] in ("Person", "Organization")
    ]
    positives = []
    for e in rng.sample(pool, min(args.n, len(pool))):
        names = [n["name"] for n in e["names"] if n["name"] and len(n["name"].split()) >= 2]
        if not names:
            continue
        q, kind = variant(rng.choice(names), rng, rev)
        same_name = set().union(*(by_key.get(normalize_name(n).key, set()) for n in names))
        father = None
        if e.get("father_names"):
            father = variant(e["father_names"][0], rng, rev)[0]
        positives.append((q, kind, {e["entity_id"]} | same_name, father))
    neg = decoys(args.n, rng)
    t0 = time.perf_counter()
    hits1 = at_t = name_only = 0
    by_kind: dict[str, list[int]] = {}
    for q, kind, truth, father in positives:
        bare = screener.screen_name(q, threshold=0.0, limit=3)
        name_only += any(m.entity_id in truth and m.score >= DEFAULT_THRESHOLD for m in bare)
        found = screener.screen_name(q, father_name=father, threshold=0.0, limit=3)
        top = found[0] if found else None
        ok1 = bool(top and top.entity_id in truth)
        okt = any(m.entity_id in truth and m.score >= DEFAULT_THRESHOLD for m in found)
        hits1 += ok1
        at_t += okt
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][0] += okt
        by_kind[kind][1] += 1
    neg_scores = [
        max((m.score for m in screener.screen_name(d, threshold=0.0, limit=1)), default=0.0)
        for d in neg
    ]
    fp = [d for d, v in zip(neg, neg_scores, strict=True) if v >= DEFAULT_THRESHOLD]
    pos_scores = [
        max(
            (
                m.score
                for m in screener.screen_name(q, father_name=f, threshold=0.0)
                if m.entity_id in t
            ),
            default=0.0,
        )
        for q, _, t, f in positives
    ]
    for cut in (0.75, 0.8, 0.85, 0.9):
        print(
            f"  threshold {cut}: recall {sum(v >= cut for v in pos_scores) / len(pos_scores):.3f}"
            f", decoy FP {sum(v >= cut for v in neg_scores) / len(neg_scores):.3f}"
        )
    elapsed = time.perf_counter() - t0
    n = len(positives)
    print(
        f"cftwatch: recall@1 {hits1 / n:.3f}, recall@{DEFAULT_THRESHOLD} {at_t / n:.3f}, "
        f"decoy FP {len(fp) / len(neg):.3f} ({n} positives, {len(neg)} decoys, {elapsed:.1f} s)"
    )
    print(f"  recall at threshold on the name alone (no father's name): {name_only / n:.3f}")
    print(
        "  recall at threshold by variant: "
        + ", ".join(f"{k} {v[0] / v[1]:.3f}" for k, v in sorted(by_kind.items()))
    )
    print("  decoy hits (first 10): " + "; ".join(fp[:10]))
    # baseline: WRatio on lower-cased ASCII-folded names, brute force, same queries (sample)
    choices = [fold_text(ln.name.original) for ln in screener.index.names]
    owner = [screener.index.entities[ln.entity_row]["entity_id"] for ln in screener.index.names]
    sample_pos = positives[: args.baseline_n]
    sample_neg = neg[: args.baseline_n]
    b1 = bt = 0
    for q, _, truth, _ in sample_pos:
        best = process.extractOne(fold_text(q), choices, scorer=fuzz.WRatio)
        if best:
            b1 += owner[best[2]] in truth
            bt += owner[best[2]] in truth and best[1] >= 90
    bfp = sum(
        1
        for d in sample_neg
        if (r := process.extractOne(fold_text(d), choices, scorer=fuzz.WRatio)) and r[1] >= 90
    )
    print(
        f"baseline WRatio>=90: recall@1 {b1 / len(sample_pos):.3f}, recall@90 "
        f"{bt / len(sample_pos):.3f}, decoy FP {bfp / len(sample_neg):.3f} "
        f"({len(sample_pos)} positives, {len(sample_neg)} decoys)"
    )


if __name__ == "__main__":
    main()
