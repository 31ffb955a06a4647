"""Screening quality on material cftwatch did not generate (issue 17), used by
`screening_quality.py`.

* Decoys: real Pakistani person names (Latin and Urdu script) and PSX-listed company names,
  `decoys_pk.csv` built by `research/screening/build_decoys.py` from the Election Commission of
  Pakistan's 2024 Form-33 candidate lists (github zlenner/elections-data @ bbbe905d) and
  github Yamin14/get-mps-frontend @ 498aee60. Personal data without a licence: it is not in
  the repository; pass its path with `--decoys` (default `../research/screening/decoys_pk.csv`).
  The name-frequency file in the package was counted on the *other* half of the same source,
  so the rarity model never saw these decoys.
* Positives: `data/screening/press_spellings.csv`, hand-written press, KYC, joined-compound,
  Urdu and narrative spellings of 43 listed groups and people relevant to Pakistan, each
  expected reference checked against the list files (`research/screening/check_refs.py`).
  A row counts as found when every expected entry is returned at the threshold.
* Split: each row goes by md5 of its text to `tune` (even) or `report` (odd). Thresholds and
  weights were set looking at `tune` only; `report` is the figure to quote.
* Baseline: token-blocked RapidFuzz `token_sort_ratio` (lower-cased, ASCII-folded names; any
  shared token makes a candidate), alert at 85, as in `shared/ANCHORS.md`.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process
from screening_kyc import decoy_record

from cftwatch.screening import Screener
from cftwatch.screening.normalize import fold_text

HERE = Path(__file__).resolve().parent
PRESS = HERE / "data" / "screening" / "press_spellings.csv"
DECOYS = HERE.parents[1] / "research" / "screening" / "decoys_pk.csv"
IDENTITY_LIST = "pk-nacta"


def split_of(text: str) -> str:
    return "tune" if int(hashlib.md5(text.encode()).hexdigest(), 16) % 2 == 0 else "report"


@dataclass(frozen=True)
class Row:
    query: str
    form: str  # latin | urdu | kyc | joined | narrative | person (decoys: person, ...)
    truth: frozenset[str]
    split: str


def press_rows(path: Path = PRESS) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Row(
                r["query"],
                r["form"],
                frozenset(r["expected_refs"].split(";")),
                split_of(r["query"]),
            )
            for r in csv.DictReader(fh)
        ]


def decoy_rows(path: Path = DECOYS) -> list[Row]:
    if not path.exists():
        raise SystemExit(
            f"{path}: decoys not found; build them with research/screening/load_sources.sh"
        )
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Row(r["name"], r["kind"], frozenset(), split_of(r["name"])) for r in csv.DictReader(fh)
        ]


class TokenSortBaseline:
    """Token-blocked `token_sort_ratio` over every listed name (ANCHORS.md's baseline)."""

    def __init__(self, screener: Screener) -> None:
        ents = screener.index.entities
        self.names = [fold_text(ln.name.original) for ln in screener.index.names]
        self.owner = [ents[ln.entity_row]["entity_id"] for ln in screener.index.names]
        self.list_of = [ents[ln.entity_row]["list_id"] for ln in screener.index.names]
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(self.names):
            for token in set(name.split()):
                self.postings[token].append(i)

    def hits(self, query: str, cut: float = 85.0) -> dict[str, float]:
        """Entity id -> best score at or above `cut`."""
        q = fold_text(query)
        rows = sorted({i for t in set(q.split()) for i in self.postings.get(t, ())})
        out: dict[str, float] = {}
        found = process.extract(
            q,
            [self.names[i] for i in rows],
            scorer=fuzz.token_sort_ratio,
            score_cutoff=cut,
            limit=None,
        )
        for _, value, k in found:
            owner = self.owner[rows[k]]
            out[owner] = max(out.get(owner, 0.0), float(value))
        return out


def _rate(values: Iterable[bool]) -> tuple[float, int]:
    v = list(values)
    return (sum(v) / len(v) if v else 0.0), len(v)


def _fmt(label: str, values: Iterable[bool]) -> str:
    rate, n = _rate(values)
    return f"{label} {rate:.3f} ({n})"


def _fmt_count(label: str, values: Iterable[bool]) -> str:
    """A rate with its count: 0.5 % targets need the fourth decimal (27/5679 = 0.0048)."""
    v = list(values)
    rate, n = _rate(v)
    return f"{label} {rate:.4f} ({sum(v)}/{n})"


def _cftwatch_hits(
    screener: Screener, row: Row, cut: float, kyc: bool = False
) -> dict[str, tuple[float, str]]:
    if row.form == "narrative":
        found = screener.screen_narrative(row.query, threshold=cut)
    elif kyc:
        kind, birth, country = decoy_record(row.query, row.form)
        found = screener.screen_name(
            row.query, kind=kind, birth_date=birth, country=country, threshold=cut, limit=50
        )
    else:
        found = screener.screen_name(row.query, threshold=cut, limit=50)
    return {m.entity_id: (m.score, m.list_id) for m in found}


def shortlist_recall(screener: Screener, rows: list[Row]) -> tuple[float, int, list[str]]:
    """Share of (row, expected entry) pairs whose entry has a name among the candidates that
    reach the scorer, or is tied by the lists to an entry that has: the candidate generator
    measured on its own."""
    from cftwatch.screening import normalize_name

    got, lost = [], []
    for row in rows:
        if row.form == "narrative":
            continue
        name = normalize_name(row.query)
        # an entry reaches the scorer on its own names or as one the lists tie to a
        # shortlisted entry (scored against its own entry, `Screener._add_tied`)
        e_rows = {screener.index.names[r].entity_row for r in screener._shortlist(name)}
        e_rows |= {t for e in e_rows for t in screener.index.ties.get(e, ())}
        reached = {screener.index.entities[e]["entity_id"] for e in e_rows}
        for ref in row.truth:
            got.append(ref in reached)
            if ref not in reached:
                lost.append(f"{row.query} -> {ref}")
    rate, n = _rate(got)
    return rate, n, lost


def report_real(
    screener: Screener,
    cut: float,
    decoys_path: Path,
    baseline: bool,
    splits: tuple[str, ...] = ("tune", "report"),
) -> dict:
    """Print and return recall on press/KYC spellings and false alerts on real decoys;
    `splits=("tune",)` while tuning, so the `report` figures stay unseen."""
    press, decoys = press_rows(), decoy_rows(decoys_path)
    base = TokenSortBaseline(screener) if baseline else None
    out: dict[str, float] = {}
    for split in splits:
        p_rows = [r for r in press if r.split == split]
        d_rows = [r for r in decoys if r.split == split]
        found = {r: _cftwatch_hits(screener, r, cut) for r in p_rows}
        ok = {r: r.truth <= set(found[r]) for r in p_rows}
        by_form: dict[str, list[bool]] = defaultdict(list)
        for r in p_rows:
            by_form[r.form].append(ok[r])
        non_narr = [ok[r] for r in p_rows if r.form != "narrative"]
        out[f"{split}_press_recall"] = _rate(non_narr)[0]
        print(
            f"  [{split}] press/KYC recall@{cut:.2f}: "
            + _fmt("all but narratives", non_narr)
            + "; "
            + ", ".join(_fmt(f, v) for f, v in sorted(by_form.items()))
        )
        misses = [r.query for r in p_rows if not ok[r]]
        print(f"    misses ({len(misses)}): " + "; ".join(misses[:25]))
        d_hits = {r: _cftwatch_hits(screener, r, cut) for r in d_rows}
        out.update(_report_decoys(d_hits, split, cut, "name only"))
        rate, n, lost = shortlist_recall(screener, p_rows)
        out[f"{split}_shortlist_recall"] = rate
        print(
            f"  [{split}] shortlist recall (expected entry reaches the scorer): {rate:.4f} ({n}); lost: "
            + "; ".join(lost[:10])
        )
        if base is not None:
            b_ok = [r.truth <= set(base.hits(r.query)) for r in p_rows if r.form != "narrative"]
            b_fp = [bool(base.hits(r.query)) for r in d_rows]
            b_nn = [
                any(not k.startswith(IDENTITY_LIST + ":") for k in base.hits(r.query))
                for r in d_rows
            ]
            out[f"{split}_base_press_recall"], out[f"{split}_base_decoy_fp"] = (
                _rate(b_ok)[0],
                _rate(b_fp)[0],
            )
            print(
                f"  [{split}] baseline token_sort_ratio>=85: "
                + _fmt("press/KYC recall", b_ok)
                + "; "
                + _fmt("decoy false alerts", b_fp)
                + "; "
                + _fmt("without NACTA", b_nn)
            )
    return out


def _report_decoys(
    d_hits: dict[Row, dict[str, tuple[float, str]]], split: str, cut: float, label: str
) -> dict[str, float]:
    any_alert = [bool(h) for h in d_hits.values()]
    no_nacta = [any(lid != IDENTITY_LIST for _, lid in h.values()) for h in d_hits.values()]
    out: dict[str, float] = {}
    suffix = "" if label == "name only" else "_kyc"
    out[f"{split}_decoy_fp{suffix}"], out[f"{split}_decoy_fp_no_nacta{suffix}"] = (
        _rate(any_alert)[0],
        _rate(no_nacta)[0],
    )
    by_kind: dict[str, list[bool]] = defaultdict(list)
    per_list: dict[str, int] = defaultdict(int)
    for r, h in d_hits.items():
        by_kind[r.form].append(bool(h))
        for lid in {lid for _, lid in h.values()}:
            per_list[lid] += 1
    print(
        f"  [{split}] decoy false alerts@{cut:.2f} ({label}): "
        + _fmt_count("overall", any_alert)
        + "; "
        + _fmt_count("without NACTA", no_nacta)
        + "; "
        + ", ".join(_fmt(k, v) for k, v in sorted(by_kind.items()))
        + "; decoys alerting per list: "
        + ", ".join(f"{k} {v}" for k, v in sorted(per_list.items()))
    )
    hits = [f"{r.query} -> {sorted(h)[:2]}" for r, h in d_hits.items() if h]
    print("    decoy hits (first 40): " + "; ".join(hits[:40]))
    return out


def report_decoys_kyc(
    screener: Screener, cut: float, decoys_path: Path, splits: tuple[str, ...]
) -> dict[str, float]:
    """False alerts on the real decoys when each carries what a KYC record would: its kind,
    and a person nationality PK and a birth date drawn from `screening_kyc.ADULT_AGE_BANDS`
    seeded by the name (`screening_kyc.decoy_record`)."""
    decoys = decoy_rows(decoys_path)
    out: dict[str, float] = {}
    for split in splits:
        d_rows = [r for r in decoys if r.split == split]
        d_hits = {r: _cftwatch_hits(screener, r, cut, kyc=True) for r in d_rows}
        out.update(_report_decoys(d_hits, split, cut, "KYC record: kind, birth date, PK"))
    return out
