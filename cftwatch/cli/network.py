"""`cftwatch network ...`: payment-network analytics (exposure to risk seeds)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cftwatch.cli._app import (
    DEFAULT_DIR,
    EngineOpt,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    open_workspace,
    print_json,
    print_table,
    safe_text,
)
from cftwatch.network.exposure_run import ExposureParams, parse_window, run_exposure

network_app = typer.Typer(help="Payment-network analytics: exposure to listed parties.")
app.add_typer(network_app, name="network")


@network_app.command("exposure")
def exposure_cmd(
    hops: Annotated[int, typer.Option("--hops", help="Largest hop distance from a seed.")] = 3,
    window: Annotated[
        str, typer.Option("--window", help="Window before the latest payment (30d, 12h).")
    ] = "30d",
    seeds: Annotated[
        Path | None,
        typer.Option(
            "--seeds", help="Accounts the institution lists (CSV with `account`, or one a line)."
        ),
    ] = None,
    rule: Annotated[str, typer.Option("--rule", help="Allocation rule: fifo or haircut.")] = "fifo",
    discount: Annotated[
        float, typer.Option("--discount", help="Factor per hop after the first.")
    ] = 1.0,
    threshold: Annotated[
        float, typer.Option("--threshold", help="Screening alert score that makes a party a seed.")
    ] = 0.85,
    alert_at: Annotated[
        float, typer.Option("--alert-at", help="Exposure that raises an alert.")
    ] = 0.5,
    top: Annotated[int, typer.Option("--top", help="Rows to print.")] = 20,
    engine: EngineOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Exposure of every account within --hops of a risk seed; stores `exposure` and alerts."""
    p = ExposureParams(hops, parse_window(window), rule, discount, threshold, alert_at)
    with open_workspace(workspace, engine) as ws:
        res = run_exposure(ws, p, seeds, engine)
    rows = res["rows"]
    if json_:
        keep = (
            "account",
            "hops",
            "seed",
            "seed_reason",
            "path",
            "path_txn_ids",
            "inflow",
            "exposed_inflow",
            "exposure",
        )
        print_json({**res, "rows": [{k: r[k] for k in keep} for r in rows]})
        return
    console.print(
        safe_text(
            f"{res['seeds']} seed accounts; {len(rows)} accounts within {hops} hops; "
            f"{res['alerts']} new alerts (run {res['run_id']})."
        )
    )
    print_table(
        "most exposed accounts",
        ["account", "exposure", "exposed", "inflow", "hops", "seed", "path"],
        [
            [
                r["account"],
                f"{r['exposure']:.1%}",
                f"{r['exposed_inflow']:,.2f}",
                f"{r['inflow']:,.2f}",
                r["hops"],
                r["seed"],
                " -> ".join(r["path"]),
            ]
            for r in rows[:top]
        ],
    )


@network_app.command("features")
def features_cmd(
    out: Annotated[Path, typer.Option("-o", "--out", help="Parquet file for the payments.")],
    windows: Annotated[
        str, typer.Option("--windows", help="Windows, comma-separated (1d,7d,30d; 12h).")
    ] = "1d,7d,30d",
    seeds: Annotated[
        Path | None, typer.Option("--seeds", help="Accounts the institution lists (as exposure).")
    ] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", help="Screening alert score that makes a party a seed.")
    ] = 0.85,
    hops: Annotated[int, typer.Option("--hops", help="Hops traced from the seeds.")] = 3,
    engine: EngineOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Graph features of every payment (-o) and account (<out>.accounts.parquet), each
    from earlier payments only; columns in docs/network.md."""
    from cftwatch.network.features import run_features

    with open_workspace(workspace, engine) as ws:
        res = run_features(ws, out, windows, seeds, threshold, hops, engine)
    if json_:
        print_json(res)
        return
    console.print(
        safe_text(
            f"{res['transactions']} payments ({res['columns']} columns) -> {res['out']}; "
            f"{res['accounts']} accounts -> {res['accounts_out']}; {res['seeds']} seed accounts."
        )
    )
