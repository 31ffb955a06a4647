"""`cftwatch demo`: the whole pipeline on built-in demo data."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from cftwatch.app.demo import STEPS, run_demo
from cftwatch.cli._app import JsonOpt, app, console, err_console, print_json, print_table, progress


@app.command("demo")
def demo_command(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Workspace folder to create or reuse (default: a new temp folder)."
        ),
    ] = None,
    accounts: Annotated[int, typer.Option(help="Synthetic accounts.")] = 5_000,
    days: Annotated[int, typer.Option(help="Days of synthetic activity.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic network.")] = 7,
    json_: JsonOpt = False,
) -> None:
    """Ingest samples and a synthetic network, load lists, screen, monitor, open a case
    from the strongest alert and write its goAML report; print what was found."""
    folder = out or Path(tempfile.mkdtemp(prefix="cftwatch-demo-"))
    if not json_:
        err_console.print(f"workspace: {folder}")
    with progress(transient=True) as bar:
        task = bar.add_task("demo", total=len(STEPS))

        def on_step(name: str) -> None:
            done = STEPS.index(name) if name in STEPS else len(STEPS)
            bar.update(task, description=name, completed=done)

        result = run_demo(folder, accounts=accounts, days=days, seed=seed, on_step=on_step)
    if json_:
        print_json(result.to_dict())
        return
    print_table(
        "workspace tables",
        ["table", "rows"],
        [[t, f"{n:,}"] for t, n in result.tables.items()],
    )
    print_table(
        "lists loaded",
        ["list", "entities", "version"],
        [[v["list"], v["entities"], v["version"]] for v in result.lists],
    )
    print_table(
        "strongest screening hits",
        ["score", "subject", "list entry", "why"],
        [
            [
                f"{m['score']:.2f}",
                m["subject_name"] or m["subject_id"],
                m["entity_id"],
                m["explanation"],
            ]
            for m in result.top_screening
        ],
    )
    mon = result.monitoring
    print_table(
        f"monitoring: {mon['alerts_new']} new alerts over {mon['transactions']:,} transactions "
        f"in {mon['seconds']:.1f} s",
        ["rule", "alerts", "seconds"],
        [[r["rule_id"], r["alerts"], f"{r['seconds']:.2f}"] for r in mon["rules"]],
    )
    print_table(
        "strongest monitoring alerts",
        ["severity", "rule", "subject", "what happened"],
        [
            [a["severity"], a["rule_id"], a["subject_name"] or a["subject_id"], a["explanation"]]
            for a in result.top_alerts
        ],
    )
    case, report = result.case, result.report
    console.print(
        f"case {case['case_id']} ({case['subject_type']} {case['subject_id']}, "
        f"{case['alert_count']} alerts) is {case['status']}; goAML {report['report_type']} "
        f"report ({report['transactions']} transactions) validated against "
        f"{Path(report['xsd']).name} and written to {report['path']}",
        highlight=False,
    )
    _print_exposure(result.exposure)
    console.print(f"all alerts as JSON lines: {result.alerts_export}", highlight=False)
    console.print(f"workspace: {result.workspace}", highlight=False)


def _print_exposure(exp: dict[str, Any]) -> None:
    print_table(
        f"network exposure: {exp['accounts']:,} accounts within 3 hops of {exp['seeds']} seeds",
        ["account", "exposure", "hops", "nearest seed", "why a seed"],
        [
            [e["account"], f"{e['exposure']:.0%}", e["hops"], e["seed"], e["seed_reason"]]
            for e in exp["top"]
        ],
    )
