"""Engine adapters: one per analytical backend, one Ibis core.

Stages build Ibis expressions over canonical tables obtained from `Engine.table()` and
hand them back to `Engine.to_arrow()`; iterative algorithms store each round with
`materialise()` (on the expression's own backend), so plans stay small on Spark too. The DuckDB adapter is the default; the Spark
adapter is imported only when asked for, so `pyspark` stays an optional extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cftwatch.engine.base import ENGINES, Engine
from cftwatch.engine.duckdb import DuckDBEngine
from cftwatch.engine.materialising import is_empty, materialise

if TYPE_CHECKING:
    from cftwatch.engine.spark import SparkEngine

__all__ = ["ENGINES", "DuckDBEngine", "Engine", "SparkEngine", "is_empty", "materialise"]


def __getattr__(name: str) -> Any:
    if name == "SparkEngine":
        from cftwatch.engine.spark import SparkEngine

        return SparkEngine
    raise AttributeError(name)
