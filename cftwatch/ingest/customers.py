"""`ingest_customers`: KYC files -> the canonical `parties` and `accounts` tables.

A customer file is a CSV read through a column mapping (`customer_mapping.py`, the same
format as a transaction mapping). Every record is checked before anything is written: with
`on_error="fail"` (the default) one bad record loads nothing and the error names the file,
the line and the field; with `"skip"` the good records load and each bad one goes to
`rejects`.

Loads are atomic (all files of a call or none) and idempotent: a file already loaded is
skipped, a record equal to the party's or account's current row adds nothing, and a changed
record supersedes the current row. Nothing is lost: every version ever loaded is kept, in
order, in `party_versions` / `account_versions` (a row that was there before its first
supersession is copied in first), while the canonical table holds the current version that
screening, monitoring and reporting read.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.errors import ConfigError, InputError, Problem
from cftwatch.ingest._core import Progress, existing_files, file_sha256, new_load_id
from cftwatch.ingest.customer_mapping import (
    CUSTOMER_TABLES,
    CustomerMapping,
    convert_row,
    load_customer_mapping,
)
from cftwatch.workspace import Workspace, quote_ident

ON_ERROR = ("fail", "skip")
MAX_RAW = 2000
_IGNORED_IN_COMPARISON = ("source_ref", "load_id")


def versions_schema(table: str) -> pa.Schema:
    """`party_versions` / `account_versions`: the table's columns plus the version number
    (1, 2, ... per key) and when the version was recorded."""
    base = CUSTOMER_TABLES[table].schema
    extra = [
        pa.field("version", pa.int64(), nullable=False),
        pa.field("recorded_at", cs.TIMESTAMP_TYPE, nullable=False),
    ]
    return pa.schema([*base, *extra], metadata={"table": versions_table(table)})


def versions_table(table: str) -> str:
    return {"parties": "party_versions", "accounts": "account_versions"}[table]


@dataclass
class CustomerFileLoad:
    file: str
    sha256: str
    load_id: str | None
    skipped: bool = False
    inserted: int = 0
    superseded: int = 0
    unchanged: int = 0
    rejects: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__, seconds=round(self.seconds, 3))


@dataclass
class CustomerIngestResult:
    table: str
    files: list[CustomerFileLoad] = field(default_factory=list)
    seconds: float = 0.0

    def total(self, what: str) -> int:
        return sum(int(getattr(f, what)) for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "inserted": self.total("inserted"),
            "superseded": self.total("superseded"),
            "unchanged": self.total("unchanged"),
            "rejects": self.total("rejects"),
            "files_skipped": self.total("skipped"),
            "seconds": round(self.seconds, 3),
            "files": [f.to_dict() for f in self.files],
        }


@dataclass
class _Parsed:
    path: Path
    sha: str
    rows: list[dict[str, Any]]
    problems: list[tuple[Problem, str]]
    """Each bad record's problems, with its raw text."""


def ingest_customers(
    ws: Workspace,
    table: str,
    paths: Sequence[str | Path],
    *,
    mapping: str | Path | CustomerMapping,
    on_error: str = "fail",
    progress: Progress | None = None,
) -> CustomerIngestResult:
    """Load customer files into `table` (parties or accounts), atomically.

    Raises InputError (nothing written) for a file that cannot be read or, with
    `on_error="fail"`, for any bad record; ConfigError for a bad table name or option."""
    started = time.perf_counter()
    if table not in CUSTOMER_TABLES:
        raise ConfigError.at(
            f"choose one of {', '.join(CUSTOMER_TABLES)}", field="table", value=table
        )
    if on_error not in ON_ERROR:
        raise ConfigError.at("choose fail or skip", field="on_error", value=on_error)
    m = mapping if isinstance(mapping, CustomerMapping) else load_customer_mapping(mapping, table)
    files = existing_files(paths)
    parsed = [_parse_file(p, m) for p in files]
    problems = [p for f in parsed for p, _ in f.problems]
    if problems and on_error == "fail":
        raise InputError(problems)
    result = CustomerIngestResult(table)
    fmt = f"{table}:{m.source_format}"
    with ws.atomic():
        _ensure_tables(ws, table)
        seen: set[str] = set()
        for f in parsed:
            t0 = time.perf_counter()
            done = ws.query_one(
                "SELECT load_id FROM loads WHERE sha256 = ? AND source_format = ? LIMIT 1",
                [f.sha, fmt],
            )
            if done is not None or f.sha in seen:
                result.files.append(
                    CustomerFileLoad(str(f.path), f.sha, done[0] if done else None, True)
                )
                continue
            seen.add(f.sha)
            load = CustomerFileLoad(str(f.path), f.sha, new_load_id())
            _write(ws, table, f, load, fmt)
            load.seconds = time.perf_counter() - t0
            result.files.append(load)
            if progress is not None:
                progress(str(f.path), len(f.rows), True)
    result.seconds = time.perf_counter() - started
    return result


