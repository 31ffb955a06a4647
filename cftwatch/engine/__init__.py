"""Engine adapters: one per analytical backend, one Ibis core.

Stages build Ibis expressions over canonical tables obtained from `Engine.table()` and
hand them back to `Engine.to_arrow()`. The DuckDB adapter is the default; the Spark
adapter is imported only when asked for, so `pyspark` stays an optional extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cftwatch.engine.base import ENGINES, Engine
from cftwatch.engine.duckdb import DuckDBEngine

if TYPE_CHECKING:
    from cftwatch.engine.spark import SparkEngine

__all__ = ["ENGINES", "DuckDBEngine", "Engine", "SparkEngine"]


def __getattr__(name: str) -> Any:
    if name == "SparkEngine":
        from cftwatch.engine.spark import SparkEngine

        return SparkEngine
    raise AttributeError(name)
