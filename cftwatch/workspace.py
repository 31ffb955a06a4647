"""A workspace: one folder holding the analytical store (DuckDB), the operational store
(SQLite by default) and the configuration that ties them together.

One writer at a time: a process that writes the analytical store holds `analytics.lock`
(an OS file lock, so a killed writer frees it; the file names the command, pid, host and
start time for the busy message). When a writer closes, it copies the store to
`analytics.snapshot.duckdb`; read-only opens read that copy while a writer is busy (DuckDB
lets no other process open a file a writer holds, not even read-only).
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, Field

from cftwatch import schema as cs
from cftwatch.engine.base import Engine
from cftwatch.engine.duckdb import (
    DuckDBEngine,
    connect,
    copy_database,
    file_stamp,
    lock_conflict_pid,
)
from cftwatch.engine.writer_lock import (
    WRITER_LOCKS,
    WorkspaceBusy,
    command_line,
    read_lock_owner,
)
from cftwatch.errors import ConfigError, DependencyMissing, WorkspaceError
from cftwatch.yamlconfig import load_yaml, validate

CONFIG_NAME = "cftwatch.yaml"
ANALYTICAL_NAME = "analytics.duckdb"
STORE_NAME = "store.sqlite"
SNAPSHOT_NAME = "analytics.snapshot.duckdb"
SNAPSHOT_STAMP_NAME = "analytics.snapshot.json"
DEFAULT_DIR = "cftwatch-data"
STORE_URL_ENV = "CFTWATCH_DB_URL"


class DuckDBSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    memory_limit: str = Field("4GB", description="DuckDB memory_limit; spills to disk beyond it.")
    threads: int = Field(2, ge=1, le=512, description="DuckDB worker threads.")
    snapshot: bool = Field(
        True,
        description="Copy the store after each write, so read-only commands work during the"
        " next one (costs one copy of analytics.duckdb on disk and per write).",
    )
    lock_wait_seconds: float = Field(
        10.0,
        ge=0,
        le=3600,
        description="How long a writer waits for short readers that hold the store open.",
    )


class InstitutionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field("Demo Wallet Ltd", description="Reporting institution's name.")
    country: str = Field("PK", description="ISO alpha-2 country of the institution.")
    currency: str = Field(
        "PKR",
        pattern=r"^[A-Z]{3}$",
        description="Local currency (ISO 4217); monitoring's money thresholds are in it.",
    )
    exchange_rates: dict[str, float] = Field(
        default_factory=dict,
        description="Units of `currency` per one unit of another currency (e.g. PKR: 0.0036 "
        "for a USD institution); money amounts written in that currency are converted with it.",
    )
    reporting_entity_id: str | None = Field(
        None, description="Id the FIU assigned (a positive integer; checked by reporting)."
    )


class WorkspaceConfig(BaseModel):
    """The workspace's `cftwatch.yaml`. Stage sections are validated by their stage."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    engine: Literal["duckdb", "spark"] = "duckdb"
    duckdb: DuckDBSettings = Field(default_factory=DuckDBSettings)
    store_url: str | None = Field(
        None, description=f"SQLAlchemy URL of the operational store; {STORE_URL_ENV} overrides it."
    )
    institution: InstitutionSettings = Field(default_factory=InstitutionSettings)
    lists: dict[str, Any] = Field(default_factory=dict)
    screening: dict[str, Any] = Field(default_factory=dict)
    monitoring: dict[str, Any] = Field(default_factory=dict)
    reporting: dict[str, Any] = Field(default_factory=dict)


def load_config(path: Path) -> WorkspaceConfig:
    """Read and validate `cftwatch.yaml`; ConfigError names the file, line and key."""
    doc = load_yaml(path, what="workspace configuration")
    raw = doc.data if doc.data is not None else {}
    if not isinstance(raw, dict):
        raise ConfigError.at("expected a mapping at the top level", file=str(path))
    return validate(WorkspaceConfig, raw, str(path), doc=doc)


_OPEN_WRITERS: weakref.WeakSet[Workspace] = weakref.WeakSet()


@atexit.register
def _close_open_writers() -> None:
    """A writer never closed still leaves a snapshot and frees its lock at exit."""
    for ws in list(_OPEN_WRITERS):
        ws.close()


@dataclass(frozen=True)
class SnapshotInfo:
    """The snapshot copy: the store's stamp when copied, when, and after which command."""

    stamp: list[int]
    taken_at: str
    after: str


