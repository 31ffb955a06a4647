"""Ingestion: payment files in their own formats -> the canonical `transactions` table.

One module per format. Every reader describes its file as SQL (`_core.Source`) and the
shared pipeline loads it in set-based passes inside one DuckDB transaction: all files of a
call land together or none do. Labels in a source go to the `labels` table; refused
records go to `rejects` (with `on_error="skip"`) or stop the load (`"fail"`, the default).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cftwatch.errors import ConfigError, InputError, Problem
from cftwatch.ingest._core import (
    FileLoad,
    IngestResult,
    Progress,
    Source,
    file_sha256,
    load_source,
    new_load_id,
)
from cftwatch.ingest.mapping import Mapping, load_mapping
from cftwatch.workspace import Workspace

__all__ = [
    "FORMATS",
    "SAMPLE_FILES",
    "SAMPLE_MAPPING",
    "SAMPLE_PAYSIM_START",
    "FileLoad",
    "IngestResult",
    "Mapping",
    "Progress",
    "ingest_files",
    "ingest_samples",
    "load_mapping",
]

ON_ERROR = ("fail", "skip")


@dataclass(frozen=True)
class Context:
    """What a reader gets for one file."""

    path: Path
    sha: str
    fmt: str
    ws: Workspace
    mapping: Mapping | None
    start: datetime | None
    currency: str
    progress: Progress | None


Reader = Callable[[Context], Source]


def _amlworld(ctx: Context) -> Source:
    from cftwatch.ingest.amlworld import amlworld_source

    return amlworld_source(ctx.path, ctx.sha)


def _paysim(ctx: Context) -> Source:
    from cftwatch.ingest.paysim import paysim_source

    assert ctx.start is not None
    return paysim_source(ctx.path, ctx.sha, ctx.start, ctx.currency)


def _csv(ctx: Context) -> Source:
    from cftwatch.ingest.csv_mapped import mapped_csv_source

    assert ctx.mapping is not None
    return mapped_csv_source(ctx.path, ctx.sha, ctx.mapping)


def _iso(ctx: Context) -> Source:
    from cftwatch.ingest.iso20022 import iso20022_source

    return iso20022_source(ctx.ws.con, ctx.path, ctx.fmt, ctx.progress)


def _mojaloop(ctx: Context) -> Source:
    from cftwatch.ingest.mojaloop import mojaloop_source

    return mojaloop_source(ctx.ws.con, ctx.path, ctx.progress)


def _parquet(ctx: Context) -> Source:
    from cftwatch.ingest.parquet import parquet_source

    return parquet_source(ctx.ws.con, ctx.path)


FORMATS: dict[str, str] = {
    "amlworld": "IBM AMLworld CSV (Is Laundering -> labels)",
    "paysim": "PaySim CSV (step = hours after --start; isFraud -> labels)",
    "csv": "any CSV through a YAML column mapping (--mapping)",
    "iso20022": "ISO 20022 pacs.008.001.08-13 or pain.001.001.03-12 XML (by namespace)",
    "pacs008": "ISO 20022 pacs.008 XML only",
    "pain001": "ISO 20022 pain.001 XML only",
    "mojaloop": "Mojaloop FSPIOP quotes joined to transfers (JSON array or JSON lines)",
    "parquet": "Parquet already in the canonical transactions schema",
}
"""Format name -> what it reads (`cftwatch ingest FORMAT ...`)."""

_READERS: dict[str, Reader] = {
    "amlworld": _amlworld,
    "paysim": _paysim,
    "csv": _csv,
    "iso20022": _iso,
    "pacs008": _iso,
    "pain001": _iso,
    "mojaloop": _mojaloop,
    "parquet": _parquet,
}

SAMPLES_DIR = Path(__file__).with_name("samples")
SAMPLE_FILES: dict[str, list[Path]] = {
    "amlworld": [SAMPLES_DIR / "amlworld.csv"],
    "paysim": [SAMPLES_DIR / "paysim.csv"],
    "csv": [SAMPLES_DIR / "wallet_export.csv"],
    "iso20022": [SAMPLES_DIR / "pacs008.xml", SAMPLES_DIR / "pain001.xml"],
    "mojaloop": [SAMPLES_DIR / "mojaloop.jsonl"],
    "parquet": [SAMPLES_DIR / "canonical.parquet"],
}
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
            fmt,
            files,
            mapping=SAMPLE_MAPPING if fmt == "csv" else None,
            start=SAMPLE_PAYSIM_START if fmt == "paysim" else None,
            progress=progress,
        )
        for fmt, files in SAMPLE_FILES.items()
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
) -> IngestResult:
    """Load files of one format into the workspace, atomically, skipping files already loaded.

    `mapping` is required for `csv`, `start` for `paysim` (the time of step 0); `currency`
    (PaySim, default the institution's currency) is the currency of amounts that name none.
    Raises InputError (nothing loaded) for a file that cannot be read at all, or, with
    `on_error="fail"`, for any bad record.
    """
    started = time.perf_counter()
    if fmt not in _READERS:
        raise ConfigError.at(
            f"unknown format (choose one of {', '.join(FORMATS)})", field="format", value=fmt
        )
    if on_error not in ON_ERROR:
        raise ConfigError.at("choose fail or skip", field="on_error", value=on_error)
    files = [Path(p) for p in paths]
    if not files:
        raise InputError.at("no input files given")
    missing = [Problem("no such file", file=str(p)) for p in files if not p.is_file()]
    if missing:
        raise InputError(missing)
    the_mapping: Mapping | None = None
    if fmt == "csv":
        if mapping is None:
            raise ConfigError.at("the csv format needs a column mapping (--mapping FILE)")
        the_mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    start_at = parse_start(start)
    if fmt == "paysim" and start_at is None:
        raise ConfigError.at(
            "PaySim needs --start: the date/time of step 0 (steps are hours after it)",
            field="start",
        )
    money = currency or ws.config.institution.currency

    loads: list[FileLoad] = []
    with ws.atomic():
        con = ws.con  # interim: ingest still stages through DuckDB directly
        if fmt == "mojaloop":
            from cftwatch.ingest.mojaloop import store_quotes

            store_quotes(con, files)
        seen: set[str] = set()
        for path in files:
            t0 = time.perf_counter()
            sha = file_sha256(path)
            row = con.execute(
                "SELECT load_id FROM loads WHERE sha256 = ? LIMIT 1", [sha]
            ).fetchone()
            if row is not None or sha in seen:
                loads.append(FileLoad(str(path), sha, row[0] if row else None, skipped=True))
                continue
            seen.add(sha)
            load = FileLoad(str(path), sha, new_load_id())
            ctx = Context(path, sha, fmt, ws, the_mapping, start_at, money, progress)
            src = _READERS[fmt](ctx)
            problems = load_source(
                con,
                src,
                fmt=fmt,
                file_label=str(path),
                load=load,
                on_error=on_error,
            )
            for stmt in src.cleanup:
                con.execute(stmt)
            if problems and on_error == "fail":
                raise InputError(problems)
            load.seconds = time.perf_counter() - t0
            con.execute(
                "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, now())",
                [load.load_id, fmt, str(path), sha, load.rows, load.labels, load.rejects],
            )
            loads.append(load)
            if progress is not None:
                progress(str(path), load.rows, True)
        con.execute("DROP VIEW IF EXISTS _ingest_v")
    return IngestResult(fmt, loads, time.perf_counter() - started)
