"""Payment-network analytics on the canonical transactions table: motifs (cycles,
scatter/gather), and later exposure, components and graph features. Built on Ibis, so the
same function runs on DuckDB and Spark."""

from __future__ import annotations

from cftwatch.network.motifs import EDGE_COLUMNS, gather_scatter, scatter_gather, short_cycles

__all__ = ["EDGE_COLUMNS", "gather_scatter", "scatter_gather", "short_cycles"]
