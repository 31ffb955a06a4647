from __future__ import annotations

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa

from cftwatch.engine.base import Engine


class DuckDBEngine(Engine):
    """Embedded engine: Ibis on the workspace's own DuckDB connection."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._ibis = ibis.duckdb.from_connection(con)

    @property
    def backend(self) -> ibis.BaseBackend:
        return self._ibis

    def table(self, name: str) -> ir.Table:
        return self._ibis.table(name)

    def register(self, name: str, data: pa.Table) -> ir.Table:
        return self._ibis.create_table(name, data, temp=True, overwrite=True)
