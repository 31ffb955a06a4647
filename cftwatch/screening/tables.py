"""Screening's tables in the analytical store, all through the workspace gateway.

Reads the canonical `list_entities` view (the active snapshot of every list) and writes
canonical `alerts` plus two stage-private tables, appended and never updated:

* `screening_hits`: one row per (party, entity) status change (open, suppressed, closed);
* `screening_entity_state`: each entity's fingerprint per list version, the baseline that
  re-screening diffs against.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from cftwatch import schema as S
from cftwatch.errors import NotFoundError
from cftwatch.fingerprints import entity_fingerprint
from cftwatch.jsontext import dumps
from cftwatch.screening.index import NameIndex, build_index, rules_digest, table_version
from cftwatch.screening.screener import Match, Screener
from cftwatch.vocab import Severity
from cftwatch.workspace import Workspace, quote_ident

__all__ = [
    "ENTITY_STATE",
    "HITS",
    "alert_row",
    "ensure_screening_tables",
    "load_screener",
    "read_list_entities",
]

ENTITIES_VIEW = "list_entities"
HITS_TABLE = "screening_hits"
STATE_TABLE = "screening_entity_state"

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
ENTITY_STATE = pa.schema(
    [
        ("entity_id", pa.string()),
        ("entity_fingerprint", pa.string()),
        ("list_version", pa.string()),
        ("recorded_at", pa.timestamp("us", tz="UTC")),
    ]
)

_ENTITY_COLUMNS = ", ".join(quote_ident(c) for c in S.LIST_ENTITIES.names)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ensure_screening_tables(ws: Workspace) -> None:
    """The private tables and canonical `alerts` (idempotent)."""
    ws.ensure_table(HITS_TABLE, HITS)
    ws.ensure_table(STATE_TABLE, ENTITY_STATE)
    ws.ensure_tables({"alerts": S.ALERTS})


# -- list entities ------------------------------------------------------------------


def read_list_entities(ws: Workspace) -> pa.Table:
    """The active `LIST_ENTITIES` rows (the lists stage's `list_entities` view), by entity id;
    empty when no list was ever loaded."""
    if not ws.has_table(ENTITIES_VIEW):
        return S.empty(S.LIST_ENTITIES)
    table = ws.read(ENTITIES_VIEW, S.LIST_ENTITIES.names).sort_by("entity_id")
    return S.conform(table, S.LIST_ENTITIES)


def find_list_entity(ws: Workspace, entity_id: str) -> dict[str, Any]:
    """One active list entity by id, or NotFoundError."""
    rows: list[dict[str, Any]] = []
    if ws.has_table(ENTITIES_VIEW):
        rows = ws.query_dicts(
            f"SELECT {_ENTITY_COLUMNS} FROM {quote_ident(ENTITIES_VIEW)} WHERE entity_id = ?",
            [entity_id],
        )
    if not rows:
        raise NotFoundError(f"no list entity {entity_id!r}")
    return rows[0]


def load_screener(ws: Workspace, entities: pa.Table | None = None) -> Screener:
    """A Screener over the workspace's active lists (or `entities`), its index cached in
    `<workspace>/screening/index-<version>-<rules>.npz` (NumPy arrays, never a pickle) so
    it is built once per list version and set of screening data files."""
    if entities is None:
        entities = read_list_entities(ws)
    path = Path(ws.path) / "screening" / f"index-{table_version(entities)}-{rules_digest()}.npz"
    index = NameIndex.load(path)
    if index is None:
        index = build_index(entities)
        index.save(path)
    return Screener(entities, index)


# -- alerts -------------------------------------------------------------------------


def _alert_id(rule_id: str, subject_id: str, entity_id: str, version: str) -> str:
    raw = f"{rule_id}|{subject_id}|{entity_id}|{version}"
    return "scr-" + hashlib.sha256(raw.encode()).hexdigest()[:20]


def _severity(rule_id: str, score: float) -> Severity:
    if score >= 0.95:
        severity = Severity.CRITICAL
    elif score >= 0.88:
        severity = Severity.HIGH
    else:
        severity = Severity.MEDIUM
    if rule_id == "screening.narrative" and severity is Severity.CRITICAL:
        return Severity.HIGH  # a listed name in free text is a lead, not an identified party
    return severity


def alert_row(
    rule_id: str,
    subject_type: str,
    subject_id: str,
    subject_name: str | None,
    match: Match,
    screener: Screener,
    run_id: str,
    txn_ids: list[str] | None = None,
) -> dict[str, Any]:
    """A canonical `alerts` row for one match; its id is stable per list version."""
    version = screener.version
    return {
        "alert_id": _alert_id(rule_id, subject_id, match.entity_id, version),
        "run_id": run_id,
        "source": "screening",
        "rule_id": rule_id,
        "typology": "sanctions_match",
        "subject_type": subject_type,
        "subject_id": subject_id,
        "subject_name": subject_name,
        "severity": _severity(rule_id, match.score).value,
        "score": round(match.score, 4),
        "txn_ids": txn_ids or [],
        "params": dumps({"list_version": version}),
        "explanation": f"{subject_name or subject_id} " + match.sentence() + ".",
        "details": dumps(
            {
                "features": [f.to_dict() for f in match.features],
                "list": match.list_id,
                "list_ref": match.list_ref,
                "party_key": subject_id,
                "entity_fingerprint": screener.fingerprints.get(match.entity_id),
            }
        ),
        "entity_id": match.entity_id,
        "created_at": now(),
    }


def _existing_alert_ids(ws: Workspace, ids: Iterable[str]) -> set[str]:
    wanted = list(set(ids))
    if not wanted:
        return set()
    rows = ws.query("SELECT alert_id FROM alerts WHERE alert_id IN (SELECT unnest(?))", [wanted])
    return {r[0] for r in rows}


def write_alerts(ws: Workspace, rows: list[dict[str, Any]]) -> int:
    """Append the alerts not already stored (same id = same finding); returns how many."""
    if not rows:
        return 0
    unique = {r["alert_id"]: r for r in rows}
    existing = _existing_alert_ids(ws, unique)
    fresh = [r for k, r in unique.items() if k not in existing]
    if fresh:
        ws.append("alerts", S.conform(pa.Table.from_pylist(fresh), S.ALERTS))
    return len(fresh)


# -- hits and entity state ----------------------------------------------------------


def append_hits(ws: Workspace, hits: list[dict[str, Any]]) -> None:
    if hits:
        ws.append(HITS_TABLE, pa.Table.from_pylist(hits, schema=HITS))


def open_hits_of(ws: Workspace, entity_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The newest row of every hit on these entities that is still open."""
    cols = ", ".join(quote_ident(c) for c in HITS.names)
    return ws.query_dicts(
        f"""SELECT {cols} FROM (SELECT *, row_number() OVER
           (PARTITION BY hit_id ORDER BY recorded_at DESC) rn FROM {quote_ident(HITS_TABLE)})
           WHERE rn = 1 AND status = 'open' AND entity_id IN (SELECT unnest(?))""",
        [list(entity_ids)],
    )


def record_entity_state(ws: Workspace, screener: Screener) -> None:
    """Store every entity's fingerprint for this list version (once per version)."""
    seen = ws.scalar(
        f"SELECT count(*) FROM {quote_ident(STATE_TABLE)} WHERE list_version = ?",
        [screener.version],
    )
    if seen:
        return
    at = now()
    rows = [
        {
            "entity_id": e["entity_id"],
            "entity_fingerprint": entity_fingerprint(e),
            "list_version": screener.version,
            "recorded_at": at,
        }
        for e in screener.index.entities
    ]
    if rows:
        ws.append(STATE_TABLE, pa.Table.from_pylist(rows, schema=ENTITY_STATE))


def last_entity_state(ws: Workspace) -> dict[str, str]:
    """Entity id -> fingerprint as last recorded (empty before the first screening)."""
    last = ws.scalar(
        f"SELECT list_version FROM {quote_ident(STATE_TABLE)} ORDER BY recorded_at DESC LIMIT 1"
    )
    if last is None:
        return {}
    rows = ws.query(
        f"SELECT entity_id, entity_fingerprint FROM {quote_ident(STATE_TABLE)} "
        "WHERE list_version = ?",
        [last],
    )
    return {str(r[0]): str(r[1]) for r in rows}
