"""Versioned list store in the workspace DuckDB.

Tables (created idempotently by `ensure_list_tables`):

* `list_versions`: one row per loaded snapshot (list, sequence, publication date from the
  file, file hashes, entity count, warnings, when, whether active).
* `list_entity_versions`: every entity row of every snapshot (`LIST_ENTITIES` columns plus
  `fingerprint` and `row_hash`); rows are never deleted, a newer snapshot supersedes them.
* view `list_entities`: the `LIST_ENTITIES` rows of each list's active snapshot
  (`source_version` is the version id, so history is one join away).

A snapshot becomes active only after its file parsed completely and all its rows are in,
inside one transaction; a file that fails (truncated, wrong format, empty) leaves the
previous active version untouched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.errors import ConfigError, ListFormatError, NotFoundError
from cftwatch.fingerprints import entity_fingerprint
from cftwatch.jsontext import canonical_json, dumps
from cftwatch.lists.model import ParsedList
from cftwatch.lists.sources import list_ids_for
from cftwatch.workspace import Workspace, quote_ident

VERSIONS_TABLE = "list_versions"
ROWS_TABLE = "list_entity_versions"
ACTIVE_VIEW = "list_entities"

ENTITY_COLUMNS = cs.column_names(cs.LIST_ENTITIES)
DIFF_FIELDS = [c for c in ENTITY_COLUMNS if c not in ("entity_id", "source_version")]

DEFAULT_MAX_SHRINK = 0.5
"""A new snapshot with fewer than (1 - this) × the active one's entities is refused unless
forced: a list does not lose half its entries in one update, a broken download does.
Override per workspace with `lists.max_shrink` (0..1)."""

VERSIONS_SCHEMA = pa.schema(
    [
        ("version_id", pa.string()),
        pa.field("list_id", pa.string(), nullable=False),
        pa.field("seq", pa.int32(), nullable=False),
        ("published", cs.TIMESTAMP_TYPE),
        ("format", pa.string()),
        ("files", pa.string()),
        pa.field("sha256", pa.string(), nullable=False),
        ("bytes", pa.int64()),
        pa.field("entities", pa.int64(), nullable=False),
        ("warnings", pa.string()),
        ("source_url", pa.string()),
        pa.field("loaded_at", cs.TIMESTAMP_TYPE, nullable=False),
        pa.field("active", pa.bool_(), nullable=False),
        ("superseded_at", cs.TIMESTAMP_TYPE),
        ("superseded_by", pa.string()),
    ]
)
"""`list_versions`: one row per stored snapshot (files and warnings as JSON text)."""

ROWS_SCHEMA = cs.LIST_ENTITIES.append(pa.field("fingerprint", pa.string())).append(
    pa.field("row_hash", pa.string())
)
"""`list_entity_versions`: `LIST_ENTITIES` plus the matching fingerprint and a row hash."""

_ENTITY_SELECT = ", ".join(quote_ident(c) for c in ENTITY_COLUMNS)


@dataclass
class ListVersion:
    """One stored snapshot of a list."""

    version_id: str
    list_id: str
    seq: int
    published: datetime | None
    format: str
    files: list[str]
    sha256: str
    bytes: int
    entities: int
    warnings: list[str]
    source_url: str | None
    loaded_at: datetime
    active: bool
    superseded_at: datetime | None = None
    superseded_by: str | None = None
    unchanged: bool = False
    """True when `load_list` found this exact file already active and loaded nothing."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FieldChange:
    before: Any
    after: Any
    added: list[Any] = field(default_factory=list)
    removed: list[Any] = field(default_factory=list)


