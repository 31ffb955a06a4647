"""Reading the alerts table for people and other systems: `cftwatch alerts list|show|export`.

Read-only: every function takes an open workspace and only runs parameterised SELECTs
through its gateway; the filters (rule, since, severity) are values, never SQL text."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cftwatch import jsontext
from cftwatch.errors import InputError, NotFoundError
from cftwatch.vocab import SEVERITIES, severity_rank, severity_rank_sql
from cftwatch.workspace import Workspace

__all__ = [
    "EXPORT_FORMATS",
    "LIST_COLUMNS",
    "AlertFilter",
    "count_alerts",
    "export_alerts",
    "get_alert",
    "list_alerts",
]

EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet")
LIST_COLUMNS: tuple[str, ...] = (
    "alert_id",
    "rule_id",
    "severity",
    "score",
    "subject_id",
    "amount",
    "currency",
    "window_end",
    "created_at",
)
_ORDER = f"{severity_rank_sql()} DESC, score DESC, created_at DESC, alert_id"


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts: by rule (any of), created or ending on/after `since`, at least `severity`."""

    rules: tuple[str, ...] = ()
    since: str | None = None
    severity: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        """A WHERE clause of placeholders and its values."""
        parts: list[str] = ["TRUE"]
        values: list[Any] = []
        if self.rules:
            parts.append("rule_id IN (" + ", ".join("?" for _ in self.rules) + ")")
            values.extend(self.rules)
        if self.since is not None:
            parts.append("COALESCE(window_end, created_at) >= ?")
            values.append(_since(self.since))
        if self.severity is not None:
            if self.severity not in SEVERITIES:
                raise InputError.at(
                    f"unknown severity {self.severity!r}; one of {', '.join(SEVERITIES)}",
                    field="severity",
                    value=self.severity,
                )
            parts.append(f"{severity_rank_sql()} >= ?")
            values.append(severity_rank(self.severity))
        return " AND ".join(parts), values


def _since(text: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text.strip()), datetime.min.time())
    except ValueError:
        raise InputError.at(
            f"--since {text!r} is not a date (YYYY-MM-DD)", field="since", value=text
        ) from None


def list_alerts(ws: Workspace, filt: AlertFilter, limit: int = 50) -> list[dict[str, Any]]:
    """The strongest matching alerts first (severity, score, newest), at most `limit`."""
    if limit < 1:
        raise InputError.at("--limit must be at least 1", field="limit", value=limit)
    where, values = filt.where()
    cols = ", ".join(LIST_COLUMNS)
    return ws.query_dicts(
        f"SELECT {cols} FROM alerts WHERE {where} ORDER BY {_ORDER} LIMIT ?", [*values, limit]
    )


def count_alerts(ws: Workspace, filt: AlertFilter) -> int:
    """How many alerts match."""
    where, values = filt.where()
    return int(ws.scalar(f"SELECT count(*) FROM alerts WHERE {where}", values) or 0)


def get_alert(ws: Workspace, alert_id: str) -> dict[str, Any]:
    """One alert, every column, its JSON columns (`params`, `details`) parsed."""
    rows = ws.query_dicts("SELECT * FROM alerts WHERE alert_id = ?", [alert_id])
    if not rows:
        raise NotFoundError(f"no alert {alert_id!r} (see `cftwatch alerts list`)")
    row = rows[0]
    for key in ("params", "details"):
        if isinstance(row.get(key), str):
            with contextlib.suppress(ValueError):  # else shown as stored
                row[key] = json.loads(row[key])
    return row


def export_alerts(ws: Workspace, filt: AlertFilter, target: Path, fmt: str) -> int:
    """Write the matching alerts (every column, in list order) to `target`; returns the count.

    jsonl: one JSON object per line; csv: `txn_ids` joined with `;`; parquet: the canonical
    Arrow types. Written to a temporary file beside the target first, then renamed."""
    if fmt not in EXPORT_FORMATS:
        raise InputError.at(
            f"unknown format {fmt!r}; one of {', '.join(EXPORT_FORMATS)}", field="format", value=fmt
        )
    where, values = filt.where()
    table = ws.query_arrow(f"SELECT * FROM alerts WHERE {where} ORDER BY {_ORDER}", values)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial")
    if fmt == "parquet":
        pq.write_table(table, tmp)
    else:
        tmp.write_text(_jsonl(table) if fmt == "jsonl" else _csv(table), encoding="utf-8")
    tmp.replace(target)
    return table.num_rows


def _jsonl(table: pa.Table) -> str:
    return "".join(jsontext.dumps(row) + "\n" for row in table.to_pylist())


def _csv(table: pa.Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in table.to_pylist():
        writer.writerow([_cell(v) for v in row.values()])
    return buf.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
