"""Screening quality: recall on list-derived queries, decoy false positives, vs a WRatio baseline.

    PYTHONPATH=. python benchmarks/screening_quality.py [--lists DIR] [--n 1000] [--seeds 2,3,4]

Every list file in `../shared/data/lists/` is loaded through the lists stage
(`cftwatch.lists.load_list`) into a temporary workspace, and the screener is built the way the
product builds it (`load_screener`). Two kinds of positives per seed:

* cross-list: a name or alias of an entry on one list screened against the *other* lists'
  entries (hits on the query's own list are ignored); the truth is the entries the lists
  themselves link to it (a UK OFSI row's `(UN Ref)`, `list_clusters`);
* generated variants of UN and NACTA names (transliteration-family swap, dropped middle part,
  reordering, one typo, honorific added); the truth is the source entry, its linked entries
  and any entry carrying the same normalised name. NACTA queries carry the listed father's name
  (with a variant), as a Pakistani KYC record would.

Negatives are decoys: common two- and three-part South Asian/Gulf names and businesses, from a
fixed generator. The baseline (RapidFuzz `WRatio`, brute force, lower-cased ASCII-folded names)
runs on the first `--baseline-n` queries of each set in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screening_kyc import listed_record
from screening_real import DECOYS, report_decoys_kyc, report_real, split_of

from cftwatch.lists import active_entities, list_clusters, load_list
from cftwatch.screening import DEFAULT_THRESHOLD, Screener, load_screener, normalize_name
from cftwatch.screening.index import build_index
from cftwatch.screening.normalize import _families, fold_text
from cftwatch.workspace import Workspace

LISTS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "lists"

#: (file, source, companion files) for every list in the shared folder.
LIST_FILES: list[tuple[str, str, dict[str, str]]] = [
    ("un_consolidated_2026-02-27.xml", "un", {}),
    (
        "ofac_sdn_2024-05-03.csv",
        "ofac",
        {"alt": "ofac_alt_2026-06.csv", "add": "ofac_add_2026-06.csv"},
    ),
    ("ofac_consolidated_nonsdn_2026-01-08.xml", "ofac", {}),
    ("uk_ofsi_conlist_2025-04-14.xlsx", "uk", {}),
    ("pk_nacta_proscribed_persons_4th_schedule_2022-11.csv", "pk-nacta", {}),
]


@dataclass
class Loaded:
    """Lists loaded into a workspace: entities, same-subject clusters and the load time."""

    ws: Workspace
    entities: pa.Table
    cluster_of: dict[str, str]
    members: dict[str, set[str]]
    load_s: float

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for list_id in self.entities.column("list_id").to_pylist():
            out[list_id] = out.get(list_id, 0) + 1
        return dict(sorted(out.items()))


@contextlib.contextmanager
def loaded_lists(folder: Path = LISTS) -> Iterator[Loaded]:
    """Every list in `folder` loaded with `cftwatch.lists.load_list` into a temporary workspace."""
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        try:
            t0 = time.perf_counter()
            for name, source, extra in LIST_FILES:
                load_list(ws, folder / name, source, **{k: folder / v for k, v in extra.items()})
            load_s = time.perf_counter() - t0
            clusters = list_clusters(ws).to_pylist()
            cluster_of = {r["entity_id"]: r["cluster_id"] for r in clusters}
            members: dict[str, set[str]] = {}
            for r in clusters:
                members.setdefault(r["cluster_id"], set()).add(r["entity_id"])
            yield Loaded(ws, active_entities(ws), cluster_of, members, load_s)
        finally:
            ws.close()


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


@dataclass
class Positive:
    query: str
    kind: str
    truth: set[str]
    father: str | None = None
    exclude_list: str | None = None  # cross-list: hits on the query's own list do not count
    birth_date: str | None = None  # KYC-record mode only (`screening_kyc.py`)
    country: str | None = None
    subject: str | None = None  # person | organization, KYC-record mode only


def _strong_names(entity: dict) -> list[str]:
    return [
        n["name"]
        for n in entity["names"] or []
        if n["name"] and len(n["name"].split()) >= 2 and n.get("quality") != "weak"
    ]


def _same_name(screener: Screener) -> dict[str, set[str]]:
    """Normalised name key -> entities listing that exact name (e.g. the OFAC copy of a UN
    entry, which this OFAC CSV does not link by UN reference)."""
    by_key: dict[str, set[str]] = {}
    for ln in screener.index.names:
        by_key.setdefault(ln.name.key, set()).add(
            screener.index.entities[ln.entity_row]["entity_id"]
        )
    return by_key


def _all_names(entity: dict) -> list[str]:
    return [n["name"] for n in entity["names"] or [] if n["name"]] + [entity["primary_name"]]


def cross_list_positives(
    loaded: Loaded, screener: Screener, n: int, rng: random.Random
) -> list[Positive]:
    """Names of one list's entry as queries against the entries the lists link it to (and
    entries elsewhere that carry one of the linked entries' names exactly)."""
    by_id = {e["entity_id"]: e for e in loaded.entities.to_pylist()}
    by_key = _same_name(screener)
    out = []
    for cluster in sorted(loaded.members):
        ids = sorted(loaded.members[cluster])
        lists = {by_id[i]["list_id"] for i in ids}
        if len(lists) < 2:
            continue
        for source_id in ids:
            source = by_id[source_id]
            others = {i for i in ids if by_id[i]["list_id"] != source["list_id"]}
            for other in list(others):
                for name in _all_names(by_id[other]):
                    others |= by_key.get(normalize_name(name).key, set())
            names = _strong_names(source)
            if names and source["list_id"] in ("un", "uk"):
                kind, birth, country = listed_record(source)
                out.append(
                    Positive(
                        rng.choice(names),
                        "cross-list",
                        others,
                        None,
                        source["list_id"],
                        birth,
                        country,
                        kind,
                    )
                )
    rng.shuffle(out)
    return out[:n]


