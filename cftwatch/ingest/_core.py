"""The load pipeline every reader shares.

A reader describes its input as a `Source`: one SQL relation with a record number, the raw
text of each record, typed canonical columns and a list of checks. This module turns that
into three set-based SQL passes inside one DuckDB transaction (problems, transactions,
labels), so no Python runs per row on the CSV paths and every reader rejects bad records
the same way.

The SQL is the readers' own; every value that comes from outside (a path, a hash, a load
id, anything in a mapping file) is a named parameter (`$name`, in `Source.params`).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from cftwatch import schema as cs
from cftwatch.errors import InputError, Problem
from cftwatch.workspace import Workspace, quote_ident

MAX_LISTED_PROBLEMS = 20
"""How many problems an InputError lists (the message says how many there were in all)."""

BATCH_ROWS = 50_000
"""Rows per Arrow batch for the streaming (XML/JSON) readers: bounds their memory."""

TS_RANGE = ("1970-01-01T00:00:00+00:00", "2100-01-01T00:00:00+00:00")
"""Timestamps accepted by every reader: [first, second). A date outside them (year 10000, a
lost century) is a bad record naming its field, not a value that breaks `monitor` later.
`ingest_files(ts_range=...)` changes it for one call."""

FINGERPRINTS_TABLE = "ingest_fingerprints"
FINGERPRINTS_SCHEMA = pa.schema(
    [
        pa.field("fingerprint", pa.string(), nullable=False),
        pa.field("txn_id", pa.string(), nullable=False),
        ("load_id", pa.string()),
    ]
)
"""`ingest_fingerprints`: the content fingerprint of every transaction loaded from a source
without its own ids. A re-saved or re-exported file (CRLF, a BOM, another quote style) has
another sha256 and other derived ids, but the same fingerprints, so it adds nothing."""

TXN_COLUMNS = cs.column_names(cs.TRANSACTIONS)
FINGERPRINT_COLUMNS = [c for c in TXN_COLUMNS if c not in ("txn_id", "source_ref", "load_id")]
"""The payment fields a content fingerprint covers (typed, so `10.0` and `10.00` agree)."""
_TXN_TYPES = {f.name: f.type for f in cs.TRANSACTIONS}

Progress = Callable[[str, int, bool], None]
"""progress(file, records_done, file_finished): called by the streaming readers every batch
and once when each file is loaded (the CLI draws a bar over the files)."""


def sql_str(value: str) -> str:
    """A SQL string literal for the readers' own constants (code tables, JSON paths);
    anything from a file or a caller goes in `Source.params` instead."""
    return "'" + value.replace("'", "''") + "'"


def duck_type(name: str) -> str:
    t = _TXN_TYPES[name]
    if t == cs.AMOUNT_TYPE:
        return "DECIMAL(24,8)"
    if t == cs.TIMESTAMP_TYPE:
        return "TIMESTAMPTZ"
    return "VARCHAR"


@dataclass(frozen=True)
class Check:
    """A record is refused when `bad` (SQL over the source relation) is true."""

    field: str
    value: str
    bad: str
    reason: str


@dataclass
class Source:
    """One input file described as SQL. Column expressions refer to `relation`'s columns."""

    relation: str
    record: str
    raw: str
    columns: dict[str, str]
    checks: list[Check]
    labels: dict[str, str] = field(default_factory=dict)
    """label name -> SQL boolean (NULL: no label for that record)."""
    stage: str | None = None
    """SQL whose rows are copied once into the temp table `_ingest_stage` before the passes.

    DuckDB numbers CSV records (`WITH ORDINALITY`) on one thread; staging the raw text with
    its line numbers once lets the casting, checking and writing passes run in parallel."""
    stage_chunks: int = 1
    """How many statements build `_ingest_stage`: each binds `$chunk` (0, 1, ...) and
    `$chunks`, and a stage that names them selects its part (so no statement's joins hold
    more than one part: a bounded memory whatever the file's size)."""
    own_ids: bool = False
    """True when txn ids come from the source (dedupe needed); False when derived from the
    file's hash and the record number (unique by construction)."""
    ts_field: tuple[str, str] = ("ts", "NULL")
    """(field name, SQL of the raw value) that `TS_RANGE` errors name."""
    cleanup: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    """Values of the `$name` parameters the SQL above refers to. `load_source` adds
    `$load_id`, `$fmt` and `$ref_prefix` (the file's name and a colon)."""
    memory_limit: str | None = None
    """A DuckDB memory_limit for this file's passes (streaming readers: bounded memory
    whatever the file's size; DuckDB spills beyond it)."""
    scratch: Path | None = None
    """A folder of the reader's intermediate files (`scratch_dir`), removed after the passes."""


