"""`cftwatch ingest` (owned by the ingest stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cftwatch.cli._app import (
    DEFAULT_DIR,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    open_workspace,
    print_json,
    print_table,
    progress,
)
from cftwatch.errors import ConfigError
from cftwatch.ingest._core import IngestResult
from cftwatch.ingest.customer_mapping import CUSTOMER_TABLES
from cftwatch.ingest.formats import formats_help


@app.command()
def ingest(
    fmt: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT",
            help=formats_help()
            + " Customer data: "
            + ", ".join(CUSTOMER_TABLES)
            + " (KYC files, with --mapping).",
        ),
    ],
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Files to load.")],
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML column mapping (csv, parties, accounts).")
    ] = None,
    on_error: Annotated[
        str,
        typer.Option(
            "--on-error",
            help="fail: load nothing if any record is bad; skip: load the good ones and "
            "write each bad one to the rejects table.",
        ),
    ] = "fail",
    start: Annotated[
        str | None,
        typer.Option("--start", help="PaySim: ISO date/time of step 0 (steps are hours)."),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            "--currency", help="PaySim: currency of the amounts (default: institution's)."
        ),
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Load payment or customer files into the workspace: all files land together or none do."""
    from cftwatch.ingest import ingest_files

    if fmt in CUSTOMER_TABLES:
        _ingest_customers(fmt, paths, mapping, on_error, workspace, json_)
        return
    with open_workspace(workspace) as ws, progress() as bar:
        task = bar.add_task(f"ingest {fmt}", total=len(paths))

        def done(file: str, records: int, finished: bool) -> None:
            bar.update(task, description=f"{Path(file).name}: {records:,} records")
            if finished:
                bar.advance(task)

        result = ingest_files(
            ws,
            fmt,
            paths,
            mapping=mapping,
            on_error=on_error,
            start=start,
            currency=currency,
            progress=done,
        )
    if json_:
        print_json(result.to_dict())
        return
    _print_result(fmt, result)


def _print_result(fmt: str, result: IngestResult) -> None:
    rows = [
        [
            f.file,
            "already loaded" if f.skipped else f"{f.rows:,}",
            f"{f.rejects:,}",
            f"{f.duplicates:,}",
            f"{f.labels:,}",
            f"{f.seconds:.2f}",
        ]
        for f in result.files
    ]
    print_table(
        f"ingest {fmt}", ["file", "rows", "rejects", "duplicates", "labels", "seconds"], rows
    )
    console.print(
        f"{result.rows:,} rows loaded, {result.rejects:,} rejected, "
        f"{len(result.skipped_files)} file(s) already loaded, in {result.seconds:.2f} s."
    )


def _ingest_customers(
    table: str, paths: list[Path], mapping: Path | None, on_error: str, workspace: Path, json_: bool
) -> None:
    from cftwatch.ingest.customers import ingest_customers

    if mapping is None:
        raise ConfigError.at(f"ingest {table} needs a column mapping (--mapping FILE)")
    with open_workspace(workspace) as ws:
        result = ingest_customers(ws, table, paths, mapping=mapping, on_error=on_error)
    if json_:
        print_json(result.to_dict())
        return
    rows = [
        [
            f.file,
            "already loaded" if f.skipped else f"{f.inserted:,}",
            f"{f.superseded:,}",
            f"{f.unchanged:,}",
            f"{f.rejects:,}",
            f"{f.seconds:.2f}",
        ]
        for f in result.files
    ]
    headers = ["file", "new", "superseded", "unchanged", "rejects", "seconds"]
    print_table(f"ingest {table}", headers, rows)
    console.print(
        f"{result.total('inserted'):,} new, {result.total('superseded'):,} superseded, "
        f"{result.total('unchanged'):,} unchanged, {result.total('rejects'):,} rejected."
    )
