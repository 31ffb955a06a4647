"""The workspace's alerts that triage considers, read through the analytical store's
gateway with the filters as parameters."""

from __future__ import annotations

import pyarrow as pa

from cftwatch.errors import InputError
from cftwatch.vocab import SEVERITIES
from cftwatch.workspace import Workspace


def alerts_to_triage(
    ws: Workspace, min_severity: str = "low", source: str | None = None
) -> pa.Table:
    """The workspace's alerts at `min_severity` or above (and from `source`, when given:
    monitoring, screening, ...), oldest first: the input of `CaseService.triage`."""
    if min_severity not in SEVERITIES:
        raise InputError.at(
            f"choose one of {', '.join(SEVERITIES)}", field="min_severity", value=min_severity
        )
    severities = SEVERITIES[SEVERITIES.index(min_severity) :]
    where = f"severity IN ({', '.join('?' for _ in severities)})"
    params: list[str] = list(severities)
    if source is not None:
        where += " AND source = ?"
        params.append(source)
    return ws.query_arrow(
        f"SELECT * FROM alerts WHERE {where} ORDER BY created_at, alert_id", params
    )
