"""Any CSV through a YAML column mapping (see `mapping.py` and the README).

The mapping is applied as SQL over DuckDB's CSV reader: columns are found by header name or
position, and timestamps, decimals, currencies, channels and labels are cast and checked in
set-based passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.errors import InputError, Problem
from cftwatch.ingest._core import Check, Source, derived_id, sql_str
from cftwatch.ingest._csv import raw_line_sql, read_csv_relation, read_header, too_many_fields
from cftwatch.ingest.formats import SAMPLES_DIR, Context, DocRow, IngestFormat, register
from cftwatch.ingest.mapping import TIMESTAMP_UNITS_US, Column, Mapping
from cftwatch.vocab import CHANNELS

MAX_EPOCH_US = 10**16
"""Largest offset from the epoch read (about 317 years, in microseconds); more is an error."""

TRUE_VALUES = ("1", "true", "t", "yes", "y")
FALSE_VALUES = ("0", "false", "f", "no", "n")
_TEXT_COLUMNS = {f.name for f in cs.TRANSACTIONS if f.type == pa.string() and f.name != "txn_id"}


def _positions(path: Path, m: Mapping) -> tuple[dict[str, int], dict[str, int], list[str], int]:
    """Canonical column -> position, label -> position, header names, field count."""
    header = read_header(path, m.delimiter, m.encoding)
    names = [h.strip() for h in header] if m.header else [f"column {i}" for i in range(len(header))]
    problems: list[Problem] = []

    def find(key: str, col: Column) -> int:
        if isinstance(col, int):
            if col >= len(header):
                problems.append(
                    Problem(
                        f"the file has {len(header)} columns; position {col} does not exist",
                        file=str(path),
                        record=1,
                        field=key,
                        value=col,
                    )
                )
            return col
        if col not in names:
            problems.append(
                Problem(
                    "missing column (mapped in " + m.path + ")",
                    file=str(path),
                    record=1,
                    field=col,
                    value=",".join(names),
                )
            )
            return -1
        return names.index(col)

    cols = {k: find(f"columns.{k}", v) for k, v in m.columns.items()}
    labels = {k: find(f"labels.{k}", v) for k, v in m.labels.items()}
    if problems:
        raise InputError(problems)
    return cols, labels, names, len(header)


@dataclass
class _Plan:
    """The SQL a mapped CSV becomes, built column group by column group."""

    m: Mapping
    pos: dict[str, int]
    names: list[str]
    n: int
    inner: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    def c(self, name: str) -> str:
        return f"c{self.pos[name]}"

    def field_name(self, name: str) -> str:
        return self.names[self.pos[name]]

    def check(self, name: str, condition: str, reason: str) -> None:
        self.checks.append(Check(self.field_name(name), self.c(name), condition, reason))


def mapped_csv_source(path: Path, sha: str, m: Mapping) -> Source:
    pos, label_pos, names, n = _positions(path, m)
    plan = _Plan(m, pos, names, n, checks=[too_many_fields(n)])
    plan.params["source_format"] = m.source_format
    _timestamp(plan)
    _amount(plan)
    _currency(plan)
    _channel(plan)
    own_ids = "txn_id" in pos
    if own_ids:
        # Prefixed with the source's name: two systems may both have a "TX-1".
        plan.columns["txn_id"] = f"$source_format || ':' || trim({plan.c('txn_id')})"
        plan.check("txn_id", f"{plan.c('txn_id')} IS NULL", "missing id")
    else:
        plan.columns["txn_id"], id_params = derived_id(m.source_format, sha, "_line")
        plan.params.update(id_params)
    for name in pos:
        if name in _TEXT_COLUMNS and name not in plan.columns:
            plan.columns[name] = f"NULLIF(trim({plan.c(name)}), '')"
    labels = _labels(plan, label_pos)
    extra = ", ".join(plan.inner)
    stage, stage_params = read_csv_relation(
        path, n, header=m.header, delimiter=m.delimiter, quote=m.quote, encoding=m.encoding
    )
    return Source(
        relation=f"(SELECT r.*, {extra} FROM _ingest_stage AS r)",
        stage=stage,
        record="_line",
        raw=raw_line_sql(n),
        columns={**plan.columns, "source_format": "CAST($source_format AS VARCHAR)"},
        checks=plan.checks,
        labels=labels,
        own_ids=own_ids,
        ts_field=(plan.field_name("ts"), plan.c("ts")),
        params={**plan.params, **stage_params},
    )


def _timestamp(plan: _Plan) -> None:
    """strptime formats, ISO 8601 or a number of units since an epoch; local time in the
    mapping's zone unless the format reads an offset."""
    m, ts = plan.m, plan.c("ts")
    if m.timestamp_unit:  # a number of units since the epoch (local time in the zone)
        plan.params |= {"epoch": m.epoch, "ts_unit_us": TIMESTAMP_UNITS_US[m.timestamp_unit]}
        us = f"TRY_CAST(trim({ts}) AS DOUBLE) * $ts_unit_us"
        parsed = (
            f"CASE WHEN abs({us}) < {MAX_EPOCH_US} THEN CAST($epoch AS TIMESTAMP) + "
            f"to_microseconds(CAST(round({us}) AS BIGINT)) END"
        )
    elif m.timestamp_formats:
        plan.params["ts_formats"] = list(m.timestamp_formats)
        parsed = f"try_strptime(trim({ts}), $ts_formats)"
    else:
        parsed = f"TRY_CAST(trim({ts}) AS TIMESTAMP)"
    if not m.has_offset:
        plan.params["timezone"] = m.timezone
        parsed = f"timezone($timezone, {parsed})"
    plan.inner.append(f"{parsed} AS _ts")
    plan.columns["ts"] = "_ts"
    shown = " or ".join(m.timestamp_formats) or "ISO 8601"
    if m.timestamp_unit:
        shown = f"a number of {m.timestamp_unit} since {m.epoch}"
    plan.check("ts", f"{ts} IS NULL", "missing timestamp")
    plan.check("ts", "_ts IS NULL", f"not a timestamp ({shown})")