@dataclass
class FileLoad:
    """What happened to one input file."""

    file: str
    sha256: str
    load_id: str | None
    rows: int = 0
    labels: int = 0
    rejects: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    skipped: bool = False
    """True when an identical file (same sha256) was loaded before: nothing was read."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "load_id": self.load_id,
            "rows": self.rows,
            "labels": self.labels,
            "rejects": self.rejects,
            "duplicates": self.duplicates,
            "seconds": round(self.seconds, 3),
            "skipped": self.skipped,
        }


@dataclass
class IngestResult:
    """The outcome of one `ingest_files` call (all files landed together, or none)."""

    format: str
    files: list[FileLoad]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def rejects(self) -> int:
        return sum(f.rejects for f in self.files)

    @property
    def labels(self) -> int:
        return sum(f.labels for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def load_ids(self) -> list[str]:
        return [f.load_id for f in self.files if f.load_id and not f.skipped]

    @property
    def skipped_files(self) -> list[str]:
        return [f.file for f in self.files if f.skipped]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "rows": self.rows,
            "rejects": self.rejects,
            "labels": self.labels,
            "duplicates": self.duplicates,
            "seconds": round(self.seconds, 3),
            "load_ids": self.load_ids,
            "skipped_files": self.skipped_files,
            "files": [f.to_dict() for f in self.files],
        }


_GLOB_CHARS = re.compile(r"([*?\[])")


def literal_path(path: Path) -> str:
    """`path` for DuckDB's file readers, which expand `*`, `?` and `[...]` like a shell:
    each such character is escaped as a one-character class (`[*]`), so a file named
    `pay*.csv` is read alone and never its neighbours."""
    return _GLOB_CHARS.sub(r"[\1]", str(path))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def new_load_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


DERIVED_ID_EXPR = "$id_prefix || CAST({record} AS VARCHAR)"


def derived_id(prefix: str, sha: str, record: str) -> tuple[str, dict[str, str]]:
    """txn_id for sources without ids: `<format>:<first 12 hex of the file sha256>:<record>`,
    as (SQL, parameters).

    Deterministic (reloading the same bytes gives the same ids) and unique by construction,
    so the fast CSV paths need no duplicate search; a string concat, not a hash, per row.
    """
    return DERIVED_ID_EXPR.format(record=record), {"id_prefix": f"{prefix}:{sha[:12]}:"}


_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class _Passes:
    """Runs one file's statements over the `_ingest_v` relation (a CTE, so parameters may
    appear in it), passing each statement the parameters it names."""

    def __init__(self, ws: Workspace, view_sql: str, params: dict[str, Any]) -> None:
        self.ws = ws
        self.view_sql = view_sql
        self.params = params

    def over_view(self, select_sql: str) -> str:
        return f"WITH _ingest_v AS NOT MATERIALIZED ({self.view_sql}) {select_sql}"

    def bound(self, sql: str) -> dict[str, Any]:
        return {k: self.params[k] for k in dict.fromkeys(_PARAM.findall(sql)) if k in self.params}

    def execute(self, sql: str) -> None:
        self.ws.execute(sql, self.bound(sql))

    def scalar(self, sql: str) -> int:
        return int(self.ws.scalar(sql, self.bound(sql)) or 0)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.ws.query(sql, self.bound(sql))


def _flag_columns(checks: list[Check], params: dict[str, Any]) -> str:
    """`_field`, `_value`, `_reason` of a record's first failed check and `_bad`."""
    if not checks:
        return (
            "NULL::VARCHAR AS _field, NULL::VARCHAR AS _value, NULL::VARCHAR AS _reason, "
            "false AS _bad"
        )
    for i, c in enumerate(checks):
        params[f"check_field_{i}"] = c.field
        params[f"check_reason_{i}"] = c.reason
    field_case = " ".join(f"WHEN {c.bad} THEN $check_field_{i}" for i, c in enumerate(checks))
    value_case = " ".join(f"WHEN {c.bad} THEN CAST({c.value} AS VARCHAR)" for c in checks)
    reason_case = " ".join(f"WHEN {c.bad} THEN $check_reason_{i}" for i, c in enumerate(checks))
    any_bad = " OR ".join(f"coalesce({c.bad}, false)" for c in checks)
    return (
        f"CAST(CASE {field_case} END AS VARCHAR) AS _field, "
        f"CASE {value_case} END AS _value, "
        f"CAST(CASE {reason_case} END AS VARCHAR) AS _reason, ({any_bad}) AS _bad"
    )


