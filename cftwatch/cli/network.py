"""`cftwatch network ...`: payment-network analytics (exposure to risk seeds)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cftwatch.app.network import (
    attach_neighbourhood,
    network_components,
    network_exposure,
    network_motifs,
    network_show,
)
from cftwatch.cli._app import (
    DEFAULT_DIR,
    EngineOpt,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    open_workspace,
    os_user,
    print_json,
    print_table,
    requested_user,
    safe_text,
)
from cftwatch.network.exposure_run import ExposureParams, parse_window
from cftwatch.network.features import run_features
from cftwatch.network.show import MOTIF_KINDS

network_app = typer.Typer(
    help="Payment-network analytics: exposure, components, motifs, neighbourhoods."
)
WindowOpt = Annotated[
    str, typer.Option("--window", help="Window before the latest payment (30d, 12h).")
]
SeedsOpt = Annotated[
    Path | None,
    typer.Option(
        "--seeds", help="Accounts the institution lists (CSV with `account`, or one a line)."
    ),
]
app.add_typer(network_app, name="network")


@network_app.command("exposure")
def exposure_cmd(
    hops: Annotated[int, typer.Option("--hops", help="Largest hop distance from a seed.")] = 3,
    window: WindowOpt = "30d",
    seeds: SeedsOpt = None,
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
    full: Annotated[
        bool, typer.Option("--full", help="Recompute every account, not only a seed change's.")
    ] = False,
    engine: EngineOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Exposure of every account within --hops of a risk seed; stores `exposure` and alerts."""
    p = ExposureParams(hops, parse_window(window), rule, discount, threshold, alert_at)
    with open_workspace(workspace, engine) as ws:
        res = network_exposure(ws, p, seeds, engine, full=full)
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
            f"{res['mode']} run {res['run_id']} recomputed {res['recomputed']}; "
            f"{res['alerts']} new alerts."
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


@network_app.command("components")
def components_cmd(
    window: WindowOpt = "30d",
    min_exposure: Annotated[
        float, typer.Option("--min-exposure", help="Current exposure that makes an account risky.")
    ] = 0.5,
    threshold: Annotated[
        float, typer.Option("--threshold", help="Screening alert score that makes a party a seed.")
    ] = 0.85,
    seeds: SeedsOpt = None,
    top: Annotated[int, typer.Option("--top", help="Components to print.")] = 20,
    engine: EngineOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Connected components of the risky payments, ranked by seeds, alerts, exposure, flow."""
    with open_workspace(workspace, engine, read_only=True) as ws:
        rows = network_components(ws, parse_window(window), min_exposure, threshold, seeds, engine)
    if json_:
        print_json({"components": rows})
        return
    console.print(safe_text(f"{len(rows)} components of risky payments in the last {window}."))
    print_table(
        "ranked components",
        ["rank", "size", "seeds", "alerts", "max exposure", "flow", "countries", "accounts"],
        [
            [
                r["rank"],
                r["size"],
                ", ".join(r["seeds"]) or "-",
                r["alerts"],
                "-" if r["max_exposure"] is None else f"{r['max_exposure']:.0%}",
                f"{r['flow']:,.2f}",
                ", ".join(r["countries"]) or "-",
                _some(r["accounts"]),
            ]
            for r in rows[:top]
        ],
    )


def _some(items: list[str], n: int = 8) -> str:
    return ", ".join(items[:n]) + (f" (+{len(items) - n})" if len(items) > n else "")


@network_app.command("motifs")
def motifs_cmd(
    kind: Annotated[
        str, typer.Option("--kind", help=f"One of {', '.join(MOTIF_KINDS)}.")
    ] = "cycles",
    window: WindowOpt = "30d",
    span: Annotated[
        str, typer.Option("--span", help="Longest time a motif's payments may span (7d).")
    ] = "7d",
    top: Annotated[int, typer.Option("--top", help="Instances to print.")] = 20,
    engine: EngineOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Motif instances in the window, each with its accounts and payments."""
    with open_workspace(workspace, engine, read_only=True) as ws:
        rows = network_motifs(ws, kind, parse_window(window), parse_window(span), engine)
    if json_:
        print_json({"kind": kind, "instances": rows})
        return
    console.print(safe_text(f"{len(rows)} {kind} instances in the last {window}."))
    print_table(
        kind,
        ["#", "accounts", "payments", "from", "to"],
        [
            [
                i,
                _some(r["accounts"]),
                _some(r["txn_ids"], 6),
                r.get("window_start") or r.get("ts_first"),
                r.get("window_end") or r.get("ts_last"),
            ]
            for i, r in enumerate(rows[:top], 1)
        ],
    )


@network_app.command("show")
def show_cmd(
    account: Annotated[str, typer.Argument(help="The account at the centre.")],
    hops: Annotated[int, typer.Option("--hops", help="Hops either way from the account.")] = 2,
    window: WindowOpt = "30d",
    graphml: Annotated[
        Path | None, typer.Option("--graphml", help="Also write the neighbourhood as GraphML.")
    ] = None,
    html_: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML drawing.")
    ] = None,
    max_payments: Annotated[
        int, typer.Option("--max-payments", help="Most payments to show.")
    ] = 500,
    case: Annotated[
        str | None, typer.Option("--case", help="Attach it to this case as evidence.")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", "-u", help="Act as this user (admins only).")
    ] = None,
    engine: EngineOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """An account's neighbourhood and its payments (table, GraphML, HTML)."""
    with open_workspace(workspace, engine, read_only=True) as ws:
        nb = network_show(
            ws, account, hops, parse_window(window), max_payments, graphml, html_, engine
        )
    attached = None
    if case is not None:
        attached = attach_neighbourhood(workspace, nb, case, os_user(), requested_user(user))
    if json_:
        print_json({**nb.to_dict(), "attached": attached})
        return
    if attached is not None:
        console.print(safe_text(f"attached to {attached['case_id']} as {attached['ref']}"))
    console.print(
        safe_text(
            f"{account}: {len(nb.accounts)} accounts within {hops} hops, "
            f"{len(nb.payments)} payments{' (truncated)' if nb.truncated else ''}."
        )
    )
    print_table(
        f"payments around {account}",
        ["payment", "time", "from", "to", "amount", "currency", "channel"],
        [
            [
                p["txn_id"],
                p["ts"],
                p["src"],
                p["dst"],
                f"{p['amt']:,.2f}",
                p["currency"],
                p["channel"] or "-",
            ]
            for p in nb.payments
        ],
    )
    for what, path in (("GraphML", graphml), ("HTML", html_)):
        if path is not None:
            console.print(safe_text(f"{what} written to {path}"))


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
