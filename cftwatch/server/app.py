"""`create_app(workspace)`: the FastAPI app of the decision service, and `serve()`.

The app is built eagerly (the operational store opened, the decision engine loaded and its
per-account state rebuilt) so the first payment is answered as fast as the next. Uvicorn
runs it on loopback by default; with several workers each builds its own app from the
environment (`app_from_env`) and they share the per-account state through `state_url`.
CORS is off (no CORS middleware: browsers on other origins get no access).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from cftwatch import __version__
from cftwatch.app.decide import DecisionEngine
from cftwatch.app.screening import prescreen_processes, settle_heap
from cftwatch.errors import WorkspaceError
from cftwatch.server import webhooks
from cftwatch.server.decisions import GroupCommitter, commit_lock_path
from cftwatch.server.deps import ServerContext, ServerSettings
from cftwatch.server.errors import install_error_handlers
from cftwatch.server.fastpath import EvaluateFastPath
from cftwatch.server.limits import BodySizeLimit
from cftwatch.server.routes import ROUTERS
from cftwatch.store import OperationalStore
from cftwatch.workspace import CONFIG_NAME, Workspace, load_config

__all__ = ["ENV_PRESCREEN", "ENV_STATE", "ENV_WORKSPACE", "app_from_env", "create_app", "serve"]

ENV_WORKSPACE = "CFTWATCH_SERVE_WORKSPACE"
ENV_STATE = "CFTWATCH_SERVE_STATE"
ENV_PRESCREEN = "CFTWATCH_SERVE_PRESCREEN"
"""Processes a worker's start-up prescreen of known parties forks; 0: no prescreen."""
WORKER_HEALTHCHECK_S = 120
"""How long Uvicorn waits for a worker's answer to its health ping before restarting it."""


def open_store(workspace_path: Path) -> OperationalStore:
    """The workspace's operational store, migrated; the analytical store stays closed."""
    config_path = workspace_path / CONFIG_NAME
    if not config_path.is_file():
        raise WorkspaceError(
            f"{workspace_path} is not a cftwatch workspace (no {CONFIG_NAME}); "
            f"run `cftwatch init {workspace_path}`"
        )
    return OperationalStore.for_workspace(Workspace(workspace_path, load_config(config_path)))


def create_app(
    workspace_path: str | Path,
    *,
    state_url: str | None = None,
    settings: ServerSettings | None = None,
    decisions: bool = True,
    prescreen: int = 1,
) -> FastAPI:
    """The service for one workspace. `state_url`: `redis://...` for per-account state
    shared by workers, None for the embedded in-process store. `decisions=False` skips the
    decision engine (for routes that do not evaluate payments, and their tests).
    `prescreen`: processes that screen the known parties before the first payment (and
    after each list update); 0: none (each name is screened when a payment first names it)."""
    root = Path(workspace_path)
    store = open_store(root)
    ctx = ServerContext(root, store, settings or ServerSettings())
    hooks: webhooks.WebhookDispatcher | None = None
    try:
        if decisions:  # first: its prescreen may fork, before this process has threads
            ctx.decisions = DecisionEngine.start(
                root,
                store,
                state_url=state_url,
                prescreen=prescreen > 0,
                prescreen_workers=max(1, prescreen),
            )
        hooks = webhooks.start_for_workspace(root, store)  # a bad webhooks.yaml fails here
        if ctx.decisions is not None:
            ctx.committer = GroupCommitter(
                store, ctx.decisions.remember, lock_path=commit_lock_path(store)
            )
    except BaseException:
        if hooks is not None:
            webhooks.uninstall(hooks)
        if ctx.decisions is not None:
            ctx.decisions.close()
        store.close()
        raise

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        webhooks.uninstall(hooks)
        ctx.close()

    app = FastAPI(
        title="cftwatch decision service",
        version=__version__,
        description=(
            "Real-time screening and payment decisions (ACCEPT | REVIEW | BLOCK with "
            "reasons) over a cftwatch workspace. Every endpoint but /v1/health needs an "
            "API key: `Authorization: Bearer <key>` (cftwatch keys create NAME)."
        ),
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.webhooks = hooks
    install_error_handlers(app)
    app.add_middleware(EvaluateFastPath, ctx=ctx)  # inside the size limit
    app.add_middleware(BodySizeLimit, max_bytes=ctx.settings.max_body_bytes)
    for router in ROUTERS:
        app.include_router(router)
    return app


def app_from_env() -> FastAPI:
    """The app for a Uvicorn worker process, from `$CFTWATCH_SERVE_WORKSPACE` and
    `$CFTWATCH_SERVE_STATE` (set by `serve`), its start's objects frozen (`settle_heap`)."""
    path = os.environ.get(ENV_WORKSPACE)
    if not path:
        raise WorkspaceError(f"${ENV_WORKSPACE} is not set (start the service with cftwatch serve)")
    app = create_app(
        path,
        state_url=os.environ.get(ENV_STATE) or None,
        prescreen=int(os.environ.get(ENV_PRESCREEN) or 1),
    )
    settle_heap()  # a serving process: what the start built, out of the collector's walks
    return app


def serve(
    workspace_path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    state_url: str | None = None,
    log_level: str = "warning",
    prescreen: bool = True,
) -> None:
    """Run the service under Uvicorn until stopped. Several workers need a shared state
    store (`state_url`), else each would keep its own per-account windows. `prescreen`:
    each worker screens the known parties at start (the cores shared among the workers)."""
    import uvicorn

    if workers > 1 and not state_url:
        raise WorkspaceError(
            "--workers above 1 needs --state redis://... (per-account state shared by workers)"
        )
    os.environ[ENV_WORKSPACE] = str(Path(workspace_path).resolve())
    if state_url:
        os.environ[ENV_STATE] = state_url
    os.environ[ENV_PRESCREEN] = str(prescreen_processes(workers) if prescreen else 0)
    open_store(Path(workspace_path)).close()  # a bad workspace fails here, not in a worker
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        "factory": True,
        "log_level": log_level,
        "access_log": False,
        "server_header": False,
        # loop and http stay "auto": uvloop and httptools (the `server` extra) when installed
        # a worker loading the screener on a busy machine answers the supervisor's health
        # ping late; at the default (5 s) it is killed and restarted, again and again
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_S,
    }
    uvicorn.run("cftwatch.server.app:app_from_env", **options)