def _ts_range_check(src: Source, ts_range: tuple[str, str]) -> Check:
    ts = f"CAST({src.columns.get('ts', 'NULL')} AS TIMESTAMPTZ)"
    name, value = src.ts_field
    return Check(
        name,
        value,
        f"({ts} < CAST($ts_min AS TIMESTAMPTZ) OR {ts} >= CAST($ts_max AS TIMESTAMPTZ))",
        f"date/time outside {ts_range[0][:10]} .. {ts_range[1][:10]}",
    )


def _view_sql(
    src: Source, fmt: str, file_label: str, load_id: str, ts_range: tuple[str, str]
) -> tuple[str, dict[str, Any]]:
    """The per-record relation every pass reads, and its parameters."""
    params: dict[str, Any] = {
        **src.params,
        "load_id": load_id,
        "fmt": fmt,
        "ref_prefix": Path(file_label).name + ":",
        "ts_min": ts_range[0],
        "ts_max": ts_range[1],
    }
    flags = _flag_columns([*src.checks, _ts_range_check(src, ts_range)], params)
    cols = ", ".join(
        f"CAST({src.columns.get(name, 'NULL')} AS {duck_type(name)}) AS {name}"
        for name in TXN_COLUMNS
        if name not in ("source_format", "source_ref", "load_id")
    )
    labels = "".join(f", {expr} AS _label_{i}" for i, expr in enumerate(src.labels.values()))
    src_ref = src.columns.get("source_ref", f"$ref_prefix || CAST({src.record} AS VARCHAR)")
    src_fmt = src.columns.get("source_format", "$fmt")
    view = (
        f"SELECT {src.record} AS _record, {cols}, CAST({src_fmt} AS VARCHAR) AS source_format, "
        f"CAST({src_ref} AS VARCHAR) AS source_ref, CAST($load_id AS VARCHAR) AS load_id, "
        f"{flags}, {src.raw} AS _raw{labels} FROM {src.relation}"
    )
    return view, params


_ERROR_LINE = re.compile(r"on Line: (\d+)")


def reader_error(exc: Exception, file_label: str) -> InputError:
    """A DuckDB reader's failure as one short line naming the file (and the line when DuckDB
    says it), never the whole record DuckDB quotes."""
    text = str(exc)
    found = _ERROR_LINE.search(text)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)
    return InputError.at(
        f"unreadable: {first[:200]}",
        file=file_label,
        record=int(found.group(1)) if found else None,
    )


def load_source(
    ws: Workspace,
    src: Source,
    *,
    fmt: str,
    file_label: str,
    load: FileLoad,
    on_error: str,
    ts_range: tuple[str, str] = TS_RANGE,
) -> list[Problem]:
    """Run one file's SQL passes inside the caller's transaction.

    Returns the problems found (for `fail` the caller raises; for `skip` they are already in
    the rejects table). Rows, labels, rejects and duplicates are recorded on `load`. A DuckDB
    failure (a value its reader or a cast cannot take) is an InputError naming the file.
    """
    limited = ws.memory_limit(src.memory_limit) if src.memory_limit else nullcontext()
    try:
        with limited:
            return _load_passes(ws, src, fmt, file_label, load, on_error, ts_range)
    except duckdb.Error as exc:
        raise reader_error(exc, file_label) from exc
    finally:
        if src.scratch is not None:
            shutil.rmtree(src.scratch, ignore_errors=True)


