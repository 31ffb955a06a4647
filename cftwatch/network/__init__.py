"""Payment-network analytics on the canonical transactions table: motifs (cycles,
scatter/gather), exposure to risk seeds, reachability and components, neighbourhoods.
Built on Ibis, so the same function runs on DuckDB and Spark."""

from __future__ import annotations

from cftwatch.network.components import components, label_components, reach
from cftwatch.network.motifs import EDGE_COLUMNS, gather_scatter, scatter_gather, short_cycles

__all__ = [
    "EDGE_COLUMNS",
    "components",
    "gather_scatter",
    "label_components",
    "reach",
    "scatter_gather",
    "short_cycles",
]
