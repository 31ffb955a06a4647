"""`cftwatch alerts list|show|export`: read the alerts every stage wrote (read-only)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
    safe_text,
)

alerts_app = typer.Typer(help="Alerts: list, show one, export.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")

RuleOpt = Annotated[list[str] | None, typer.Option("--rule", help="Only this rule (repeatable).")]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since", help="Only alerts whose activity ends on or after this date (YYYY-MM-DD)."
    ),
]
SeverityOpt = Annotated[
    str | None,
    typer.Option(
        "--severity", help="Only alerts at least this severe (low, medium, high, critical)."
    ),
]


def _filter(rule: list[str] | None, since: str | None, severity: str | None) -> Any:
    from cftwatch.app.alerts import AlertFilter

    return AlertFilter(rules=tuple(rule or ()), since=since, severity=severity)


@alerts_app.command("list")
def alerts_list(
    rule: RuleOpt = None,
    since: SinceOpt = None,
    severity: SeverityOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 50,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """The strongest matching alerts first (severity, score, newest)."""
    from cftwatch.app.alerts import LIST_COLUMNS, count_alerts, list_alerts

    filt = _filter(rule, since, severity)
    with open_workspace(workspace, read_only=True) as ws:
        rows = list_alerts(ws, filt, limit)
        total = count_alerts(ws, filt)
    if json_:
        print_json({"total": total, "alerts": rows})
        return
    print_table(
        f"Alerts ({len(rows):,} of {total:,})",
        list(LIST_COLUMNS),
        [[r[c] for c in LIST_COLUMNS] for r in rows],
    )


@alerts_app.command("show")
def alerts_show(
    alert_id: Annotated[str, typer.Argument(help="Alert id (see `cftwatch alerts list`).")],
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """One alert with its explanation, transactions, parameters and evidence."""
    from cftwatch.app.alerts import get_alert

    with open_workspace(workspace, read_only=True) as ws:
        row = get_alert(ws, alert_id)
    if json_:
        print_json(row)
        return
    for key, value in row.items():
        console.print(f"[bold]{safe_text(key)}[/]: {safe_text(value)}", highlight=False)


@alerts_app.command("export")
def alerts_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv or parquet.")] = "jsonl",
    rule: RuleOpt = None,
    since: SinceOpt = None,
    severity: SeverityOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Write the matching alerts, every column, to a file for another system."""
    from cftwatch.app.alerts import export_alerts

    filt = _filter(rule, since, severity)
    with open_workspace(workspace, read_only=True) as ws:
        count = export_alerts(ws, filt, out, fmt)
    if json_:
        print_json({"alerts": count, "file": str(out), "format": fmt})
        return
    console.print(f"wrote {count:,} alerts to {safe_text(out)} ({fmt})", highlight=False)
