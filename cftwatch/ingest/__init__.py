"""Ingestion: payment files in their own formats -> the canonical `transactions` table.

One module per format. Every reader describes its file as SQL (`_core.Source`) and the
shared pipeline loads it in set-based passes inside one DuckDB transaction: all files of a
call land together or none do. Labels in a source go to the `labels` table; refused
records go to `rejects` (with `on_error="skip"`) or stop the load (`"fail"`, the default).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from cftwatch.errors import ConfigError, InputError

# Each format module registers its `IngestFormat` when imported; registration order is the
# order of the docs, the CLI help and `ingest_samples`, so it is kept by hand.
# isort: off
from cftwatch.ingest import amlworld, paysim, csv_mapped, iso20022, mojaloop, parquet  # noqa: F401

# isort: on
from cftwatch.ingest._core import (
    TS_RANGE,
    FileLoad,
    IngestResult,
    Progress,
    existing_files,
    file_sha256,
    load_source,
    new_load_id,
)
from cftwatch.ingest.formats import (
    SAMPLES_DIR,
    Context,
    IngestFormat,
    format_summaries,
    get_format,
    ingest_formats,
    sample_files,
)
from cftwatch.ingest.mapping import Mapping, load_mapping
from cftwatch.workspace import Workspace

__all__ = [
    "FORMATS",
    "SAMPLE_FILES",
    "SAMPLE_MAPPING",
    "SAMPLE_PAYSIM_START",
    "FileLoad",
    "IngestFormat",
    "IngestResult",
    "Mapping",
    "Progress",
    "ingest_files",
    "ingest_formats",
    "ingest_samples",
    "load_mapping",
]

ON_ERROR = ("fail", "skip")

FORMATS: dict[str, str] = format_summaries()
"""Format name -> what it reads (`cftwatch ingest FORMAT ...`), from the registry."""

SAMPLE_FILES: dict[str, list[Path]] = sample_files()
"""One small demo file per format, shipped in the package (Pakistani wallet data)."""
SAMPLE_MAPPING = SAMPLES_DIR / "wallet_export.mapping.yaml"
"""The mapping for `SAMPLE_FILES["csv"]`."""
SAMPLE_PAYSIM_START = "2026-03-01T00:00:00+05:00"
"""The `start` for `SAMPLE_FILES["paysim"]`."""


def ingest_samples(ws: Workspace, *, progress: Progress | None = None) -> list[IngestResult]:
    """Load the bundled demo file of every format (for `cftwatch demo`); idempotent."""
    return [
        ingest_files(
            ws,
            fmt.name,
            fmt.samples,
            mapping=SAMPLE_MAPPING if fmt.needs_mapping else None,
            start=SAMPLE_PAYSIM_START if fmt.needs_start else None,
            progress=progress,
        )
        for fmt in ingest_formats()
        if fmt.samples
    ]


def parse_start(start: str | datetime | None) -> datetime | None:
    """`--start` as an aware datetime (a naive one is read as UTC)."""
    if start is None:
        return None
    if isinstance(start, datetime):
        value = start
    else:
        try:
            value = datetime.fromisoformat(start)
        except ValueError as exc:
            raise ConfigError.at(
                "not an ISO 8601 date/time (e.g. 2026-03-01T00:00:00+05:00)",
                field="start",
                value=start,
            ) from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def ingest_files(
    ws: Workspace,
    fmt: str,
    paths: Sequence[str | Path],
    *,
    mapping: str | Path | Mapping | None = None,
    on_error: str = "fail",
    start: str | datetime | None = None,
    currency: str | None = None,
    progress: Progress | None = None,
    ts_range: tuple[str, str] = TS_RANGE,
) -> IngestResult:
    """Load files of one format into the workspace, atomically, skipping files already loaded.

    `mapping` is required for `csv`, `start` for `paysim` (the time of step 0); `currency`
    (PaySim, default the institution's currency) is the currency of amounts that name none;
    `ts_range` bounds every timestamp (default `TS_RANGE`, 1970 to 2100).
    Raises InputError (nothing loaded) for a file that cannot be read at all, or, with
    `on_error="fail"`, for any bad record.
    """
    started = time.perf_counter()
    the_format = get_format(fmt)
    if on_error not in ON_ERROR:
        raise ConfigError.at("choose fail or skip", field="on_error", value=on_error)
    files = existing_files(paths)
    the_mapping = _mapping_for(the_format, mapping)
    start_at = parse_start(start)
    if the_format.needs_start and start_at is None:
        raise ConfigError.at(
            "PaySim needs --start: the date/time of step 0 (steps are hours after it)",
            field="start",
        )
    money = currency or ws.config.institution.currency

    loads: list[FileLoad] = []
    with ws.atomic():
        if the_format.prepare is not None:
            the_format.prepare(ws, files)
        seen: set[str] = set()
        for path in files:
            sha = file_sha256(path)
            row = ws.query_one("SELECT load_id FROM loads WHERE sha256 = ? LIMIT 1", [sha])
            if row is not None or sha in seen:
                loads.append(FileLoad(str(path), sha, row[0] if row else None, skipped=True))
                continue
            seen.add(sha)
            ctx = Context(path, sha, fmt, ws, the_mapping, start_at, money, progress)
            loads.append(_load_one(ctx, the_format, on_error, ts_range))
    return IngestResult(fmt, loads, time.perf_counter() - started)


def _mapping_for(the_format: IngestFormat, mapping: str | Path | Mapping | None) -> Mapping | None:
    if not the_format.needs_mapping:
        return None
    if mapping is None:
        raise ConfigError.at("the csv format needs a column mapping (--mapping FILE)")
    return mapping if isinstance(mapping, Mapping) else load_mapping(mapping)


def _load_one(
    ctx: Context, the_format: IngestFormat, on_error: str, ts_range: tuple[str, str]
) -> FileLoad:
    """One new file into the open transaction, recorded in `loads`."""
    t0 = time.perf_counter()
    ws, path = ctx.ws, ctx.path
    load = FileLoad(str(path), ctx.sha, new_load_id())
    src = the_format.reader(ctx)
    problems = load_source(
        ws,
        src,
        fmt=ctx.fmt,
        file_label=str(path),
        load=load,
        on_error=on_error,
        ts_range=ts_range,
    )
    for stmt in src.cleanup:
        ws.execute(stmt)
    if problems and on_error == "fail":
        raise InputError(problems)
    load.seconds = time.perf_counter() - t0
    ws.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, now())",
        [load.load_id, ctx.fmt, str(path), ctx.sha, load.rows, load.labels, load.rejects],
    )
    if ctx.progress is not None:
        ctx.progress(str(path), load.rows, True)
    return load
