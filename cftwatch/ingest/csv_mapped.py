"""Any CSV through a YAML column mapping (see `mapping.py` and the README).

The mapping is applied as SQL over DuckDB's CSV reader: columns are found by header name or
position, and timestamps, decimals, currencies, channels and labels are cast and checked in
set-based passes.
"""

from __future__ import annotations

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


def mapped_csv_source(path: Path, sha: str, m: Mapping) -> Source:
    pos, label_pos, names, n = _positions(path, m)

    def c(name: str) -> str:
        return f"c{pos[name]}"

    def field_name(name: str) -> str:
        return names[pos[name]]

    inner: list[str] = []
    checks: list[Check] = [too_many_fields(n)]
    columns: dict[str, str] = {}
    params: dict[str, Any] = {"source_format": m.source_format}

    # Timestamps: strptime formats (or ISO 8601), local time in the mapping's zone.
    if m.timestamp_unit:  # a number of units since the epoch (local time in the zone)
        params |= {"epoch": m.epoch, "ts_unit_us": TIMESTAMP_UNITS_US[m.timestamp_unit]}
        us = f"TRY_CAST(trim({c('ts')}) AS DOUBLE) * $ts_unit_us"
        parsed = (
            f"CASE WHEN abs({us}) < {MAX_EPOCH_US} THEN CAST($epoch AS TIMESTAMP) + "
            f"to_microseconds(CAST(round({us}) AS BIGINT)) END"
        )
    elif m.timestamp_formats:
        params["ts_formats"] = list(m.timestamp_formats)
        parsed = f"try_strptime(trim({c('ts')}), $ts_formats)"
    else:
        parsed = f"TRY_CAST(trim({c('ts')}) AS TIMESTAMP)"
    if not m.has_offset:
        params["timezone"] = m.timezone
        parsed = f"timezone($timezone, {parsed})"
    inner.append(f"{parsed} AS _ts")
    columns["ts"] = "_ts"
    shown = " or ".join(m.timestamp_formats) or "ISO 8601"
    if m.timestamp_unit:
        shown = f"a number of {m.timestamp_unit} since {m.epoch}"
    checks.append(Check(field_name("ts"), c("ts"), f"{c('ts')} IS NULL", "missing timestamp"))
    checks.append(Check(field_name("ts"), c("ts"), "_ts IS NULL", f"not a timestamp ({shown})"))

    # Amounts: strip the thousands mark, then read the decimal separator.
    amount = f"trim({c('amount')})"
    if m.thousands:
        params["thousands"] = m.thousands
        amount = f"replace({amount}, $thousands, '')"
    if m.decimal == ",":
        amount = f"replace({amount}, ',', '.')"
    inner.append(f"TRY_CAST({amount} AS DECIMAL(24,8)) AS _amount")
    columns["amount"] = "_amount"
    checks.append(
        Check(field_name("amount"), c("amount"), "_amount IS NULL", "not a decimal amount")
    )
    checks.append(Check(field_name("amount"), c("amount"), "_amount < 0", "negative amount"))

    if m.currency is not None:
        params["currency"] = m.currency
        columns["currency"] = "CAST($currency AS VARCHAR)"
    else:
        inner.append(f"upper(trim({c('currency')})) AS _currency")
        columns["currency"] = "_currency"
        checks.append(
            Check(
                field_name("currency"),
                c("currency"),
                "_currency IS NULL OR NOT regexp_full_match(_currency, '[A-Z][A-Z0-9]{2,4}')",
                "not an ISO 4217 currency code",
            )
        )

    if "channel" in pos:
        value = f"trim({c('channel')})"
        whens = ""
        for i, (k, v) in enumerate(m.channel_map.items()):
            params[f"channel_from_{i}"], params[f"channel_to_{i}"] = k, v
            whens += f"WHEN {value} = $channel_from_{i} THEN CAST($channel_to_{i} AS VARCHAR) "
        known = ", ".join(sql_str(ch) for ch in CHANNELS)
        inner.append(
            f"CASE {whens}WHEN lower({value}) IN ({known}) THEN lower({value}) END AS _channel"
        )
        columns["channel"] = "_channel"
        checks.append(
            Check(
                field_name("channel"),
                c("channel"),
                f"{c('channel')} IS NOT NULL AND _channel IS NULL",
                "channel value not in channel_map and not a channel name",
            )
        )
    elif m.channel is not None:
        params["channel"] = m.channel
        columns["channel"] = "CAST($channel AS VARCHAR)"

    own_ids = "txn_id" in pos
    if own_ids:
        # Prefixed with the source's name: two systems may both have a "TX-1".
        columns["txn_id"] = f"$source_format || ':' || trim({c('txn_id')})"
        checks.append(
            Check(field_name("txn_id"), c("txn_id"), f"{c('txn_id')} IS NULL", "missing id")
        )
    else:
        columns["txn_id"], id_params = derived_id(m.source_format, sha, "_line")
        params.update(id_params)

    for name in pos:
        if name in _TEXT_COLUMNS and name not in columns:
            columns[name] = f"NULLIF(trim({c(name)}), '')"

    labels: dict[str, str] = {}
    for label, p in label_pos.items():
        v = f"lower(trim(c{p}))"
        labels[label] = f"{v} IN ({', '.join(sql_str(t) for t in TRUE_VALUES)})"
        allowed = ", ".join(sql_str(t) for t in TRUE_VALUES + FALSE_VALUES)
        checks.append(
            Check(
                names[p],
                f"c{p}",
                f"c{p} IS NOT NULL AND {v} NOT IN ({allowed})",
                "label value is not true/false, yes/no or 1/0",
            )
        )

    extra = ", ".join(inner)
    stage, stage_params = read_csv_relation(
        path, n, header=m.header, delimiter=m.delimiter, quote=m.quote, encoding=m.encoding
    )
    return Source(
        relation=f"(SELECT r.*, {extra} FROM _ingest_stage AS r)",
        stage=stage,
        record="_line",
        raw=raw_line_sql(n),
        columns={**columns, "source_format": "CAST($source_format AS VARCHAR)"},
        checks=checks,
        labels=labels,
        own_ids=own_ids,
        ts_field=(field_name("ts"), c("ts")),
        params={**params, **stage_params},
    )


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