def _load_passes(
    ws: Workspace,
    src: Source,
    fmt: str,
    file_label: str,
    load: FileLoad,
    on_error: str,
    ts_range: tuple[str, str],
) -> list[Problem]:
    assert load.load_id is not None
    if src.stage is not None:
        for chunk in range(src.stage_chunks):
            head = (
                "INSERT INTO _ingest_stage"
                if chunk
                else "CREATE OR REPLACE TEMP TABLE _ingest_stage AS"
            )
            part = {**src.params, "chunk": chunk, "chunks": src.stage_chunks}
            _Passes(ws, "", part).execute(f"{head} SELECT * FROM {src.stage}")
        src.cleanup.append("DROP TABLE IF EXISTS _ingest_stage")
    view, params = _view_sql(src, fmt, file_label, load.load_id, ts_range)
    run = _Passes(ws, view, params)
    problems: list[Problem] = []
    names = ", ".join(TXN_COLUMNS)
    good = "NOT _bad"
    if src.own_ids:
        # Sources with their own ids: look for bad records first, then keep the first record
        # of an id within the file and none already in the store.
        problems = _refuse(run, on_error, file_label, load)
        if problems and on_error == "fail":
            return problems
        run.execute(
            "CREATE OR REPLACE TEMP TABLE _ingest_new AS "
            + run.over_view(
                f"SELECT _record, txn_id FROM _ingest_v WHERE {good} "
                "AND txn_id NOT IN (SELECT txn_id FROM transactions) "
                "QUALIFY row_number() OVER (PARTITION BY txn_id ORDER BY _record) = 1"
            )
        )
        good += " AND _record IN (SELECT _record FROM _ingest_new)"
        load.duplicates = run.scalar(run.over_view("SELECT count(*) FROM _ingest_v WHERE NOT _bad"))
    else:
        load.duplicates = _new_by_fingerprint(ws, run)
        if load.duplicates:  # else every good record is new: no semi-join needed
            good += " AND _record IN (SELECT _record FROM _ingest_new)"
    load.rows = run.scalar(
        f"INSERT INTO transactions ({names}) "
        + run.over_view(f"SELECT {names} FROM _ingest_v WHERE {good}")
    )
    if src.own_ids:
        load.duplicates -= load.rows
    else:
        ws.execute(
            f"INSERT INTO {FINGERPRINTS_TABLE} SELECT fingerprint, txn_id, ? FROM _ingest_new",
            [load.load_id],
        )
        # Ids derived from (file, record) are unique, so every good record was inserted or
        # a duplicate: a cheap count (no checks computed) says whether any record was bad.
        total = run.scalar(f"SELECT count(*) FROM {src.relation}")
        if total > load.rows + load.duplicates:
            problems = _refuse(run, on_error, file_label, load)
            if on_error == "fail":
                return problems
    for i, label in enumerate(src.labels):
        # Labels keep the positive records; a labelled source's other records are negative.
        params[f"label_{i}"] = label
        load.labels += run.scalar(
            "INSERT INTO labels (txn_id, label, value, source_format, source_ref, load_id) "
            + run.over_view(
                f"SELECT txn_id, CAST($label_{i} AS VARCHAR), true, source_format, source_ref, "
                f"load_id FROM _ingest_v WHERE {good} AND _label_{i}"
            )
        )
    ws.execute("DROP TABLE IF EXISTS _ingest_new")
    return problems


def _fingerprint_field(column: str) -> str:
    """A typed column as the text the fingerprint hashes (NULL as chr(1)). A timestamp is
    formatted without the time-zone machinery: the same text as `CAST(ts AS VARCHAR)` in
    the store's UTC session (`2022-09-01 00:20:00+00`), at half the cost."""
    if duck_type(column) == "TIMESTAMPTZ":
        text = f"CAST(make_timestamp(epoch_us({column})) AS VARCHAR) || '+00'"
    else:
        text = f"CAST({column} AS VARCHAR)"
    return f"coalesce({text}, chr(1))"


