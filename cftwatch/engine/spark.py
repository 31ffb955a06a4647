"""PySpark adapter. Imported lazily: `pyspark` comes with the `cftwatch[spark]` extra."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from cftwatch.engine.base import Engine
from cftwatch.errors import DependencyMissing

try:
    import ibis
    from pyspark.sql import SparkSession
except ImportError as exc:  # pragma: no cover - exercised when the extra is absent
    raise DependencyMissing(
        "the Spark engine needs the spark extra: pip install 'cftwatch[spark]'"
    ) from exc

_SESSION: SparkSession | None = None


def local_session(master: str | None = None) -> SparkSession:
    """One local Spark session per process, UTC, sized for a laptop or CI runner."""
    global _SESSION
    if _SESSION is None:
        builder = (
            SparkSession.builder.master(
                master or os.environ.get("CFTWATCH_SPARK_MASTER", "local[2]")
            )
            .appName("cftwatch")
            .config("spark.sql.session.timeZone", "UTC")
            .config(
                "spark.sql.shuffle.partitions", os.environ.get("CFTWATCH_SPARK_PARTITIONS", "4")
            )
            .config("spark.ui.enabled", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.memory", os.environ.get("CFTWATCH_SPARK_DRIVER_MEMORY", "2g"))
            .config("spark.sql.ansi.enabled", "false")
        )
        _SESSION = builder.getOrCreate()
        _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


class SparkEngine(Engine):
    """Ibis on PySpark. Canonical tables are read from Parquet exports of the workspace.

    `exporter(name)` returns the Parquet path for a canonical table (the workspace writes
    it from its store); on a cluster those paths would be the lake's.
    """

    name = "spark"

    def __init__(self, exporter: Callable[[str], Path], session: Any = None) -> None:
        self.session = session or local_session()
        self._ibis = ibis.pyspark.connect(self.session)
        self._exporter = exporter
        self._tables: dict[str, ir.Table] = {}

    @property
    def backend(self) -> ibis.BaseBackend:
        return self._ibis

    def table(self, name: str) -> ir.Table:
        if name not in self._tables:
            path = self._exporter(name)
            self._tables[name] = self._ibis.read_parquet(str(path), table_name=f"cftwatch_{name}")
        return self._tables[name]

    def current_table(self, name: str) -> ir.Table:
        """A new Parquet export of the workspace table, read under a name of its own."""
        path = self._exporter(name)
        return self._ibis.read_parquet(str(path), table_name=f"cftwatch_current_{name}")

    def register(self, name: str, data: pa.Table) -> ir.Table:
        """A session view over the Arrow data (Ibis's PySpark backend has no temporary
        tables)."""
        return self._ibis.table(self._view(name, data))

    def _view(self, name: str, data: pa.Table) -> str:
        # straight from Arrow: through pandas, Spark would infer decimal precision from the
        # values and later sums would overflow the inferred type
        self.session.createDataFrame(data).createOrReplaceTempView(name)
        return name
