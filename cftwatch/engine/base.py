from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

import ibis.expr.types as ir
import pyarrow as pa

from cftwatch.engine.materialising import materialise

ENGINES = ("duckdb", "spark")


class Engine(ABC):
    """Runs Ibis expressions over the workspace's canonical tables on one backend."""

    name: str

    @property
    @abstractmethod
    def backend(self) -> object:
        """The Ibis backend (for stages that need backend-level calls such as `create_table`)."""

    @abstractmethod
    def table(self, name: str) -> ir.Table:
        """A canonical table of the workspace as an Ibis table expression."""

    def current_table(self, name: str) -> ir.Table:
        """The table as it is now, for a run that must see every row written so far.

        Adapters that read copies of the workspace's tables (Spark reads Parquet exports)
        refresh the copy; the embedded adapter reads the table itself."""
        return self.table(name)

    @abstractmethod
    def register(self, name: str, data: pa.Table) -> ir.Table:
        """Make an Arrow table available to expressions under `name` (temporary)."""

    def materialise(self, expr: ir.Table, name: str | None = None) -> ir.Table:
        """Compute `expr` now and return a table over its stored rows: a DuckDB temporary
        table, a locally checkpointed Spark view (see `cftwatch.engine.materialising`). For
        iterative algorithms, so each round's plan starts from a leaf."""
        return materialise(expr, name)

    @contextmanager
    def bounded_memory(self, share: float) -> Iterator[None]:
        """Run the block with the engine's own memory limit at `share` of the configured
        one, spilling to its temporary directory beyond it, so the whole process (the
        engine, Python's rows and Arrow results) stays within the configured budget. No
        effect on engines whose memory is set elsewhere (Spark: its own configuration)."""
        yield

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        result = expr.to_pyarrow()
        if isinstance(result, pa.Table):
            return result
        raise TypeError(f"expected a table expression, got {type(expr).__name__}")

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release backend resources."""