# -- reading ----------------------------------------------------------------------------


def _positions(path: Path, header: list[str], m: CustomerMapping) -> dict[str, int]:
    names = [h.strip() for h in header]
    problems: list[Problem] = []
    pos: dict[str, int] = {}
    for column, col in m.columns.items():
        if isinstance(col, int):
            if col >= len(header):
                problems.append(
                    Problem(
                        f"the file has {len(header)} columns; position {col} does not exist",
                        str(path),
                        1,
                        f"columns.{column}",
                        col,
                    )
                )
            pos[column] = col
        elif not m.header or col not in names:
            problems.append(
                Problem(f"missing column (mapped in {m.path})", str(path), 1, col, ",".join(names))
            )
        else:
            pos[column] = names.index(col)
    if problems:
        raise InputError(problems)
    return pos


def _parse_file(path: Path, m: CustomerMapping) -> _Parsed:
    """Every record of one file, converted and checked (nothing written)."""
    file = str(path)
    try:
        with path.open(encoding=m.encoding, newline="") as fh:
            records = list(
                _records(csv.reader(fh, delimiter=m.delimiter, quotechar=m.quote, strict=True))
            )
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError.at(f"cannot read the CSV: {exc}", file=file) from None
    if not records:
        raise InputError.at("empty file", file=file)
    header = records[0][1]
    pos = _positions(path, header, m)
    names = {c: (header[p].strip() if m.header else f"column {p}") for c, p in pos.items()}
    body = records[1:] if m.header else records
    rows: list[dict[str, Any]] = []
    problems: list[tuple[Problem, str]] = []
    first_seen: dict[str, tuple[int, dict[str, Any]]] = {}
    key = m.table.key
    for line, fields in body:
        raw = m.delimiter.join(fields)[:MAX_RAW]
        if len(fields) != len(header):
            reason = f"expected {len(header)} fields, found {len(fields)}"
            problems.append((Problem(reason, file, line), raw))
            continue
        values = {c: fields[p] for c, p in pos.items()}
        row, bad = convert_row(values, m, file, line, names)
        if not bad and row[key] in first_seen:
            earlier, before = first_seen[row[key]]
            if before == row:
                continue  # the same record twice: once is enough
            reason = f"{key} {row[key]!r} already given on line {earlier} with other values"
            bad = [Problem(reason, file, line, names[key], row[key])]
        if bad:
            problems.extend((p, raw) for p in bad)
            continue
        first_seen[row[key]] = (line, row)
        row["source_ref"] = f"{path.name}:{line}"
        rows.append(row)
    return _Parsed(path, file_sha256(path), rows, problems)


def _records(reader: Any) -> Any:
    """(line number where the record starts, fields) for each non-blank record."""
    line = 1
    for fields in reader:
        if fields:
            yield line, fields
        line = reader.line_num + 1


# -- writing ----------------------------------------------------------------------------


def _ensure_tables(ws: Workspace, table: str) -> None:
    """The versions table, and any canonical column an older workspace's table lacks."""
    ws.ensure_table(versions_table(table), versions_schema(table))
    have = {
        r[0]
        for r in ws.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = 'main'",
            [table],
        )
    }
    for f in CUSTOMER_TABLES[table].schema:
        if f.name not in have:
            ws.execute(
                f"ALTER TABLE {quote_ident(table)} ADD COLUMN {quote_ident(f.name)} "
                f"{_duck_type(f.type)}"
            )


def _duck_type(typ: pa.DataType) -> str:
    if pa.types.is_decimal(typ):
        return f"DECIMAL({typ.precision},{typ.scale})"
    if pa.types.is_date(typ):
        return "DATE"
    if pa.types.is_boolean(typ):
        return "BOOLEAN"
    if pa.types.is_list(typ):
        return "VARCHAR[]"
    return "VARCHAR"


