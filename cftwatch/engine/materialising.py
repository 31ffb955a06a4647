"""Materialise an intermediate result, so an iterative plan stays small on every engine.

An algorithm that grows a result one step at a time (a path one hop longer, a label one
round further) builds an ever deeper Ibis expression when it stays lazy. DuckDB plans such
a tree in milliseconds; Spark inlines every shared subexpression and its optimiser can
spend tens of minutes on the result. `materialise` computes the step now and returns a
table expression that reads the stored rows: a temporary table on DuckDB, a locally
checkpointed DataFrame registered as a session view on Spark (lineage cut, so the next
step's plan starts from a leaf). On any other backend the expression is returned as is.

The stored rows live as long as the connection or session (temporary tables and views
are dropped when it closes); each call takes a fresh name unless one is given. A caller
that runs many such algorithms on one connection (a monitoring run: one per rule) drops
what each left behind: `mark()` before, `drop_since(mark)` after (fresh names only; a
table stored under a name of the caller's choosing is the caller's to drop).
"""

from __future__ import annotations

import itertools
import os

import ibis
import ibis.expr.types as ir

_NAMES = itertools.count()
_STORED: list[tuple[ibis.BaseBackend, str]] = []
"""The tables stored under fresh names, in order (for `drop_since`)."""


def _fresh(name: str | None) -> str:
    return name or f"_cftwatch_m{os.getpid()}_{next(_NAMES)}"


def mark() -> int:
    """A position in the list of stored tables, for `drop_since`."""
    return len(_STORED)


def drop_since(position: int) -> None:
    """Drop the tables `materialise` stored under fresh names since `mark()` returned
    `position` (their rows are no longer needed: memory and temporary disk given back)."""
    while len(_STORED) > position:
        backend, name = _STORED.pop()
        try:
            if backend.name == "pyspark":
                backend._session.catalog.dropTempView(name)
            else:
                backend.drop_table(name, force=True)
        except Exception:  # a connection already closed has dropped it
            continue


def materialise(expr: ir.Table, name: str | None = None) -> ir.Table:
    """Compute `expr` now and return a table expression over its stored rows (same columns,
    same types), on the backend the expression belongs to."""
    backend = ibis.get_backend(expr)
    target = _fresh(name)
    if name is None and backend.name in ("duckdb", "pyspark"):
        _STORED.append((backend, target))
    if backend.name == "duckdb":
        return backend.create_table(target, expr, temp=True, overwrite=True)
    if backend.name == "pyspark":
        from ibis.backends.pyspark.datatypes import PySparkSchema

        backend._register_in_memory_tables(expr)  # memtables referenced by the plan
        df = backend._session.sql(backend.compile(expr))
        # Spark's own result types can differ from Ibis's (a decimal sum one digit wider):
        # store the types the expression declares, so later unions and joins still agree
        want = PySparkSchema.from_ibis(expr.schema())
        df = df.select(*[df[f.name].cast(f.dataType).alias(f.name) for f in want.fields])
        df.localCheckpoint(eager=True).createOrReplaceTempView(target)
        return backend.table(target)
    return expr


def release(expr: ir.Table) -> None:
    """Drop the stored rows behind a table `materialise` returned (one stored under a name
    of the caller's choosing; fresh names are dropped by `drop_since`)."""
    backend = ibis.get_backend(expr)
    name = expr.get_name().rsplit(".", 1)[-1]
    try:
        if backend.name == "pyspark":
            backend._session.catalog.dropTempView(name)
        elif backend.name == "duckdb":
            backend.drop_table(name, force=True)
    except Exception:  # a connection already closed has dropped it
        return


def is_empty(expr: ir.Table) -> bool:
    """Whether the (preferably materialised) table has no row: lets an iteration stop early."""
    return int(expr.limit(1).count().to_pyarrow().as_py()) == 0


__all__ = ["drop_since", "is_empty", "mark", "materialise", "release"]
