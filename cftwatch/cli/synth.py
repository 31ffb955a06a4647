"""`cftwatch synth`: generate a labelled synthetic payment network and write it out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from cftwatch.cli._app import JsonOpt, app, console, print_json, print_table, progress


@app.command("synth")
def synth_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    accounts: Annotated[int, typer.Option(help="Accounts to create.")] = 100_000,
    days: Annotated[int, typer.Option(help="Length of the period in days.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes).")] = 7,
    format: Annotated[
        str, typer.Option("--format", "-f", help="parquet, amlworld (CSV) or pacs008 (XML).")
    ] = "parquet",
    start: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD (default 2026-01-01).")
    ] = None,
    transactions: Annotated[
        int | None,
        typer.Option(help="Background transactions (default accounts x days x 0.17)."),
    ] = None,
    currency: Annotated[str, typer.Option(help="ISO 4217 currency.")] = "PKR",
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Reporting threshold (default per currency)."),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Generate synthetic payments with labelled TF typologies (labels and patterns too)."""
    from cftwatch.errors import ConfigError
    from cftwatch.synth import FORMATS, SynthConfig, generate_synth, write_synth

    if format not in FORMATS:
        raise ConfigError.at(
            f"unknown format (choose {', '.join(FORMATS)})", field="format", value=format
        )

    values: dict[str, object] = {
        "accounts": accounts,
        "days": days,
        "seed": seed,
        "currency": currency.upper(),
    }
    if start is not None:
        try:
            values["start"] = dt.date.fromisoformat(start)
        except ValueError as exc:
            raise ConfigError.at("not a date like 2026-01-01", field="start", value=start) from exc
    if transactions is not None:
        values["transactions"] = transactions
    if threshold is not None:
        values["reporting_threshold"] = threshold
    config = SynthConfig.build(**values)
    with progress() as bar:
        task = bar.add_task("generating", total=config.background_transactions())

        def report(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        data = generate_synth(config, progress=report)
        bar.update(task, description=f"writing {format}")
        files = write_synth(data, out, format)
    summary = data.summary()
    summary["files"] = [str(f) for f in files]
    if json_:
        print_json(summary)
        return
    print_table(
        f"synthetic data (seed {seed}) -> {out}",
        ["what", "count"],
        [
            ["transactions", f"{summary['transactions']:,}"],
            ["accounts", f"{summary['accounts']:,}"],
            ["parties", f"{summary['parties']:,}"],
            ["labels", f"{summary['labels']:,}"],
        ],
    )
    print_table(
        "injected instances",
        ["typology", "instances"],
        [[t, n] for t, n in summary["instances"].items()],
    )
    console.print(f"wrote {len(files)} file(s) to {out}")
