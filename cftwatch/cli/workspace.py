"""`cftwatch init` and `cftwatch tables`."""

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
)
from cftwatch.workspace import Workspace

# --- workspace-------------------------------------------------------------------


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Workspace folder to create.")] = Path(DEFAULT_DIR),
    engine: Annotated[str, typer.Option(help="Default engine: duckdb or spark.")] = "duckdb",
    json_: JsonOpt = False,
) -> None:
    """Create a workspace: the analytical store, the operational store and a config file."""
    with Workspace.init(path, engine=engine) as ws:
        counts = ws.table_counts()
    if json_:
        print_json({"workspace": str(path), "tables": counts})
    else:
        console.print(f"Workspace ready in [bold]{path}[/] ({len(counts)} tables).")


@app.command()
def tables(workspace: WorkspaceOpt = Path(DEFAULT_DIR), json_: JsonOpt = False) -> None:
    """List the tables in the analytical store and their row counts."""
    with open_workspace(workspace, read_only=True) as ws:
        counts = ws.table_counts()
    if json_:
        print_json(counts)
    else:
        print_table("Tables", ["table", "rows"], [[k, f"{v:,}"] for k, v in counts.items()])
