"""`cftwatch serve`: the decision service (needs the server extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cftwatch.cli._app import DEFAULT_DIR, WorkspaceOpt, app
from cftwatch.errors import DependencyMissing


@app.command("serve")
def serve_cmd(
    host: Annotated[
        str, typer.Option(help="Address to bind (loopback unless you mean otherwise).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (above 1 needs --state).")
    ] = 1,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            envvar="CFTWATCH_STATE_URL",
            help="Per-account state shared by workers: redis://host:port/db (default: in process).",
        ),
    ] = None,
    prescreen: Annotated[
        bool,
        typer.Option(
            help="Screen every known party (parties, accounts, past counterparties) at start "
            "and after each list update, so their payments are answered from the cache.",
        ),
    ] = True,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
) -> None:
    """Serve screening and payment decisions over HTTP (OpenAPI at /docs)."""
    try:
        from cftwatch.server import serve  # the optional extra, loaded only here
    except ModuleNotFoundError as exc:
        raise DependencyMissing(
            "the decision service needs the server extra: pip install 'cftwatch[server]'"
        ) from exc
    serve(workspace, host=host, port=port, workers=workers, state_url=state, prescreen=prescreen)