def _amount(plan: _Plan) -> None:
    """Strip the thousands mark, then read the decimal separator."""
    m = plan.m
    amount = f"trim({plan.c('amount')})"
    if m.thousands:
        plan.params["thousands"] = m.thousands
        amount = f"replace({amount}, $thousands, '')"
    if m.decimal == ",":
        amount = f"replace({amount}, ',', '.')"
    plan.inner.append(f"TRY_CAST({amount} AS DECIMAL(24,8)) AS _amount")
    plan.columns["amount"] = "_amount"
    plan.check("amount", "_amount IS NULL", "not a decimal amount")
    plan.check("amount", "_amount < 0", "negative amount")


def _currency(plan: _Plan) -> None:
    if plan.m.currency is not None:
        plan.params["currency"] = plan.m.currency
        plan.columns["currency"] = "CAST($currency AS VARCHAR)"
        return
    plan.inner.append(f"upper(trim({plan.c('currency')})) AS _currency")
    plan.columns["currency"] = "_currency"
    plan.check(
        "currency",
        "_currency IS NULL OR NOT regexp_full_match(_currency, '[A-Z][A-Z0-9]{2,4}')",
        "not an ISO 4217 currency code",
    )


def _channel(plan: _Plan) -> None:
    m = plan.m
    if "channel" not in plan.pos:
        if m.channel is not None:
            plan.params["channel"] = m.channel
            plan.columns["channel"] = "CAST($channel AS VARCHAR)"
        return
    value = f"trim({plan.c('channel')})"
    whens = ""
    for i, (k, v) in enumerate(m.channel_map.items()):
        plan.params[f"channel_from_{i}"], plan.params[f"channel_to_{i}"] = k, v
        whens += f"WHEN {value} = $channel_from_{i} THEN CAST($channel_to_{i} AS VARCHAR) "
    known = ", ".join(sql_str(ch) for ch in CHANNELS)
    plan.inner.append(
        f"CASE {whens}WHEN lower({value}) IN ({known}) THEN lower({value}) END AS _channel"
    )
    plan.columns["channel"] = "_channel"
    plan.check(
        "channel",
        f"{plan.c('channel')} IS NOT NULL AND _channel IS NULL",
        "channel value not in channel_map and not a channel name",
    )


def _labels(plan: _Plan, label_pos: dict[str, int]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for label, p in label_pos.items():
        v = f"lower(trim(c{p}))"
        labels[label] = f"{v} IN ({', '.join(sql_str(t) for t in TRUE_VALUES)})"
        allowed = ", ".join(sql_str(t) for t in TRUE_VALUES + FALSE_VALUES)
        plan.checks.append(
            Check(
                plan.names[p],
                f"c{p}",
                f"c{p} IS NOT NULL AND {v} NOT IN ({allowed})",
                "label value is not true/false, yes/no or 1/0",
            )
        )
    return labels


def _read(ctx: Context) -> Source:
    assert ctx.mapping is not None  # ingest_files checks `needs_mapping`
    return mapped_csv_source(ctx.path, ctx.sha, ctx.mapping)


FORMAT = register(
    IngestFormat(
        name="csv",
        summary="any CSV through a YAML column mapping (--mapping)",
        reader=_read,
        doc=DocRow(
            reads="any CSV, through a YAML mapping (`--mapping`)",
            maps="as the mapping says",
            txn_id="the mapped id column (prefixed with `source_format`), else derived as above",
            labels="mapped `labels:` columns",
        ),
        needs_mapping=True,
        samples=tuple(SAMPLES_DIR / f for f in ("wallet_export.csv",)),
    )
)
