"""`cftwatch audit verify`: recompute the audit log's hash chain and name the first
broken row (exit 5 when one is found)."""

from __future__ import annotations

from pathlib import Path

import typer

from cftwatch.cases import case_service
from cftwatch.cli._app import DEFAULT_DIR, JsonOpt, WorkspaceOpt, app, console, print_json

BROKEN_EXIT = 5

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify_cmd(workspace: WorkspaceOpt = Path(DEFAULT_DIR), json_: JsonOpt = False) -> None:
    """Check every audit row's hash and its link to the row before it."""
    with case_service(workspace) as service:
        count, broken = service.store.verify_audit()
    if json_:
        print_json(
            {"rows": count, "ok": broken is None}
            | ({} if broken is None else {"broken_row": broken[0], "why": broken[1]})
        )
    elif broken is None:
        console.print(f"audit log intact: {count} rows, hash chain verified.")
    else:
        console.print(
            f"[bold red]audit log broken at row {broken[0]}:[/] {broken[1]} ({count} rows read)",
            highlight=False,
        )
    if broken is not None:
        raise typer.Exit(BROKEN_EXIT)
