"""A workspace: one folder holding the analytical store (DuckDB), the operational store
(SQLite by default) and the configuration that ties them together."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, Field

from cftwatch import schema as cs
from cftwatch.engine.base import Engine
from cftwatch.engine.duckdb import DuckDBEngine
from cftwatch.errors import ConfigError, DependencyMissing, WorkspaceError
from cftwatch.yamlconfig import load_yaml, validate

CONFIG_NAME = "cftwatch.yaml"
ANALYTICAL_NAME = "analytics.duckdb"
STORE_NAME = "store.sqlite"
DEFAULT_DIR = "cftwatch-data"
STORE_URL_ENV = "CFTWATCH_DB_URL"


class DuckDBSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    memory_limit: str = Field("4GB", description="DuckDB memory_limit; spills to disk beyond it.")
    threads: int = Field(2, ge=1, le=512, description="DuckDB worker threads.")


class InstitutionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field("Demo Wallet Ltd", description="Reporting institution's name.")
    country: str = Field("PK", description="ISO alpha-2 country of the institution.")
    currency: str = Field("PKR", description="Local currency (ISO 4217).")
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


class Workspace:
    """Open with `Workspace.open(dir)` or create with `Workspace.init(dir)`."""

    def __init__(self, path: Path, config: WorkspaceConfig, engine: str | None = None) -> None:
        self.path = path
        self.config = config
        self.engine_name = engine or config.engine
        self._con: duckdb.DuckDBPyConnection | None = None
        self._engines: dict[str, Engine] = {}

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    def init(cls, path: str | Path = DEFAULT_DIR, *, engine: str = "duckdb") -> Workspace:
        """Create (or complete) a workspace. Existing data is never touched."""
        root = Path(path)
        root.mkdir(parents=True, exist_ok=True)
        config_path = root / CONFIG_NAME
        if config_path.exists():
            config = load_config(config_path)
        else:
            config = WorkspaceConfig.model_validate({"engine": engine})
            config_path.write_text(
                "# cftwatch workspace configuration (see README: Workspace)\n"
                + yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False),
                encoding="utf-8",
            )
        ws = cls(root, config)
        ws.ensure_tables()
        return ws

    @classmethod
    def open(cls, path: str | Path = DEFAULT_DIR, *, engine: str | None = None) -> Workspace:
        root = Path(path)
        config_path = root / CONFIG_NAME
        if not config_path.is_file():
            raise WorkspaceError(
                f"{root} is not a cftwatch workspace (no {CONFIG_NAME}); run `cftwatch init {root}`"
            )
        ws = cls(root, load_config(config_path), engine)
        ws.ensure_tables()
        return ws

    def close(self) -> None:
        for eng in self._engines.values():
            eng.close()
        self._engines.clear()
        if self._con is not None:
            self._con.close()
            self._con = None

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
            settings = self.config.duckdb
            try:
                self._con = duckdb.connect(str(self.analytical_path))
            except duckdb.IOException as exc:
                raise WorkspaceError(f"cannot open {self.analytical_path}: {exc}") from exc
            self._con.execute("SET TimeZone = 'UTC'")
            self._con.execute(f"SET memory_limit = '{_safe_setting(settings.memory_limit)}'")
            self._con.execute(f"SET threads = {int(settings.threads)}")
            self._con.execute("SET preserve_insertion_order = false")
        return self._con

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
        forbids. Returns True when it was created."""
        if not temp and self.has_table(name):
            return False
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
        """Create or replace a view (the SQL is the project's own, never user text)."""
        self.con.execute(f"CREATE OR REPLACE VIEW {quote_ident(name)} AS {select_sql}")

    @contextmanager
    def atomic(self) -> Iterator[Workspace]:
        """A transaction on the analytical store: everything inside lands, or nothing does.

        Yields the workspace; its gateway calls inside the block join the transaction."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            yield self
        except BaseException:
            con.execute("ROLLBACK")
            raise
        else:
            con.execute("COMMIT")

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

    def release_memory(self) -> None:
        """Let DuckDB free what finished queries held (between heavy stages)."""
        self.con.execute("SELECT 1").fetchall()

    # -- engines and stores ----------------------------------------------------------

    def engine(self, name: str | None = None) -> Engine:
        """The analytical engine (`duckdb` or `spark`); cached per workspace."""
        which = name or self.engine_name
        if which not in self._engines:
            if which == "duckdb":
                self._engines[which] = DuckDBEngine(self.con)
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


def _safe_path(path: Path) -> str:
    return str(path).replace("'", "''")
