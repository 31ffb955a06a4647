"""Parquet files already in the canonical `transactions` schema (e.g. another workspace's
export). Columns are matched by name, cast to the canonical types and checked; the load id
is this load's, and `source_format`/`source_ref` are kept where the file has them."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cftwatch import schema as cs
from cftwatch.errors import InputError
from cftwatch.ingest._core import Check, Source, duck_type, literal_path, sql_str
from cftwatch.ingest.formats import SAMPLES_DIR, Context, DocRow, IngestFormat, register
from cftwatch.vocab import CHANNELS


def parquet_source(path: Path) -> Source:
    try:
        found = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError.at(f"not a Parquet file: {exc}", file=str(path)) from exc
    names = set(found.names)
    missing = [
        f.name
        for f in cs.TRANSACTIONS
        if not f.nullable
        and f.name not in names
        and f.name not in ("source_format", "source_ref", "load_id")
    ]
    if missing:
        raise InputError.at(
            f"not in the canonical transactions schema: missing column(s) {', '.join(missing)}",
            file=str(path),
            field="schema",
            value=", ".join(found.names),
        )
    columns: dict[str, str] = {}
    checks: list[Check] = []
    for f in cs.TRANSACTIONS:
        if f.name not in names or f.name == "load_id":
            continue
        typed = f'TRY_CAST("{f.name}" AS {duck_type(f.name)})'
        columns[f.name] = typed
        checks.append(
            Check(
                f.name,
                f'"{f.name}"',
                f'"{f.name}" IS NOT NULL AND {typed} IS NULL',
                f"cannot be read as {duck_type(f.name)}",
            )
        )
    ref = "$ref_prefix || 'row ' || CAST(file_row_number + 1 AS VARCHAR)"
    columns["source_format"] = (
        "coalesce(source_format, 'parquet')" if "source_format" in names else "'parquet'"
    )
    columns["source_ref"] = f"coalesce(source_ref, {ref})" if "source_ref" in names else ref
    checks += [
        Check("txn_id", "txn_id", "txn_id IS NULL", "missing txn_id"),
        Check("ts", "ts", "ts IS NULL", "missing ts"),
        Check("amount", "amount", "amount IS NULL", "missing amount"),
        Check("amount", "amount", f"{columns['amount']} < 0", "negative amount"),
        Check(
            "currency",
            "currency",
            "currency IS NULL OR NOT regexp_full_match(currency, '[A-Z][A-Z0-9]{2,4}')",
            "not an ISO 4217 currency code",
        ),
    ]
    if "channel" in names:
        known = ", ".join(sql_str(c) for c in CHANNELS)
        checks.append(
            Check("channel", "channel", f"channel NOT IN ({known})", "not a canonical channel")
        )
    return Source(
        relation="read_parquet($parquet_path, file_row_number=true)",
        record="file_row_number + 1",
        raw="CAST(txn_id AS VARCHAR)",
        columns=columns,
        checks=checks,
        own_ids=True,
        params={"parquet_path": literal_path(path)},
    )


def _read(ctx: Context) -> Source:
    return parquet_source(ctx.path)


FORMAT = register(
    IngestFormat(
        name="parquet",
        summary="Parquet already in the canonical transactions schema",
        reader=_read,
        doc=DocRow(
            reads="Parquet already in the canonical schema",
            maps="columns by name, cast and checked",
            txn_id="the file's `txn_id`",
            labels="—",
        ),
        samples=tuple(SAMPLES_DIR / f for f in ("canonical.parquet",)),
    )
)