def variant_positives(
    loaded: Loaded, screener: Screener, n: int, rng: random.Random
) -> list[Positive]:
    rev = _reverse_families()
    by_key = _same_name(screener)
    pool = [
        e
        for e in loaded.entities.to_pylist()
        if e["list_id"] in ("un", "pk-nacta") and e["schema"] in ("Person", "Organization")
    ]
    out = []
    for e in rng.sample(pool, min(n, len(pool))):
        names = [x["name"] for x in e["names"] if x["name"] and len(x["name"].split()) >= 2]
        if not names:
            continue
        q, kind = variant(rng.choice(names), rng, rev)
        same_name = set().union(*(by_key.get(normalize_name(x).key, set()) for x in names))
        linked = loaded.members.get(loaded.cluster_of.get(e["entity_id"], ""), set())
        father = variant(e["father_names"][0], rng, rev)[0] if e.get("father_names") else None
        out.append(Positive(q, kind, {e["entity_id"]} | same_name | linked, father))
    return out


def _matches(
    screener: Screener, p: Positive, with_father: bool = True, kyc: bool = False
) -> list[tuple[str, float]]:
    found = screener.screen_name(
        p.query,
        father_name=p.father if with_father else None,
        kind=p.subject if kyc else None,
        birth_date=p.birth_date if kyc else None,
        country=p.country if kyc else None,
        threshold=0.0,
        limit=30,
    )
    return [(m.entity_id, m.score) for m in found if m.list_id != p.exclude_list]


def evaluate(screener: Screener, positives: list[Positive], negatives: list[str]) -> dict:
    top1, best_true, name_only = [], [], []
    kinds: list[str] = []
    for p in positives:
        found = _matches(screener, p)
        top1.append(bool(found) and found[0][0] in p.truth)
        best_true.append(max((s for e, s in found if e in p.truth), default=0.0))
        bare = _matches(screener, p, with_father=False) if p.father else found
        name_only.append(max((s for e, s in bare if e in p.truth), default=0.0))
        kinds.append(p.kind)
    neg = [
        (d, max((m.score for m in screener.screen_name(d, threshold=0.0, limit=1)), default=0.0))
        for d in negatives
    ]
    return {
        "top1": top1,
        "best_true": best_true,
        "name_only": name_only,
        "kinds": kinds,
        "neg": neg,
    }


class Baseline:
    """RapidFuzz WRatio over every listed name, lower-cased and ASCII-folded, brute force."""

    def __init__(self, screener: Screener) -> None:
        self.names = [fold_text(ln.name.original) for ln in screener.index.names]
        ents = screener.index.entities
        self.owner = [ents[ln.entity_row]["entity_id"] for ln in screener.index.names]
        self.list_of = [ents[ln.entity_row]["list_id"] for ln in screener.index.names]
        self._subsets: dict[str, tuple[list[str], list[str]]] = {}

    def _choices(self, exclude: str | None) -> tuple[list[str], list[str]]:
        if exclude is None:
            return self.names, self.owner
        if exclude not in self._subsets:
            keep = [i for i, lid in enumerate(self.list_of) if lid != exclude]
            self._subsets[exclude] = ([self.names[i] for i in keep], [self.owner[i] for i in keep])
        return self._subsets[exclude]

    def best(self, query: str, exclude: str | None = None) -> tuple[str | None, float]:
        names, owner = self._choices(exclude)
        hit = process.extractOne(fold_text(query), names, scorer=fuzz.WRatio)
        return (owner[hit[2]], float(hit[1])) if hit else (None, 0.0)