def read_snapshot_info(root: Path) -> SnapshotInfo | None:
    if not (root / SNAPSHOT_NAME).is_file():
        return None
    try:
        raw = json.loads((root / SNAPSHOT_STAMP_NAME).read_text(encoding="utf-8"))
        return SnapshotInfo([int(v) for v in raw["stamp"]], str(raw["taken_at"]), str(raw["after"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


class Workspace:
    """Open with `Workspace.open(dir)` or create with `Workspace.init(dir)`.

    `read_only=True` never takes the writer lock: it reads the store itself, or its last
    snapshot while another process writes (`snapshot` then says which copy it reads)."""

    def __init__(
        self,
        path: Path,
        config: WorkspaceConfig,
        engine: str | None = None,
        *,
        read_only: bool = False,
        command: str | None = None,
    ) -> None:
        self.path = path
        self.config = config
        self.engine_name = engine or config.engine
        self.read_only = read_only
        self.command = command or command_line()
        self.snapshot: SnapshotInfo | None = None
        """Set when this read-only workspace reads the state before a write in progress."""
        self._con: duckdb.DuckDBPyConnection | None = None
        self._engines: dict[str, Engine] = {}
        self._writing = False
        self._abandoned: weakref.finalize[Any, Any] | None = None
        self._restore_memory_limit: str | None = None
        self._in_transaction = False

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    def init(
        cls, path: str | Path = DEFAULT_DIR, *, engine: str = "duckdb", currency: str | None = None
    ) -> Workspace:
        """Create (or complete) a workspace. Existing data is never touched. `currency`: the
        institution's (ISO 4217), written once; an existing config keeps its own."""
        root = Path(path)
        config_path = root / CONFIG_NAME
        if config_path.exists():
            config = load_config(config_path)
            if currency is not None and currency != config.institution.currency:
                raise ConfigError.at(
                    f"the workspace's currency is already {config.institution.currency}; "
                    "change institution.currency in the file to change it",
                    file=str(config_path),
                    field="institution.currency",
                    value=currency,
                )
        else:
            raw: dict[str, Any] = {"engine": engine}
            if currency is not None:
                raw["institution"] = {"currency": currency}
            config = validate(WorkspaceConfig, raw, str(config_path))
            root.mkdir(parents=True, exist_ok=True)
            config_path.write_text(
                "# cftwatch workspace configuration (see README: Workspace)\n"
                + yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False),
                encoding="utf-8",
            )
        ws = cls(root, config)
        ws.ensure_tables()
        return ws

    @classmethod
    def open(
        cls, path: str | Path = DEFAULT_DIR, *, engine: str | None = None, read_only: bool = False
    ) -> Workspace:
        """Open a workspace; `read_only` for commands that only read (they work during a write)."""
        root = Path(path)
        config_path = root / CONFIG_NAME
        if not config_path.is_file():
            raise WorkspaceError(
                f"{root} is not a cftwatch workspace (no {CONFIG_NAME}); run `cftwatch init {root}`"
            )
        ws = cls(root, load_config(config_path), engine, read_only=read_only)
        if read_only:
            ws.con  # noqa: B018 - open now, so a busy workspace is reported before any work
        else:
            ws.ensure_tables()
        return ws

    def close(self) -> None:
        for eng in self._engines.values():
            eng.close()
        self._engines.clear()
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._writing:
            self._writing = False
            _OPEN_WRITERS.discard(self)
            if self._abandoned is not None:
                self._abandoned.detach()
            try:
                if WRITER_LOCKS.holds(self.path) and self.config.duckdb.snapshot:
                    self._snapshot_if_last()
            finally:
                WRITER_LOCKS.release(self.path)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- analytical store ------------------------------------------------------------

    @property
    def analytical_path(self) -> Path:
        return self.path / ANALYTICAL_NAME

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection of the analytical store (opened on first use)."""
        if self._con is None:
            if self.read_only and not WRITER_LOCKS.holds(self.path):
                self._con = self._connect_reader()
            else:
                self._con = self._connect_writer()
        return self._con

    def _connect(self, path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
        settings = self.config.duckdb
        limit = _safe_setting(settings.memory_limit)
        return connect(path, read_only=read_only, memory_limit=limit, threads=settings.threads)

    def _connect_writer(self) -> duckdb.DuckDBPyConnection:
        """Take the writer lock, then the file; wait a little for readers holding it."""
        WRITER_LOCKS.acquire(self.path, self.command)
        try:
            con = self._retry_open(self.analytical_path, read_only=False)
        except BaseException:
            WRITER_LOCKS.release(self.path)
            raise
        self._writing = True
        _OPEN_WRITERS.add(self)
        # dropped without close(): free the lock when collected (no snapshot then)
        self._abandoned = weakref.finalize(self, WRITER_LOCKS.release, self.path)
        return con

    def _retry_open(self, path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.config.duckdb.lock_wait_seconds
        while True:
            try:
                return self._connect(path, read_only)
            except duckdb.IOException as exc:
                pid = lock_conflict_pid(exc)
                if pid is None:
                    raise WorkspaceError(f"cannot open {path}: {exc}") from exc
                if time.monotonic() >= deadline:
                    # we hold the owner file: the holder is a reader or not cftwatch
                    raise WorkspaceBusy(self.path, None, pid=pid, store=ANALYTICAL_NAME) from None
                time.sleep(0.1)

    def _connect_reader(self) -> duckdb.DuckDBPyConnection:
        """The store itself when no writer holds it; else its last snapshot."""
        owner = read_lock_owner(self.path)
        snap = read_snapshot_info(self.path)
        main_stamp = file_stamp(self.analytical_path)
        if snap is not None and (owner is not None or snap.stamp == main_stamp):
            return self._open_snapshot(snap, behind=owner is not None)
        if owner is not None:
            raise WorkspaceBusy(self.path, owner)
        try:
            return self._connect(self.analytical_path, True)
        except duckdb.IOException as exc:
            pid = lock_conflict_pid(exc)
            if pid is None:
                raise WorkspaceError(f"cannot open {self.analytical_path}: {exc}") from exc
            snap = read_snapshot_info(self.path)  # a writer may have started just now
            if snap is None:
                raise WorkspaceBusy(
                    self.path, read_lock_owner(self.path), pid=pid, store=ANALYTICAL_NAME
                ) from None
            return self._open_snapshot(snap, behind=True)

    def _open_snapshot(self, snap: SnapshotInfo, *, behind: bool) -> duckdb.DuckDBPyConnection:
        """Read the snapshot: the same content as the store when no one writes (so readers
        never hold the store's file and writers never wait), else the state before the write
        in progress (`behind`: `self.snapshot` then says which state)."""
        if behind:
            self.snapshot = snap
        return self._connect(self.path / SNAPSHOT_NAME, True)

    def _snapshot_if_last(self) -> None:
        """After the last writer of this process closed: copy the store if it changed."""
        stamp = file_stamp(self.analytical_path)
        previous = read_snapshot_info(self.path)
        if previous is not None and previous.stamp == stamp:
            return
        if not self.analytical_path.exists() or WRITER_LOCKS.holds_more_than_one(self.path):
            return
        copy_database(self.analytical_path, self.path / SNAPSHOT_NAME)
        taken = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        info = {"stamp": stamp, "taken_at": taken, "after": self.command}
        tmp = self.path / f"{SNAPSHOT_STAMP_NAME}.tmp-{os.getpid()}"
        tmp.write_text(json.dumps(info), encoding="utf-8")
        os.replace(tmp, self.path / SNAPSHOT_STAMP_NAME)

    def ensure_tables(self, schemas: dict[str, pa.Schema] | None = None) -> None:
        """Create any canonical table that is missing (idempotent)."""
        for name, sch in (schemas or cs.ALL_TABLES).items():
            if not self.has_table(name):
                self.ensure_table(name, sch)

    def has_table(self, name: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'",
            [name],
        ).fetchall()
        return bool(row and row[0][0])

    def table_counts(self) -> dict[str, int]:
        names = [
            r[0]
            for r in self.con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name"
            ).fetchall()
        ]
        out: dict[str, int] = {}
        for n in names:
            rows = self.con.execute(f"SELECT count(*) FROM {quote_ident(n)}").fetchall()
            out[n] = int(rows[0][0]) if rows else 0
        return out

    # -- the gateway: the only way stages read and write the analytical store ----------
    #
    # SQL passed here carries values only as parameters (`?` or `$name`); identifiers
    # are quoted with `quote_ident`. Every call fetches its whole result, so no open
    # result set blocks the next statement (DuckDB refuses work beside one).

    def query(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        """Rows of a parameterised query."""
        return self.con.execute(sql, _params(params)).fetchall()

    def query_one(self, sql: str, params: Params = None) -> tuple[Any, ...] | None:
        """The first row of a parameterised query, or None."""
        rows = self.con.execute(sql, _params(params)).fetchall()
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = self.query_one(sql, params)
        return row[0] if row else None

    def query_arrow(self, sql: str, params: Params = None) -> pa.Table:
        """A parameterised query's result as an Arrow table (no extra copy of the result)."""
        return self.con.sql(sql, params=_params(params) or None).to_arrow_table()

    def query_dicts(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        """A parameterised query's rows as dicts keyed by column name."""
        cur = self.con.execute(sql, _params(params))
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def execute(self, sql: str, params: Params = None) -> None:
        """Run a parameterised statement (DDL or DML) and discard any result."""
        self.con.execute(sql, _params(params)).fetchall()

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one parameterised statement for each row of values."""
        if rows:
            self.con.executemany(sql, [list(r) for r in rows])

    @contextmanager
    def registered(self, name: str, data: pa.Table) -> Iterator[str]:
        """Make an Arrow table queryable as `name` for the duration of the block."""
        self.con.register(name, data)
        try:
            yield quote_ident(name)
        finally:
            self.con.unregister(name)

    def ensure_table(
        self,
        name: str,
        schema: pa.Schema,
        *,
        temp: bool = False,
        primary_key: Sequence[str] = (),
    ) -> bool:
        """Create a (private or temporary) table from an Arrow schema if it is missing.

        The one way any stage makes its own tables: non-nullable fields become NOT NULL
        columns and `primary_key` a PRIMARY KEY, so the store refuses what the schema
        forbids. Returns True when it was created. A read-only workspace makes a missing
        table a temporary (empty) one, so readers see no rows rather than an error."""
        if not temp and self.has_table(name):
            return False
        temp = temp or self.read_only
        table = quote_ident(name)
        with self.registered("_cftwatch_empty", cs.empty(schema)) as empty:
            kind = "TEMP TABLE IF NOT EXISTS" if temp else "TABLE IF NOT EXISTS"
            self.con.execute(f"CREATE {kind} {table} AS SELECT * FROM {empty}")
        for f in schema:
            if not f.nullable or f.name in primary_key:
                self.con.execute(
                    f"ALTER TABLE {table} ALTER COLUMN {quote_ident(f.name)} SET NOT NULL"
                )
        if primary_key:
            cols = ", ".join(quote_ident(c) for c in primary_key)
            self.con.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({cols})")
        return True

    def ensure_view(self, name: str, select_sql: str) -> None:
        """Create or replace a view (the SQL is the project's own, never user text); a
        read-only workspace keeps an existing one and makes a missing one temporary."""
        if self.read_only:
            if not self.has_table(name):
                self.con.execute(f"CREATE TEMP VIEW {quote_ident(name)} AS {select_sql}")
            return
        self.con.execute(f"CREATE OR REPLACE VIEW {quote_ident(name)} AS {select_sql}")

    @contextmanager
    def atomic(self) -> Iterator[Workspace]:
        """A transaction on the analytical store: everything inside lands, or nothing does.

        Yields the workspace; its gateway calls inside the block join the transaction."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield self
        except BaseException:
            con.execute("ROLLBACK")
            raise
        else:
            con.execute("COMMIT")
        finally:
            self._in_transaction = False
            if self._restore_memory_limit is not None:  # set by memory_limit()
                self._restore_settings(self._restore_memory_limit)
                self._restore_memory_limit = None

    def append(self, name: str, data: pa.Table) -> int:
        """Insert an Arrow table into a table, conforming it to its canonical schema first."""
        sch = cs.ALL_TABLES.get(name)
        rows = cs.conform(data, sch) if sch is not None else data
        with self.registered("_cftwatch_append", rows) as src:
            cols = ", ".join(quote_ident(c) for c in rows.column_names)
            self.con.execute(f"INSERT INTO {quote_ident(name)} ({cols}) SELECT {cols} FROM {src}")
        return rows.num_rows

    def read(self, name: str, columns: Sequence[str] | None = None) -> pa.Table:
        """A whole table (or some of its columns) as Arrow."""
        cols = ", ".join(quote_ident(c) for c in columns) if columns else "*"
        return self.con.sql(f"SELECT {cols} FROM {quote_ident(name)}").to_arrow_table()

    def export_jsonl(self, name: str, target: str | Path, order_by: str | None = None) -> Path:
        """Write a table as JSON lines (one object per row), e.g. alerts for another system."""
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        order = f" ORDER BY {order_by}" if order_by else ""
        self.con.execute(
            f"COPY (SELECT * FROM {quote_ident(name)}{order}) TO '{_safe_path(path)}' (FORMAT json)"
        )
        return path

    def export_parquet(self, name: str) -> Path:
        """Write a table to `<workspace>/parquet/<name>.parquet` (for engines that read files)."""
        out = self.path / "parquet"
        out.mkdir(exist_ok=True)
        target = out / f"{name}.parquet"
        self.con.execute(f"COPY {quote_ident(name)} TO '{_safe_path(target)}' (FORMAT parquet)")
        return target

    @contextmanager
    def memory_limit(self, limit: str) -> Iterator[None]:
        """Run the block under a lower DuckDB `memory_limit` (e.g. "96MB") on one thread:
        DuckDB spills joins, aggregates and uncommitted rows to its temp directory
        (`<store>.tmp`) beyond it. Inside `atomic()` the lower limit holds until the
        transaction ends (its commit writes what the block added); the configured limit
        and threads are restored then, else at the end of the block. A `limit` above the
        configured one changes nothing."""
        configured = _safe_setting(self.config.duckdb.memory_limit)
        lower = _safe_setting(limit)
        if _size_bytes(lower) >= _size_bytes(configured):
            yield
            return
        self.con.execute(f"SET memory_limit = '{lower}'")
        self.con.execute("SET threads = 1")
        if self._in_transaction:
            self._restore_memory_limit = configured
            yield
            return
        try:
            yield
        finally:
            self._restore_settings(configured)

    def _restore_settings(self, memory_limit: str) -> None:
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute(f"SET threads = {int(self.config.duckdb.threads)}")

    def release_memory(self) -> None:
        """Let DuckDB free what finished queries held (between heavy stages)."""
        self.con.execute("SELECT 1").fetchall()

    # -- engines and stores ----------------------------------------------------------

    def engine(self, name: str | None = None) -> Engine:
        """The analytical engine (`duckdb` or `spark`); cached per workspace."""
        which = name or self.engine_name
        if which not in self._engines:
            if which == "duckdb":
                limit = _safe_setting(self.config.duckdb.memory_limit)
                self._engines[which] = DuckDBEngine(self.con, memory_limit=limit)
            elif which == "spark":
                try:
                    from cftwatch.engine.spark import SparkEngine
                except ImportError as exc:
                    raise DependencyMissing(
                        "the Spark engine needs the spark extra: pip install 'cftwatch[spark]'"
                    ) from exc
                self._engines[which] = SparkEngine(self.export_parquet)
            else:
                raise ConfigError.at(
                    "unknown engine (choose duckdb or spark)", field="engine", value=which
                )
        return self._engines[which]

    @property
    def store_url(self) -> str:
        """Operational store URL: $CFTWATCH_DB_URL, else the config, else SQLite in the workspace."""
        return (
            os.environ.get(STORE_URL_ENV)
            or self.config.store_url
            or f"sqlite:///{(self.path / STORE_NAME).resolve()}"
        )


Params = Sequence[Any] | Mapping[str, Any] | None


def _params(params: Params) -> Any:
    if params is None:
        return []
    return dict(params) if isinstance(params, Mapping) else list(params)


def quote_ident(name: str) -> str:
    """A SQL identifier (table or column name) quoted for DuckDB and Spark SQL."""
    return '"' + name.replace('"', '""') + '"'


def _safe_setting(value: str) -> str:
    if not all(ch.isalnum() or ch in ". " for ch in value):
        raise ConfigError.at("invalid characters", field="duckdb.memory_limit", value=value)
    return value


_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_UNITS |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def _size_bytes(value: str) -> float:
    """A DuckDB size setting ("4GB", "96 MiB") in bytes (an unknown form: infinite)."""
    text = value.strip().upper()
    number = text.rstrip("KMGTIB ")
    unit = text[len(number) :].strip()
    try:
        return float(number) * _UNITS[unit]
    except (ValueError, KeyError):
        return float("inf")


def _safe_path(path: Path) -> str:
    return str(path).replace("'", "''")
