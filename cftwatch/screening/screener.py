"""The Screener and the workspace operations built on it (parties, transactions, re-screening)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib
import json
import multiprocessing as mp
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pyarrow as pa
from rapidfuzz import fuzz, process

from cftwatch import schema as S
from cftwatch.errors import InputError, NotFoundError
from cftwatch.screening.index import NameIndex, build_index, table_version
from cftwatch.screening.normalize import MAX_NAME_CHARS, NormalizedName, normalize_name
from cftwatch.screening.score import (
    DEFAULT_THRESHOLD,
    Feature,
    Query,
    common_parts,
    normalize_identifier,
    score,
)

if TYPE_CHECKING:
    from cftwatch.workspace import Workspace

__all__ = [
    "HITS",
    "Match",
    "Screener",
    "judge",
    "rescreen_on_list_change",
    "screen_name",
    "screen_narrative",
    "screen_parties",
    "screen_transactions",
]

#: Listed names scored per query after blocking.
MAX_CANDIDATES = 150
#: Of those, how many get the full explainable score.
MAX_SCORED = 15
#: Taken off a match on a listed alias the list itself marks weak (low quality).
WEAK_ALIAS = 0.03

HITS = pa.schema(
    [
        ("hit_id", pa.string()),
        ("party_key", pa.string()),
        ("party_name", pa.string()),
        ("entity_id", pa.string()),
        ("list_version", pa.string()),
        ("entity_fingerprint", pa.string()),
        ("score", pa.float64()),
        ("status", pa.string()),  # open | closed | suppressed
        ("reason", pa.string()),
        ("recorded_at", pa.timestamp("us", tz="UTC")),
    ]
)
_HITS_DDL = """CREATE TABLE IF NOT EXISTS screening_hits (
 hit_id VARCHAR, party_key VARCHAR, party_name VARCHAR, entity_id VARCHAR, list_version VARCHAR,
 entity_fingerprint VARCHAR, score DOUBLE, status VARCHAR, reason VARCHAR,
 recorded_at TIMESTAMPTZ)"""
_STATE_DDL = """CREATE TABLE IF NOT EXISTS screening_entity_state (
 entity_id VARCHAR, entity_fingerprint VARCHAR, list_version VARCHAR, recorded_at TIMESTAMPTZ)"""


@dataclass(frozen=True)
class Match:
    entity_id: str
    list_id: str
    list_ref: str
    schema: str
    matched_name: str
    score: float
    features: tuple[Feature, ...]

    @property
    def explanation(self) -> list[str]:
        return [f"{f.contribution:+.2f} {f.why}" for f in self.features]

    def sentence(self) -> str:
        return (
            f"matches {self.matched_name} ({self.list_id} {self.list_ref}) at {self.score:.2f}: "
            + ("; ".join(f.why for f in self.features))
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "list": self.list_id,
            "list_ref": self.list_ref,
            "matched_name": self.matched_name,
            "score": round(self.score, 4),
            "explanation": self.explanation,
        }


def _lists_function(name: str) -> Any:
    """A public function of the lists stage, or None where that stage is not installed."""
    try:
        module = importlib.import_module("cftwatch.lists")
    except ImportError:
        return None
    return getattr(module, name, None)


def entity_fingerprint(entity: dict[str, Any]) -> str:
    """Digest of what screening compares; the lists stage's own one is used when present."""
    lists_fingerprint = _lists_function("entity_fingerprint")
    if lists_fingerprint is not None:
        return str(lists_fingerprint(entity))
    keys = ("schema", "primary_name", "names", "birth_dates", "nationalities", "countries")
    payload = {k: entity.get(k) for k in (*keys, "father_names", "identifiers")}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[
        :16
    ]