def _rate(values: list[bool]) -> float:
    return sum(values) / max(len(values), 1)


def report_cross_list(
    loaded: Loaded, screener: Screener, cut: float, splits: tuple[str, ...], kyc: bool = False
) -> dict[str, float]:
    """Recall at `cut` on every cross-list positive (one name per linked UN/UK entry, as the
    lists link them; not generated), split like the press rows by md5 of the query; with
    `kyc`, each query carries its own entry's birth date and nationality (`screening_kyc`)."""
    positives = cross_list_positives(loaded, screener, 10**9, random.Random(1))
    out: dict[str, float] = {}
    for split in splits:
        rows = [p for p in positives if split_of(p.query) == split]
        ok = [
            any(e in p.truth and s >= cut for e, s in _matches(screener, p, kyc=kyc)) for p in rows
        ]
        by_list: dict[str, list[bool]] = {}
        for p, v in zip(rows, ok, strict=True):
            by_list.setdefault(p.exclude_list or "", []).append(v)
        out[f"{split}_cross_recall" + ("_kyc" if kyc else "")] = _rate(ok)
        mode = "KYC record: own entry's kind, birth date, nationality" if kyc else "name only"
        if kyc:
            with_dob = sum(p.birth_date is not None for p in rows)
            mode += f"; {with_dob} of {len(rows)} carry a birth date"
        print(
            f"  [{split}] cross-list recall@{cut:.2f} ({mode}; every list loaded, own list "
            "ignored): "
            f"{_rate(ok):.3f} ({len(ok)}); from "
            + ", ".join(f"{k} {_rate(v):.3f} ({len(v)})" for k, v in sorted(by_list.items()))
        )
        misses = [p.query for p, v in zip(rows, ok, strict=True) if not v]
        print(f"    misses ({len(misses)}): " + "; ".join(misses[:30]))
    return out