@dataclass
class ListDiff:
    """What changed between two snapshots of one list, entity by entity, field by field."""

    list_id: str
    from_version: str | None
    to_version: str
    added: list[str]
    removed: list[str]
    changed: dict[str, dict[str, FieldChange]]
    fingerprint_changed: list[str]
    """Changed entities whose matching-relevant fields changed (names, dates, ids...)."""

    @property
    def rescreen_ids(self) -> list[str]:
        """Entities screening must look at again: added plus match-relevant changes."""
        return sorted({*self.added, *self.fingerprint_changed})

    def to_dict(self) -> dict[str, Any]:
        return {
            "list_id": self.list_id,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "added": self.added,
            "removed": self.removed,
            "changed": {
                eid: {name: asdict(change) for name, change in fields.items()}
                for eid, fields in self.changed.items()
            },
            "fingerprint_changed": self.fingerprint_changed,
        }


# -- tables -------------------------------------------------------------------------


def ensure_list_tables(ws: Workspace) -> None:
    """Create the stage's tables and the `list_entities` view (idempotent)."""
    ws.ensure_table(VERSIONS_TABLE, VERSIONS_SCHEMA, primary_key=("version_id",))
    ws.ensure_table(ROWS_TABLE, ROWS_SCHEMA)
    if not ws.has_table(ACTIVE_VIEW):
        cols = ", ".join(f"e.{quote_ident(c)}" for c in ENTITY_COLUMNS)
        ws.ensure_view(
            ACTIVE_VIEW,
            f"SELECT {cols} FROM {ROWS_TABLE} e "
            f"JOIN {VERSIONS_TABLE} v ON e.source_version = v.version_id WHERE v.active",
        )


def _with_hashes(table: pa.Table) -> pa.Table:
    rows = table.to_pylist()
    fingerprints = [entity_fingerprint(r) for r in rows]
    row_hashes = [_row_hash(r) for r in rows]
    table = table.append_column("fingerprint", pa.array(fingerprints, pa.string()))
    return table.append_column("row_hash", pa.array(row_hashes, pa.string()))


def _row_hash(row: dict[str, Any]) -> str:
    content = {k: row.get(k) for k in DIFF_FIELDS}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def files_sha256(paths: Sequence[str | Path]) -> tuple[str, int]:
    """One hash over the files of a snapshot (in order) and their total size."""
    digest = hashlib.sha256()
    total = 0
    for p in paths:
        h = hashlib.sha256()
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                total += len(chunk)
        digest.update(h.hexdigest().encode())
    return digest.hexdigest(), total


# -- writing ------------------------------------------------------------------------


def store_parsed(
    ws: Workspace,
    parsed: ParsedList,
    *,
    source_url: str | None = None,
    force: bool = False,
    allow_older: bool = False,
) -> ListVersion:
    """Store a fully parsed list as a new snapshot and make it the active one, atomically.

    A file published before the active version (UN `dateGenerated`, OFAC `Publish_Date`, EU
    `generationDate`, UK date) is refused unless `allow_older`: a stale mirror or a replayed
    download must not silently undo delistings and new designations."""
    ensure_list_tables(ws)
    if parsed.count == 0:
        raise ListFormatError.at(
            "the file holds no entries; refusing to replace the active list",
            file=", ".join(parsed.files) or None,
        )
    sha, size = files_sha256(parsed.files) if parsed.files else ("", 0)
    current = _active_version(ws, parsed.list_id)
    if current is not None and sha and current.sha256 == sha:
        current.unchanged = True
        return current
    if current is not None and not allow_older:
        _refuse_older(parsed, current)
    if current is not None and not force:
        _refuse_shrunk(ws, parsed, current)
    last = ws.scalar(
        f"SELECT coalesce(max(seq), 0) FROM {VERSIONS_TABLE} WHERE list_id = ?", [parsed.list_id]
    )
    seq = int(last or 0) + 1
    version_id = f"{parsed.list_id}-v{seq}"
    now = datetime.now(UTC)
    table = parsed.entities.set_column(
        parsed.entities.schema.get_field_index("source_version"),
        cs.LIST_ENTITIES.field("source_version"),
        pa.array([version_id] * parsed.count, pa.string()),
    )
    table = _with_hashes(cs.conform(table, cs.LIST_ENTITIES))
    version = ListVersion(
        version_id=version_id,
        list_id=parsed.list_id,
        seq=seq,
        published=parsed.published,
        format=parsed.format,
        files=[str(Path(p).resolve()) for p in parsed.files],
        sha256=sha,
        bytes=size,
        entities=parsed.count,
        warnings=list(parsed.warnings),
        source_url=source_url,
        loaded_at=now,
        active=True,
    )
    _activate(ws, version, table)
    return version