def _kind(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().lower()
    if v in ("person", "individual", "natural"):
        return "person"
    if v in ("organization", "organisation", "entity", "company", "legal", "business", "npo"):
        return "organization"
    raise InputError.at(
        f"kind must be person or organization, not {value!r}", field="kind", value=value
    )


class Screener:
    """A blocking index over list entities plus the scorer. Build once, screen many."""

    def __init__(self, entities: pa.Table, index: NameIndex | None = None) -> None:
        self.index = index or build_index(entities)
        self.version = self.index.version
        self._idf_cache: dict[str, float] = {}
        self._keys = [listed.name.key for listed in self.index.names]
        self._by_identifier: dict[str, list[int]] = defaultdict(list)
        for row, entity in enumerate(self.index.entities):
            for ident in entity.get("identifiers") or []:
                if ident.get("usable") is False:
                    continue
                value = normalize_identifier(ident.get("normalized") or ident.get("value") or "")
                if len(value) >= 5:
                    self._by_identifier[value].append(row)

    @functools.cached_property
    def fingerprints(self) -> dict[str, str]:
        """Entity id -> fingerprint of what was screened, so a verdict can name the version."""
        return {e["entity_id"]: entity_fingerprint(e) for e in self.index.entities}

    @classmethod
    def from_workspace(cls, ws: Workspace, sources: Sequence[str] | None = None) -> Screener:
        entities = _active_entities(ws, sources)
        version = table_version(entities)
        path = Path(ws.path) / "screening" / f"index-{version}.pkl"
        index = NameIndex.load(path)
        if index is None:
            index = build_index(entities)
            index.save(path)
        return cls(entities, index)

    def _shortlist(self, name: NormalizedName) -> list[int]:
        """Blocked candidates, cut to the best few by a fast order-free string similarity."""
        rows = self.index.candidates(name, MAX_CANDIDATES)
        if len(rows) <= MAX_SCORED:
            return rows
        keys = [self._keys[r] for r in rows]
        # token_set_ratio gives 100 to every listed name that contains the query's parts, so
        # among those the ones closest as a whole go first ("Muhammad Yusuf" before
        # "Muhammad Yusuf Ahmad Mansur")
        wide = process.extract(name.key, keys, scorer=fuzz.token_set_ratio, limit=3 * MAX_SCORED)
        wide.sort(key=lambda b: (-b[1], -fuzz.token_sort_ratio(name.key, b[0]), b[2]))
        best = wide[:MAX_SCORED]
        for expansion in name.expansions:
            best += process.extract(expansion.key, keys, scorer=fuzz.token_set_ratio, limit=5)
        return [rows[b[2]] for b in best]

    def idf(self, token: str) -> float:
        value = self._idf_cache.get(token)
        if value is None:
            value = self.index.idf(token)
            self._idf_cache[token] = value
        return value

    def entity(self, entity_id: str) -> dict[str, Any]:
        for entity in self.index.entities:
            if entity["entity_id"] == entity_id:
                return entity
        raise NotFoundError(f"no list entity {entity_id!r}")

    def screen(self, query: Query, threshold: float | None = None, limit: int = 10) -> list[Match]:
        """Matches at or above `threshold`, best first, one per entity."""
        cut = DEFAULT_THRESHOLD if threshold is None else threshold
        if query.kind is None and "generic" in query.name.kinds and len(query.name.tokens) > 1:
            query = Query(
                query.name,
                "organization",
                query.birth_date,
                query.country,
                query.identifiers,
                query.father_name,
            )
        variants = [query]
        for expansion in query.name.expansions:
            variants.append(
                Query(
                    expansion,
                    query.kind,
                    query.birth_date,
                    query.country,
                    query.identifiers,
                    query.father_name,
                )
            )
        rows = [] if query.name.is_empty else list(dict.fromkeys(self._shortlist(query.name)))
        # first pass: scores only; the matches returned are explained afterwards
        best: dict[int, tuple[float, int, int]] = {}  # entity row -> (score, name row, variant)
        for v, variant in enumerate(variants):
            for row in rows:
                listed = self.index.names[row]
                entity = self.index.entities[listed.entity_row]
                value, _ = score(variant, listed.name, entity, self.idf, explain=False)
                if listed.quality == "weak":
                    value -= WEAK_ALIAS
                current = best.get(listed.entity_row)
                if current is None or value > current[0]:
                    best[listed.entity_row] = (value, row, v)
        for ident_value in query.identifiers:
            for e_row in self._by_identifier.get(normalize_identifier(ident_value), []):
                entity = self.index.entities[e_row]
                value, _ = score(query, normalize_name(entity["primary_name"]), entity, self.idf)
                current = best.get(e_row)
                if current is None or value > current[0]:
                    best[e_row] = (value, -1, 0)
        ranked = sorted(
            (
                (max(0.0, min(1.0, value)), e_row, row, v)
                for e_row, (value, row, v) in best.items()
                if max(0.0, min(1.0, value)) >= cut
            ),
            key=lambda x: (-x[0], self.index.entities[x[1]]["entity_id"]),
        )[:limit]
        out = []
        for _, e_row, row, v in ranked:
            entity = self.index.entities[e_row]
            if row < 0:
                name = normalize_name(entity["primary_name"])
                value, features = score(query, name, entity, self.idf)
                out.append(self._match(entity, entity["primary_name"], value, features))
                continue
            listed = self.index.names[row]
            value, features = score(variants[v], listed.name, entity, self.idf)
            if listed.quality == "weak":
                value -= WEAK_ALIAS
                features.append(Feature("weak_alias", -WEAK_ALIAS, "listed alias is marked weak"))
            out.append(self._match(entity, listed.name.original, value, features))
        return out

    @staticmethod
    def _match(entity: dict[str, Any], name: str, value: float, features: list[Feature]) -> Match:
        return Match(
            entity["entity_id"],
            entity["list_id"],
            entity["list_ref"],
            entity.get("schema") or "",
            name,
            max(0.0, min(1.0, value)),
            tuple(features),
        )

    def screen_name(
        self,
        name: str,
        kind: str | None = None,
        birth_date: str | None = None,
        country: str | None = None,
        identifiers: Iterable[str] = (),
        father_name: str | None = None,
        threshold: float | None = None,
        limit: int = 10,
    ) -> list[Match]:
        return self.screen(
            make_query(name, kind, birth_date, country, identifiers, father_name), threshold, limit
        )

    def screen_many(
        self, queries: Sequence[Query], threshold: float | None = None, workers: int = 2
    ) -> list[list[Match]]:
        """Screen a batch on `workers` processes (fork; the index is shared copy-on-write)."""
        if workers <= 1 or len(queries) < 200 or "fork" not in mp.get_all_start_methods():
            return [self.screen(q, threshold) for q in queries]
        global _WORKER_SCREENER
        _WORKER_SCREENER = self
        chunk = max(1, len(queries) // (workers * 8))
        with mp.get_context("fork").Pool(workers) as pool:
            return pool.map(_screen_in_worker, [(q, threshold) for q in queries], chunksize=chunk)

    def screen_identifier(self, value: str) -> list[Match]:
        """Exact screening of a wallet address or account/document number."""
        out = []
        for row in self._by_identifier.get(normalize_identifier(value), []):
            entity = self.index.entities[row]
            ident: dict[str, Any] = next(
                (
                    i
                    for i in entity.get("identifiers") or []
                    if normalize_identifier(i.get("normalized") or i.get("value") or "")
                    == normalize_identifier(value)
                ),
                {},
            )
            out.append(
                self._match(
                    entity,
                    entity["primary_name"],
                    0.99,
                    [
                        Feature(
                            "identifier",
                            0.99,
                            f"{ident.get('type') or 'identifier'} {value} is listed",
                        )
                    ],
                )
            )
        return out

    def screen_narrative(self, text: str, threshold: float | None = None) -> list[Match]:
        """Listed names inside free text: every 1..5-word window with a distinctive listed part."""
        if not isinstance(text, str) or not text.strip():
            return []
        words = re.findall(r"\S+", text[: MAX_NAME_CHARS * 10])
        norm_words = [normalize_name(w) for w in words]
        commons = common_parts()
        best: dict[str, Match] = {}
        for i in range(len(words)):
            first = norm_words[i]
            if first.is_empty:
                continue
            for size in range(1, 6):
                window = norm_words[i : i + size]
                if len(window) < size:
                    break
                tokens = [t for w in window for t in w.core_tokens]
                if not any(t not in commons and t in self.index.token_df for t in tokens):
                    continue
                if size == 1 and not first.expansions and len(tokens) < 2:
                    continue
                for match in self.screen_name(" ".join(words[i : i + size]), threshold=threshold):
                    if match.entity_id not in best or match.score > best[match.entity_id].score:
                        best[match.entity_id] = match
        return sorted(best.values(), key=lambda m: -m.score)


_WORKER_SCREENER: Screener | None = None


def _screen_in_worker(args: tuple[Query, float | None]) -> list[Match]:
    assert _WORKER_SCREENER is not None
    return _WORKER_SCREENER.screen(args[0], args[1])


def make_query(
    name: str,
    kind: str | None = None,
    birth_date: str | None = None,
    country: str | None = None,
    identifiers: Iterable[str] = (),
    father_name: str | None = None,
) -> Query:
    return Query(
        normalize_name(name),
        _kind(kind),
        str(birth_date) if birth_date else None,
        (country or "").strip().upper() or None,
        tuple(str(i) for i in identifiers if i),
        normalize_name(father_name) if father_name else None,
    )


def _active_entities(ws: Workspace, sources: Sequence[str] | None = None) -> pa.Table:
    active_entities = _lists_function("active_entities")
    if active_entities is not None:
        return active_entities(ws, sources=sources)
    if not ws.has_table("list_entities"):
        raise NotFoundError("no lists loaded: run `cftwatch lists load` first")
    _finish(ws)
    table = ws.read("list_entities")
    if sources:
        rows = [r for r in table.to_pylist() if r["list_id"] in set(sources)]
        table = pa.Table.from_pylist(rows, schema=table.schema)
    return table


_DEFAULT: dict[str, Screener] = {}


def screen_name(
    name: str,
    kind: str | None = None,
    birth_date: str | None = None,
    country: str | None = None,
    identifiers: Iterable[str] = (),
    father_name: str | None = None,
    threshold: float | None = None,
    *,
    workspace: Workspace | None = None,
    screener: Screener | None = None,
) -> list[Match]:
    """Screen one name against the workspace's active lists (or a given Screener)."""
    if screener is None:
        if workspace is None:
            from cftwatch.workspace import Workspace

            workspace = Workspace.open()
        key = str(workspace.path)
        screener = _DEFAULT.get(key)
        if screener is None or screener.version != table_version(_active_entities(workspace)):
            screener = _DEFAULT[key] = Screener.from_workspace(workspace)
    return screener.screen_name(
        name, kind, birth_date, country, identifiers, father_name, threshold
    )


# ---------------------------------------------------------------- workspace operations


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ensure_tables(ws: Workspace) -> None:
    ws.con.execute(_HITS_DDL)
    ws.con.execute(_STATE_DDL)
    ws.ensure_tables({"alerts": S.ALERTS})
    _finish(ws)


def _finish(ws: Workspace) -> None:
    """Drain any half-read result so DuckDB 2 lets the connection register Arrow data."""
    ws.con.execute("SELECT 1").fetchall()


def _alert_id(rule_id: str, subject_id: str, entity_id: str, version: str) -> str:
    raw = f"{rule_id}|{subject_id}|{entity_id}|{version}"
    return "scr-" + hashlib.sha256(raw.encode()).hexdigest()[:20]


def _existing_alert_ids(ws: Workspace, ids: Iterable[str]) -> set[str]:
    wanted = list(set(ids))
    if not wanted:
        return set()
    rows = ws.con.execute(
        "SELECT alert_id FROM alerts WHERE alert_id IN (SELECT unnest(?))", [wanted]
    ).fetchall()
    return {r[0] for r in rows}


def _alert_row(
    rule_id: str,
    subject_type: str,
    subject_id: str,
    subject_name: str | None,
    match: Match,
    screener: Screener,
    run_id: str,
    txn_ids: list[str] | None = None,
) -> dict[str, Any]:
    version = screener.version
    severity = "critical" if match.score >= 0.95 else "high" if match.score >= 0.88 else "medium"
    if rule_id == "screening.narrative" and severity == "critical":
        severity = "high"  # a listed name in free text is a lead, not an identified party
    return {
        "alert_id": _alert_id(rule_id, subject_id, match.entity_id, version),
        "run_id": run_id,
        "source": "screening",
        "rule_id": rule_id,
        "typology": "sanctions_match",
        "subject_type": subject_type,
        "subject_id": subject_id,
        "subject_name": subject_name,
        "severity": severity,
        "score": round(match.score, 4),
        "txn_ids": txn_ids or [],
        "params": json.dumps({"list_version": version}),
        "explanation": f"{subject_name or subject_id} " + match.sentence() + ".",
        "details": json.dumps(
            {
                "features": [f.to_dict() for f in match.features],
                "list": match.list_id,
                "list_ref": match.list_ref,
                "party_key": subject_id,
                "entity_fingerprint": screener.fingerprints.get(match.entity_id),
            }
        ),
        "entity_id": match.entity_id,
        "created_at": _now(),
    }


def _write_alerts(ws: Workspace, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    unique = {r["alert_id"]: r for r in rows}
    fresh = [r for k, r in unique.items() if k not in _existing_alert_ids(ws, unique)]
    if fresh:
        ws.append("alerts", S.conform(pa.Table.from_pylist(fresh), S.ALERTS))
    return len(fresh)


def _suppressed(
    ws: Workspace, screener: Screener, party_keys: Iterable[str]
) -> dict[tuple[str, str], str]:
    """(party, entity) pairs an analyst marked false match, still valid for this entity state."""
    try:
        from cftwatch.store import OperationalStore
    except ImportError:
        return {}
    store = OperationalStore.for_workspace(ws)
    out = {}
    fingerprints = screener.fingerprints
    for (party, entity_id), judgement in store.latest_judgements(list(party_keys)).items():
        if judgement.verdict == "false_match" and judgement.entity_fingerprint == fingerprints.get(
            entity_id
        ):
            out[(party, entity_id)] = f"false match remembered ({judgement.user})"
    return out


def judge(
    ws: Workspace, party_key: str, entity_id: str, verdict: str, user: str, note: str | None = None
) -> Any:
    """Record an analyst's verdict on a (party, entity) pair, tied to the entity's current state."""
    from cftwatch.store import OperationalStore

    screener = Screener.from_workspace(ws)
    entity = screener.entity(entity_id)
    store = OperationalStore.for_workspace(ws)
    return store.record_judgement(
        party_key,
        entity_id,
        cast(Any, verdict),
        user,
        entity_fingerprint(entity),
        note,
    )


def screen_parties(
    ws: Workspace,
    parties: pa.Table | None = None,
    *,
    screener: Screener | None = None,
    threshold: float | None = None,
    entity_ids: set[str] | None = None,
    run_id: str | None = None,
) -> dict[str, int]:
    """Screen a party table (default: the workspace's `parties`); write hits and alerts."""
    _ensure_tables(ws)
    screener = screener or Screener.from_workspace(ws)
    if parties is None:
        parties = ws.read("parties") if ws.has_table("parties") else S.empty(S.PARTIES)
    _finish(ws)
    rows = parties.to_pylist()
    queries = [_party_query(r) for r in rows]
    results = screener.screen_many(queries, threshold)
    run_id = run_id or "screen-" + _now().strftime("%Y%m%dT%H%M%S")
    keys = [str(r.get("party_id") or r.get("name") or "") for r in rows]
    suppressed = _suppressed(ws, screener, keys)
    fingerprints = screener.fingerprints
    hits, alerts, n_suppressed = [], [], 0
    for row, key, matches in zip(rows, keys, results, strict=True):
        for match in matches:
            if entity_ids is not None and match.entity_id not in entity_ids:
                continue
            reason = suppressed.get((key, match.entity_id))
            status = "suppressed" if reason else "open"
            hits.append(
                {
                    "hit_id": f"{key}|{match.entity_id}",
                    "party_key": key,
                    "party_name": row.get("name"),
                    "entity_id": match.entity_id,
                    "list_version": screener.version,
                    "entity_fingerprint": fingerprints.get(match.entity_id),
                    "score": match.score,
                    "status": status,
                    "reason": reason or match.sentence(),
                    "recorded_at": _now(),
                }
            )
            if reason:
                n_suppressed += 1
                continue
            alerts.append(
                _alert_row(
                    "screening.name"
                    if not any(f.name == "identifier" for f in match.features)
                    else "screening.identifier",
                    "party",
                    key,
                    row.get("name"),
                    match,
                    screener,
                    run_id,
                )
            )
    with ws.atomic():
        if hits:
            ws.append("screening_hits", pa.Table.from_pylist(hits, schema=HITS))
        written = _write_alerts(ws, alerts)
        _record_state(ws, screener)
    return {"screened": len(rows), "hits": len(hits), "alerts": written, "suppressed": n_suppressed}


def _known_parties(ws: Workspace, ids: set[str]) -> dict[str, dict[str, Any]]:
    """The `parties` rows (the institution's customers) among these counterparty ids."""
    if not ids or not ws.has_table("parties"):
        return {}
    wanted = pa.table({"party_id": pa.array(sorted(ids), pa.string())})  # noqa: F841
    rows = ws.con.sql("SELECT p.* FROM parties p JOIN wanted w USING (party_id)").to_arrow_table()
    return {str(r["party_id"]): r for r in rows.to_pylist()}


def _counterparty_query(
    name: str, country: str | None, ids: set[str], known: dict[str, dict[str, Any]]
) -> Query:
    """A counterparty as a query: where it is one known customer, with what KYC holds on it
    (kind, date of birth, father's name, identifiers), under the name the payment carried."""
    country_code = (country or "").upper() or None
    rows = [known[i] for i in ids if i in known]
    if len(ids) == 1 and rows:
        base = _party_query(rows[0])
        return Query(
            normalize_name(name),
            base.kind,
            base.birth_date,
            country_code or base.country,
            base.identifiers,
            base.father_name,
        )
    kinds = {_party_query(r).kind for r in rows}
    kind = kinds.pop() if len(kinds) == 1 and len(rows) == len(ids) else None
    return Query(normalize_name(name), kind, None, country_code)


def _party_query(row: dict[str, Any]) -> Query:
    idents: list[str] = []
    for item in row.get("identifiers") or []:
        value = item.get("value") if isinstance(item, dict) else item
        if value:
            idents.append(str(value))
    kind = row.get("kind") or row.get("party_type")
    try:
        parsed_kind = _kind(kind)
    except InputError:
        parsed_kind = None
    return Query(
        normalize_name(row.get("name") or ""),
        parsed_kind,
        str(row["birth_date"]) if row.get("birth_date") else None,
        (row.get("country") or row.get("nationality") or "").upper() or None,
        tuple(str(i) for i in idents),
        normalize_name(row["father_name"]) if row.get("father_name") else None,
    )


def _record_state(ws: Workspace, screener: Screener) -> None:
    now = _now()
    rows = [
        (e["entity_id"], entity_fingerprint(e), screener.version, now)
        for e in screener.index.entities
    ]
    seen = ws.con.execute(
        "SELECT count(*) FROM screening_entity_state WHERE list_version = ?", [screener.version]
    ).fetchall()
    if seen and seen[0][0]:
        return
    ws.con.executemany("INSERT INTO screening_entity_state VALUES (?, ?, ?, ?)", rows)


def rescreen_on_list_change(ws: Workspace, threshold: float | None = None) -> dict[str, int]:
    """Screen only added/changed entries against all parties; close hits of removed entries."""
    _ensure_tables(ws)
    screener = Screener.from_workspace(ws)
    last = ws.con.execute(
        "SELECT list_version FROM screening_entity_state ORDER BY recorded_at DESC LIMIT 1"
    ).fetchall()
    previous: dict[str, str] = {}
    if last:
        previous = dict(
            ws.con.execute(
                "SELECT entity_id, entity_fingerprint FROM screening_entity_state WHERE list_version=?",
                [last[0][0]],
            ).fetchall()
        )
    current = {e["entity_id"]: entity_fingerprint(e) for e in screener.index.entities}
    changed = {k for k, v in current.items() if previous.get(k) != v}
    removed = set(previous) - set(current)
    result = {"changed": len(changed), "removed": len(removed), "closed": 0}
    if removed:
        cursor = ws.con.execute(
            f"""SELECT {", ".join(HITS.names)} FROM (SELECT *, row_number() OVER
               (PARTITION BY hit_id ORDER BY recorded_at DESC) rn FROM screening_hits)
               WHERE rn = 1 AND status = 'open' AND entity_id IN (SELECT unnest(?))""",
            [sorted(removed)],
        )
        closing = [dict(zip(HITS.names, r, strict=True)) for r in cursor.fetchall()]
        for hit in closing:
            hit.update(
                status="closed",
                reason="list entry removed",
                recorded_at=_now(),
                list_version=screener.version,
            )
        if closing:
            with ws.atomic():
                ws.append("screening_hits", pa.Table.from_pylist(closing, schema=HITS))
        result["closed"] = len(closing)
    if changed:
        counts = screen_parties(ws, screener=screener, threshold=threshold, entity_ids=changed)
        result.update(counts)
    else:
        with ws.atomic():
            _record_state(ws, screener)
    return result


def screen_transactions(
    ws: Workspace,
    *,
    screener: Screener | None = None,
    threshold: float | None = None,
    narratives: bool = True,
) -> dict[str, int]:
    """Screen debtor/creditor names (deduplicated), account identifiers and narratives."""
    _ensure_tables(ws)
    screener = screener or Screener.from_workspace(ws)
    if not ws.has_table("transactions"):
        raise NotFoundError("no transactions in the workspace: run `cftwatch ingest` first")
    _finish(ws)
    cols = [
        "txn_id",
        "debtor_id",
        "debtor_name",
        "debtor_account",
        "debtor_country",
        "creditor_id",
        "creditor_name",
        "creditor_account",
        "creditor_country",
        "narrative",
    ]
    txns = ws.con.sql(f"SELECT {', '.join(cols)} FROM transactions").to_arrow_table()
    assert txns is not None
    parties: dict[tuple[str, str | None], dict[str, Any]] = {}
    accounts: dict[str, list[str]] = defaultdict(list)
    narrative_rows: list[tuple[str, str]] = []
    for t in txns.to_pylist():
        for side in ("debtor", "creditor"):
            name = t.get(f"{side}_name")
            if name and name.strip():
                key = (name.strip(), t.get(f"{side}_country"))
                entry = parties.setdefault(key, {"ids": set(), "txns": []})
                entry["ids"].add(t.get(f"{side}_id") or name.strip())
                entry["txns"].append(t["txn_id"])
            if t.get(f"{side}_account"):
                accounts[t[f"{side}_account"]].append(t["txn_id"])
        if narratives and t.get("narrative"):
            narrative_rows.append((t["txn_id"], t["narrative"]))
    keys = list(parties)
    known = _known_parties(ws, {i for entry in parties.values() for i in entry["ids"]})
    queries = [_counterparty_query(n, c, parties[(n, c)]["ids"], known) for n, c in keys]
    results = screener.screen_many(queries, threshold)
    run_id = "screen-txn-" + _now().strftime("%Y%m%dT%H%M%S")
    alerts = []
    for (name, _), matches in zip(keys, results, strict=True):
        entry = parties[(name, _)]
        subject = sorted(entry["ids"])[0]
        for match in matches:
            alerts.append(
                _alert_row(
                    "screening.name",
                    "party",
                    subject,
                    name,
                    match,
                    screener,
                    run_id,
                    sorted(set(entry["txns"])),
                )
            )
    for account, txn_ids in accounts.items():
        for match in screener.screen_identifier(account):
            alerts.append(
                _alert_row(
                    "screening.identifier",
                    "account",
                    account,
                    None,
                    match,
                    screener,
                    run_id,
                    sorted(set(txn_ids)),
                )
            )
    for txn_id, text in narrative_rows:
        for match in screener.screen_narrative(text, threshold):
            alerts.append(
                _alert_row(
                    "screening.narrative",
                    "transaction",
                    txn_id,
                    None,
                    match,
                    screener,
                    run_id,
                    [txn_id],
                )
            )
    with ws.atomic():
        written = _write_alerts(ws, alerts)
    return {"counterparties": len(keys), "accounts": len(accounts), "alerts": written}


def screen_narrative(text: str, screener: Screener, threshold: float | None = None) -> list[Match]:
    return screener.screen_narrative(text, threshold)
