"""The DuckDB adapter: Ibis on the workspace's connection, and how that connection is
opened (settings, lock conflicts, read-only snapshot copies)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa

from cftwatch.engine.base import Engine

_LOCK_CONFLICT = "Could not set lock on file"
_HOLDER_PID = re.compile(r"\(PID (\d+)\)")


class DuckDBEngine(Engine):
    """Embedded engine: Ibis on the workspace's own DuckDB connection."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, memory_limit: str | None = None) -> None:
        self.con = con
        self.memory_limit = memory_limit
        """The connection's configured `memory_limit` (validated; for `bounded_memory`)."""
        self._ibis = ibis.duckdb.from_connection(con)

    @property
    def backend(self) -> ibis.BaseBackend:
        return self._ibis

    def table(self, name: str) -> ir.Table:
        return self._ibis.table(name)

    def register(self, name: str, data: pa.Table) -> ir.Table:
        return self._ibis.create_table(name, data, temp=True, overwrite=True)

    @contextmanager
    def bounded_memory(self, share: float) -> Iterator[None]:
        limit = _bytes(self.memory_limit) if self.memory_limit else None
        if limit is None or not 0 < share < 1:
            yield
            return
        self.con.execute(f"SET memory_limit = '{int(limit * share) // (1 << 20)}MiB'")
        try:
            yield
        finally:
            self.con.execute(f"SET memory_limit = '{self.memory_limit}'")


_UNITS = {"b": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}
_UNITS |= {"kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_SIZE = re.compile(r"^\s*([0-9.]+)\s*([a-z]+)\s*$")


def _bytes(text: str) -> int | None:
    """A DuckDB size setting (`4GB`, `3.7 GiB`) in bytes; None when it is not a size."""
    m = _SIZE.match(text.lower())
    if not m or m.group(2) not in _UNITS:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2)])


def connect(
    path: Path, *, read_only: bool, memory_limit: str, threads: int
) -> duckdb.DuckDBPyConnection:
    """A configured connection (UTC, memory limit, threads). `memory_limit` must already be
    validated: settings cannot be parameters."""
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET threads = {int(threads)}")
        con.execute("SET preserve_insertion_order = false")
    except BaseException:
        con.close()
        raise
    return con


def lock_conflict_pid(exc: BaseException) -> int | None:
    """For DuckDB's "Could not set lock on file … (PID n)": n (0 when it names none);
    None when `exc` is some other error."""
    text = str(exc)
    if _LOCK_CONFLICT not in text:
        return None
    found = _HOLDER_PID.search(text)
    return int(found.group(1)) if found else 0


def file_stamp(path: Path) -> list[int]:
    """Size and mtime of a database file and its write-ahead log: equal stamps, same content
    (DuckDB changes one of them on every checkpointed or logged write)."""
    stamp: list[int] = []
    for part in (path, path.with_name(path.name + ".wal")):
        try:
            st = part.stat()
        except FileNotFoundError:
            stamp += [-1, -1]
        else:
            stamp += [st.st_size, st.st_mtime_ns]
    return stamp


def copy_database(source: Path, target: Path) -> None:
    """Copy a closed database file to `target` atomically (readers of the old copy keep it)."""
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    try:
        shutil.copyfile(source, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