def _comparable(row: dict[str, Any], columns: list[str]) -> tuple[Any, ...]:
    return tuple(row.get(c) for c in columns)


def _write(ws: Workspace, table: str, f: _Parsed, load: CustomerFileLoad, fmt: str) -> None:
    spec = CUSTOMER_TABLES[table]
    key, schema = spec.key, spec.schema
    compared = [c for c in cs.column_names(schema) if c not in _IGNORED_IN_COMPARISON]
    now = datetime.now(UTC)
    for row in f.rows:
        row["load_id"] = load.load_id
    incoming = pa.Table.from_pylist(
        [{c: r.get(c) for c in schema.names} for r in f.rows], schema=schema
    )
    current, versions = _current_rows(ws, table, key, incoming)
    new_rows: list[dict[str, Any]] = []
    old_copies: list[dict[str, Any]] = []
    replaced: list[str] = []
    for row in incoming.to_pylist():
        k = row[key]
        before = current.get(k)
        if before is not None and _comparable(before, compared) == _comparable(row, compared):
            load.unchanged += 1
            continue
        last = versions.get(k, 0)
        if before is not None:
            replaced.append(k)
            load.superseded += 1
            if last == 0:  # a row written before versions were kept (synth, older loads)
                old_copies.append(before | {"version": 1, "recorded_at": now})
                last = 1
        else:
            load.inserted += 1
        new_rows.append(row | {"version": last + 1, "recorded_at": now})
    vschema = versions_schema(table)
    if replaced:
        keys = pa.table({"k": pa.array(replaced, pa.string())})
        with ws.registered("_cftwatch_replaced", keys) as rel:
            ws.execute(
                f"DELETE FROM {quote_ident(table)} WHERE {quote_ident(key)} IN (SELECT k FROM {rel})"
            )
    if old_copies or new_rows:
        ws.append(versions_table(table), pa.Table.from_pylist(old_copies + new_rows, vschema))
    if new_rows:
        ws.append(table, pa.Table.from_pylist(new_rows, vschema).select(schema.names))
    _write_rejects(ws, f, load, fmt, now)
    rows = load.inserted + load.superseded
    ws.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, now())",
        [load.load_id, fmt, str(f.path), f.sha, rows, 0, load.rejects],
    )


def _current_rows(
    ws: Workspace, table: str, key: str, incoming: pa.Table
) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """The current canonical row and the latest version number of each incoming key."""
    keys = pa.table({"k": incoming.column(key)})
    cols = ", ".join(f"t.{quote_ident(c)}" for c in CUSTOMER_TABLES[table].schema.names)
    tbl, ver, k = quote_ident(table), quote_ident(versions_table(table)), quote_ident(key)
    with ws.registered("_cftwatch_keys", keys) as rel:
        rows = ws.query_dicts(f"SELECT {cols} FROM {tbl} t WHERE t.{k} IN (SELECT k FROM {rel})")
        latest = ws.query(
            f"SELECT {k}, max(version) FROM {ver} WHERE {k} IN (SELECT k FROM {rel}) GROUP BY 1"
        )
    current: dict[str, dict[str, Any]] = {}
    for r in rows:  # several rows for one key (older writers): the last one stands
        current[r[key]] = r
    if rows:  # normalise through Arrow so values compare like the incoming ones
        schema = CUSTOMER_TABLES[table].schema
        norm = pa.Table.from_pylist(list(current.values()), schema=schema).to_pylist()
        current = {r[key]: r for r in norm}
    return current, {str(a): int(b) for a, b in latest}


def _write_rejects(
    ws: Workspace, f: _Parsed, load: CustomerFileLoad, fmt: str, now: datetime
) -> None:
    if not f.problems:
        return
    rows = [
        {
            "load_id": load.load_id,
            "source_format": fmt,
            "file": str(f.path),
            "record": int(p.record) if isinstance(p.record, int) else None,
            "field": p.field,
            "value": None if p.value is None else str(p.value),
            "reason": p.reason,
            "raw": raw,
            "rejected_at": now,
        }
        for p, raw in f.problems
    ]
    load.rejects = len({(p.record) for p, _ in f.problems})
    ws.append("rejects", pa.Table.from_pylist(rows, schema=cs.REJECTS))


__all__ = [
    "CustomerFileLoad",
    "CustomerIngestResult",
    "ingest_customers",
    "versions_schema",
    "versions_table",
]