def _refuse_shrunk(ws: Workspace, parsed: ParsedList, current: ListVersion) -> None:
    """A list does not lose half its entries in one update; a broken download does."""
    max_shrink = _max_shrink(ws)
    if parsed.count < current.entities * (1 - max_shrink):
        raise ListFormatError.at(
            f"{parsed.count} entries against {current.entities} in the active version "
            f"{current.version_id}: more than {max_shrink:.0%} fewer, so the file is "
            "probably incomplete (use --force to load it anyway)",
            file=", ".join(parsed.files) or None,
        )


def _activate(ws: Workspace, version: ListVersion, table: pa.Table) -> None:
    """Store the rows and make `version` the active one, in one transaction."""
    now, version_id = version.loaded_at, version.version_id
    with ws.atomic() as tx:
        tx.append(ROWS_TABLE, table)
        tx.execute(
            f"UPDATE {VERSIONS_TABLE} SET active = false, superseded_at = ?, superseded_by = ? "
            "WHERE list_id = ? AND active",
            [now, version_id, version.list_id],
        )
        tx.execute(
            f"INSERT INTO {VERSIONS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true, NULL, NULL)",
            [
                version_id,
                version.list_id,
                version.seq,
                version.published,
                version.format,
                dumps(version.files),
                version.sha256,
                version.bytes,
                version.entities,
                dumps(version.warnings),
                version.source_url,
                now,
            ],
        )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _refuse_older(parsed: ParsedList, current: ListVersion) -> None:
    if parsed.published is None or current.published is None:
        return
    new, old = _utc(parsed.published), _utc(current.published)
    if new < old:
        raise ListFormatError.at(
            f"this file was published {new.isoformat()}, before the active version "
            f"{current.version_id} (published {old.isoformat()}); use --allow-older to load "
            "an older list anyway",
            file=", ".join(parsed.files) or None,
            field="published",
            value=new.isoformat(),
        )


def _max_shrink(ws: Workspace) -> float:
    value = ws.config.lists.get("max_shrink", DEFAULT_MAX_SHRINK)
    try:
        shrink = float(value)
    except (TypeError, ValueError):
        shrink = -1.0
    if not 0 <= shrink <= 1:
        raise ConfigError.at("must be a number from 0 to 1", field="lists.max_shrink", value=value)
    return shrink


# -- reading ------------------------------------------------------------------------


def _version_from_row(row: tuple[Any, ...]) -> ListVersion:
    (
        version_id,
        list_id,
        seq,
        published,
        fmt,
        files,
        sha,
        size,
        entities,
        warnings,
        source_url,
        loaded_at,
        active,
        superseded_at,
        superseded_by,
    ) = row
    return ListVersion(
        version_id=version_id,
        list_id=list_id,
        seq=int(seq),
        published=published,
        format=fmt or "",
        files=json.loads(files) if files else [],
        sha256=sha,
        bytes=int(size or 0),
        entities=int(entities),
        warnings=json.loads(warnings) if warnings else [],
        source_url=source_url,
        loaded_at=loaded_at,
        active=bool(active),
        superseded_at=superseded_at,
        superseded_by=superseded_by,
    )


_VERSION_COLS = (
    "version_id, list_id, seq, published, format, files, sha256, bytes, entities, warnings, "
    "source_url, loaded_at, active, superseded_at, superseded_by"
)


def _active_version(ws: Workspace, list_id: str) -> ListVersion | None:
    row = ws.query_one(
        f"SELECT {_VERSION_COLS} FROM {VERSIONS_TABLE} WHERE list_id = ? AND active", [list_id]
    )
    return _version_from_row(row) if row else None