def _new_by_fingerprint(ws: Workspace, run: _Passes) -> int:
    """Keep in `_ingest_new` the good records whose content fingerprint is not stored yet;
    return how many good records were duplicates.

    The fingerprint is sha256 over the typed payment fields plus the record's occurrence
    number among identical records of the file: two identical payments in one file stay
    two, and a re-saved copy of the file matches each of them once. The occurrence is
    numbered (a window) only for records whose content hash repeats in the file; every
    other record is occurrence 1."""
    ws.ensure_table(FINGERPRINTS_TABLE, FINGERPRINTS_SCHEMA)
    fields = ", ".join(_fingerprint_field(c) for c in FINGERPRINT_COLUMNS)
    run.execute(
        "CREATE OR REPLACE TEMP TABLE _ingest_content AS "
        + run.over_view(
            f"SELECT _record, txn_id, sha256(concat_ws(chr(31), {fields})) AS _content "
            "FROM _ingest_v WHERE NOT _bad"
        )
    )
    run.execute(
        "CREATE OR REPLACE TEMP TABLE _ingest_new AS WITH _repeated AS (SELECT hash(_content) "
        "AS h FROM _ingest_content GROUP BY h HAVING count(*) > 1) "
        "SELECT _record, txn_id, _content || ':' || CAST(row_number() OVER "
        "(PARTITION BY _content ORDER BY _record) AS VARCHAR) AS fingerprint "
        "FROM _ingest_content WHERE hash(_content) IN (SELECT h FROM _repeated) UNION ALL "
        "SELECT _record, txn_id, _content || ':1' FROM _ingest_content "
        "WHERE hash(_content) NOT IN (SELECT h FROM _repeated)"
    )
    ws.execute("DROP TABLE IF EXISTS _ingest_content")
    total = run.scalar("SELECT count(*) FROM _ingest_new")
    run.execute(
        f"DELETE FROM _ingest_new WHERE fingerprint IN (SELECT fingerprint FROM {FINGERPRINTS_TABLE})"
    )
    return total - run.scalar("SELECT count(*) FROM _ingest_new")


def _refuse(run: _Passes, on_error: str, file_label: str, load: FileLoad) -> list[Problem]:
    """Bad records: the first few as Problems; with `skip`, all of them into `rejects`."""
    run.params["file_label"] = file_label
    if on_error == "skip":
        load.rejects = run.scalar(
            "INSERT INTO rejects "
            + run.over_view(
                "SELECT load_id, source_format, CAST($file_label AS VARCHAR), _record, _field, "
                "_value, _reason, left(_raw, 2000), now() FROM _ingest_v WHERE _bad"
            )
        )
        if not load.rejects:
            return []
    found = run.query(
        run.over_view(
            "SELECT _record, _field, _value, _reason, count(*) OVER () FROM _ingest_v "
            f"WHERE _bad ORDER BY _record LIMIT {MAX_LISTED_PROBLEMS}"
        )
    )
    problems = [
        Problem(reason, file=file_label, record=rec, field=fld, value=val)
        for rec, fld, val, reason, _ in found
    ]
    if found:
        load.rejects = int(found[0][4])
        if load.rejects > len(problems):
            problems.append(Problem(f"... and {load.rejects - len(problems)} more bad records"))
    return problems


def stage_arrow(ws: Workspace, name: str, schema: pa.Schema, batches: Iterator[pa.Table]) -> int:
    """Append Arrow batches to a fresh temp table (the streaming readers' staging area)."""
    ws.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
    ws.ensure_table(name, schema, temp=True)
    total = 0
    for batch in batches:
        total += ws.append(name, batch)
    return total


SCRATCH_NAME = "tmp"
"""`<workspace>/tmp/`: the streaming readers' intermediate Parquet files during a load."""
PARQUET_ROW_GROUP = 20_000
"""Rows per row group of those files (a few MB each): what DuckDB reads at a time."""


def scratch_dir(ws: Workspace) -> Path:
    """A fresh folder under `<workspace>/tmp/` for one load's intermediate files; the
    caller removes it (`Source.scratch` does so after the passes)."""
    root = ws.path / SCRATCH_NAME
    root.mkdir(exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="ingest-", dir=root))


def write_parquet(path: Path, schema: pa.Schema, batches: Iterator[pa.Table]) -> int:
    """Stream Arrow batches into one Parquet file (row groups of PARQUET_ROW_GROUP rows, so
    neither Python nor DuckDB ever holds more than a few batches); the rows written."""
    total = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_table(batch, row_group_size=PARQUET_ROW_GROUP)
            total += batch.num_rows
    pa.default_memory_pool().release_unused()  # the batches' buffers, before DuckDB works
    return total


def existing_files(paths: Sequence[str | Path]) -> list[Path]:
    """The input paths, each a regular file; InputError names every missing one."""
    files = [Path(p) for p in paths]
    if not files:
        raise InputError.at("no input files given")
    missing = [
        Problem("not a regular file" if p.exists() else "no such file", file=str(p))
        for p in files
        if not p.is_file()
    ]
    if missing:
        raise InputError(missing)
    return files