def run_seed(
    loaded: Loaded,
    screener: Screener,
    baseline: Baseline | None,
    seed: int,
    args: argparse.Namespace,
) -> dict[str, float]:
    rng = random.Random(seed)
    sets = {
        "cross-list": cross_list_positives(loaded, screener, args.cross_n, rng),
        "variants": variant_positives(loaded, screener, args.n, rng),
    }
    negatives = decoys(args.n, rng)
    t0 = time.perf_counter()
    cut = args.threshold
    all_pos = sets["cross-list"] + sets["variants"]
    res = evaluate(screener, all_pos, negatives)
    elapsed = time.perf_counter() - t0
    n_cross = len(sets["cross-list"])
    out: dict[str, float] = {}
    print(
        f"seed {seed}: {n_cross} cross-list + {len(sets['variants'])} variant positives, "
        f"{len(negatives)} decoys ({elapsed:.1f} s)"
    )
    for label, sl in (
        ("all", slice(None)),
        ("cross-list", slice(0, n_cross)),
        ("variants", slice(n_cross, None)),
    ):
        top1 = res["top1"][sl]
        best = res["best_true"][sl]
        out[f"{label}_recall1"] = _rate(top1)
        out[f"{label}_recall_t"] = _rate([v >= cut for v in best])
        print(
            f"  cftwatch {label:<10} recall@1 {out[f'{label}_recall1']:.3f}, "
            f"recall@{cut:.2f} {out[f'{label}_recall_t']:.3f}"
        )
    neg_scores = [v for _, v in res["neg"]]
    out["fp"] = _rate([v >= cut for v in neg_scores])
    father = [i for i, p in enumerate(all_pos) if p.father]
    out["name_only"] = _rate([res["name_only"][i] >= cut for i in father])
    print(f"  cftwatch decoy FP at {cut:.2f}: {out['fp']:.3f}")
    print(f"  NACTA queries on the name alone (father's name withheld): {out['name_only']:.3f}")
    for c in (0.75, 0.8, 0.85, 0.9):
        out[f"recall@{c}"] = _rate([v >= c for v in res["best_true"]])
        out[f"fp@{c}"] = _rate([v >= c for v in neg_scores])
        print(f"    threshold {c}: recall {out[f'recall@{c}']:.3f}, decoy FP {out[f'fp@{c}']:.3f}")
    by_kind: dict[str, list[bool]] = {}
    for kind, v in zip(res["kinds"], res["best_true"], strict=True):
        by_kind.setdefault(kind, []).append(v >= cut)
    print(
        "  recall at threshold by kind: "
        + ", ".join(f"{k} {_rate(v):.3f} ({len(v)})" for k, v in sorted(by_kind.items()))
    )
    misses = [p.query for p, v in zip(all_pos, res["best_true"], strict=True) if v < cut]
    print("  misses (first 12): " + "; ".join(misses[:12]))
    print("  decoy hits (first 12): " + "; ".join([d for d, v in res["neg"] if v >= cut][:12]))
    if baseline is not None and args.baseline_n:
        b_pos = sets["cross-list"][: args.baseline_n] + sets["variants"][: args.baseline_n]
        b1, bt = [], []
        for p in b_pos:
            owner, value = baseline.best(p.query, p.exclude_list)
            b1.append(owner in p.truth)
            bt.append(owner in p.truth and value >= 90)
        b_neg = [baseline.best(d)[1] for d in negatives[: args.baseline_n]]
        out["base_recall1"], out["base_recall_t"] = _rate(b1), _rate(bt)
        out["base_fp"] = _rate([v >= 90 for v in b_neg])
        print(
            f"  baseline WRatio>=90: recall@1 {out['base_recall1']:.3f}, recall@90 "
            f"{out['base_recall_t']:.3f}, decoy FP {out['base_fp']:.3f} "
            f"({len(b_pos)} positives, {len(b_neg)} decoys)"
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lists", type=Path, default=LISTS)
    ap.add_argument("--n", type=int, default=1000, help="variant positives and decoys per seed")
    ap.add_argument("--cross-n", type=int, default=500, help="cross-list positives per seed")
    ap.add_argument("--baseline-n", type=int, default=200, help="0 skips the baseline")
    ap.add_argument("--seeds", default="2,3,4")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--decoys", type=Path, default=DECOYS, help="real decoys (screening_real.py)")
    ap.add_argument("--no-real", action="store_true", help="skip press spellings / real decoys")
    ap.add_argument(
        "--split", choices=("tune", "report", "both"), default="both", help="real-data split(s)"
    )
    ap.add_argument("--real-only", action="store_true", help="skip the generated-name seeds")
    ap.add_argument(
        "--name-only", action="store_true", help="skip the KYC-record mode (screening_kyc.py)"
    )
    args = ap.parse_args()
    with loaded_lists(args.lists) as loaded:
        counts = loaded.counts()
        print(
            f"lists (cftwatch.lists.load_list, {loaded.load_s:.1f} s): "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items())
            + f"; {sum(counts.values()):,} entities"
        )
        t0 = time.perf_counter()
        screener = load_screener(loaded.ws)
        print(
            f"index: {len(screener.index.names):,} names in {time.perf_counter() - t0:.1f} s; "
            f"{sum(len(m) > 1 for m in loaded.members.values())} linked clusters"
        )
        if not args.no_real:
            print("press/KYC spellings and real decoys (screening_real.py; report split to quote):")
            splits = ("tune", "report") if args.split == "both" else (args.split,)
            report_real(screener, args.threshold, args.decoys, bool(args.baseline_n), splits=splits)
        if args.real_only:
            print("cross-list names (linked entries of other lists; report split to quote):")
            splits = ("tune", "report") if args.split == "both" else (args.split,)
            # without the names entries borrow from the entries the lists tie to them: with
            # them every linked entry would carry the query's own-list name, and the figure
            # would say nothing about matching one list's spelling against another's
            untied = Screener(loaded.entities, build_index(loaded.entities, follow_ties=False))
            report_cross_list(loaded, untied, args.threshold, splits)
            if not args.name_only:
                print(
                    "KYC-record mode (every query carries what a KYC record would: "
                    "screening_kyc.py; the name-only figures above stand):"
                )
                report_cross_list(loaded, untied, args.threshold, splits, kyc=True)
                if not args.no_real:
                    report_decoys_kyc(screener, args.threshold, args.decoys, splits)
            return
        baseline = Baseline(screener) if args.baseline_n else None
        results = [
            run_seed(loaded, screener, baseline, int(s), args) for s in args.seeds.split(",")
        ]
    print(f"median over seeds {args.seeds}:")
    for key in results[0]:
        print(f"  {key}: {statistics.median(r[key] for r in results):.3f}")


if __name__ == "__main__":
    main()