def _where_lists(sources: Iterable[str] | None, column: str = "list_id") -> tuple[str, list[str]]:
    if sources is None:
        return "", []
    clauses: list[str] = []
    params: list[str] = []
    for source in sources:
        if source == "custom":
            clauses.append(f"{column} LIKE 'custom:%'")
            continue
        ids = list_ids_for(source)
        if ids is None:
            return "", []
        for list_id in ids:
            clauses.append(f"{column} = ?")
            params.append(list_id)
    if not clauses:
        return " WHERE false", []
    return " WHERE (" + " OR ".join(clauses) + ")", params


def list_versions(ws: Workspace, source: str | None = None) -> list[ListVersion]:
    """Every stored snapshot (newest first per list), optionally of one source."""
    ensure_list_tables(ws)
    where, params = _where_lists([source] if source else None)
    rows = ws.query(
        f"SELECT {_VERSION_COLS} FROM {VERSIONS_TABLE}{where} ORDER BY list_id, seq DESC", params
    )
    return [_version_from_row(r) for r in rows]


def active_entities(ws: Workspace, sources: Iterable[str] | None = None) -> pa.Table:
    """`LIST_ENTITIES` rows of the active snapshot of each list (all lists, or `sources`:
    list ids such as `un`, `ofac-sdn`, or `ofac` / `custom` for a family)."""
    ensure_list_tables(ws)
    where, params = _where_lists(list(sources) if sources is not None else None)
    table = ws.query_arrow(
        f"SELECT {_ENTITY_SELECT} FROM {ACTIVE_VIEW}{where} ORDER BY entity_id", params
    )
    return cs.conform(table, cs.LIST_ENTITIES)


def version_entities(ws: Workspace, version_id: str) -> pa.Table:
    """The `LIST_ENTITIES` rows of one stored snapshot (active or superseded)."""
    ensure_list_tables(ws)
    table = ws.query_arrow(
        f"SELECT {_ENTITY_SELECT} FROM {ROWS_TABLE} WHERE source_version = ? ORDER BY entity_id",
        [version_id],
    )
    return cs.conform(table, cs.LIST_ENTITIES)


def find_entity(ws: Workspace, ref_or_id: str) -> dict[str, Any] | None:
    """An active entity by `entity_id` (`un:QDi.422`) or list reference (`QDi.422`),
    case-insensitively; None when no active list has it."""
    ensure_list_tables(ws)
    key = ref_or_id.strip().lower()
    table = ws.query_arrow(
        f"SELECT {_ENTITY_SELECT} FROM {ACTIVE_VIEW} WHERE lower(entity_id) = ? OR lower(list_ref) = ? "
        "ORDER BY (lower(entity_id) = ?) DESC, entity_id LIMIT 1",
        [key, key, key],
    )
    rows = cs.conform(table, cs.LIST_ENTITIES).to_pylist()
    return rows[0] if rows else None


def resolve_version(ws: Workspace, list_id: str, ref: str) -> ListVersion:
    """A version by id (`un-v2`) or by sequence number (`2`) within a list."""
    ensure_list_tables(ws)
    key = ref.strip()
    if key.isdigit():
        row = ws.query_one(
            f"SELECT {_VERSION_COLS} FROM {VERSIONS_TABLE} WHERE list_id = ? AND seq = ?",
            [list_id, int(key)],
        )
    else:
        row = ws.query_one(
            f"SELECT {_VERSION_COLS} FROM {VERSIONS_TABLE} WHERE version_id = ?", [key]
        )
    if not row:
        raise NotFoundError(f"no version {ref!r} of list {list_id!r}")
    version = _version_from_row(row)
    if version.list_id != list_id:
        raise NotFoundError(f"version {ref!r} belongs to list {version.list_id!r}, not {list_id!r}")
    return version


def diff_versions(
    ws: Workspace,
    source: str,
    from_version: str | None = None,
    to_version: str | None = None,
) -> ListDiff:
    """Entities added, removed and changed (field by field) between two snapshots of a list.

    Defaults: `to` is the active version, `from` the one before it (with no earlier
    version, everything is added).
    """
    ensure_list_tables(ws)
    list_id = _single_list_id(ws, source)
    if to_version is None:
        active = _active_version(ws, list_id)
        if active is None:
            raise NotFoundError(f"list {list_id!r} has no loaded version")
        to_v = active
    else:
        to_v = resolve_version(ws, list_id, to_version)
    if from_version is None:
        row = ws.query_one(
            f"SELECT {_VERSION_COLS} FROM {VERSIONS_TABLE} WHERE list_id = ? AND seq < ? "
            "ORDER BY seq DESC LIMIT 1",
            [list_id, to_v.seq],
        )
        from_v = _version_from_row(row) if row else None
    else:
        from_v = resolve_version(ws, list_id, from_version)
    old_id = from_v.version_id if from_v else ""
    new_id = to_v.version_id
    added = _ids_only_in(ws, new_id, old_id)
    removed = _ids_only_in(ws, old_id, new_id)
    pairs = ws.query(
        f"SELECT n.entity_id, n.fingerprint <> o.fingerprint FROM {ROWS_TABLE} n "
        f"JOIN {ROWS_TABLE} o ON n.entity_id = o.entity_id "
        "WHERE n.source_version = ? AND o.source_version = ? AND n.row_hash <> o.row_hash "
        "ORDER BY n.entity_id",
        [new_id, old_id],
    )
    changed_ids = [p[0] for p in pairs]
    changed: dict[str, dict[str, FieldChange]] = {}
    if changed_ids:
        old_rows = _rows_by_id(ws, old_id, changed_ids)
        new_rows = _rows_by_id(ws, new_id, changed_ids)
        for eid in changed_ids:
            changed[eid] = _field_changes(old_rows[eid], new_rows[eid])
    return ListDiff(
        list_id=list_id,
        from_version=from_v.version_id if from_v else None,
        to_version=new_id,
        added=added,
        removed=removed,
        changed=changed,
        fingerprint_changed=[p[0] for p in pairs if p[1]],
    )


def _ids_only_in(ws: Workspace, version_id: str, other_id: str) -> list[str]:
    """Entity ids of one snapshot that another snapshot lacks."""
    rows = ws.query(
        f"SELECT entity_id FROM {ROWS_TABLE} WHERE source_version = ? AND entity_id NOT IN "
        f"(SELECT entity_id FROM {ROWS_TABLE} WHERE source_version = ?) ORDER BY entity_id",
        [version_id, other_id],
    )
    return [r[0] for r in rows]


def _single_list_id(ws: Workspace, source: str) -> str:
    ids = list_ids_for(source)
    if ids is None or len(ids) != 1:
        known = sorted({v.list_id for v in list_versions(ws)})
        raise NotFoundError(
            f"name one list to diff (e.g. ofac-sdn or ofac-nonsdn), not {source!r}; "
            f"loaded lists: {', '.join(known) or 'none'}"
        )
    return ids[0]


def _rows_by_id(ws: Workspace, version_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    wanted = pa.table({"entity_id": pa.array(ids, pa.string())})
    cols = ", ".join(f"r.{quote_ident(c)}" for c in ENTITY_COLUMNS)
    with ws.registered("_cftwatch_wanted_ids", wanted) as rel:
        table = ws.query_arrow(
            f"SELECT {cols} FROM {ROWS_TABLE} r "
            f"JOIN {rel} w ON r.entity_id = w.entity_id WHERE r.source_version = ?",
            [version_id],
        )
    return {r["entity_id"]: r for r in table.to_pylist()}


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, FieldChange]:
    out: dict[str, FieldChange] = {}
    for name in DIFF_FIELDS:
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        change = FieldChange(before=before, after=after)
        if isinstance(before, list) or isinstance(after, list):
            b, a = list(before or []), list(after or [])
            change.added = [x for x in a if x not in b]
            change.removed = [x for x in b if x not in a]
            if not change.added and not change.removed:
                continue  # same items, new order: not a change worth re-screening
        out[name] = change
    return out
