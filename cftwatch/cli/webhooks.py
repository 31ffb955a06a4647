"""`cftwatch webhooks add|list|remove|deliveries`: where the decision service sends its
signed events (REVIEW/BLOCK decisions, case changes) and what happened to each attempt.

Targets live in the workspace's `webhooks.yaml`; a target names the environment variable
holding its secret (`--secret-env`), never the secret. Adding or removing one needs the
admin role. The running server reads the file when it starts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cftwatch.app.webhook_targets import (
    EVENTS,
    add_webhook,
    load_webhooks,
    read_deliveries,
    remove_webhook,
)
from cftwatch.cli._app import (
    DEFAULT_DIR,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    os_user,
    print_json,
    print_table,
    safe_text,
)

webhooks_app = typer.Typer(help="Webhooks of the decision service.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("add")
def add_cmd(
    url: Annotated[str, typer.Argument(help="http(s) URL the events are POSTed to.")],
    secret_env: Annotated[
        str, typer.Option("--secret-env", help="Environment variable holding the HMAC secret.")
    ],
    event: Annotated[
        list[str] | None,
        typer.Option("--event", help=f"Only this event (repeatable): {', '.join(EVENTS)}."),
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Add a webhook target (or replace the one with the same URL); admins only."""
    target = add_webhook(workspace, url, secret_env, event or None, by=os_user())
    if json_:
        print_json(target.model_dump())
    else:
        console.print(
            safe_text(f"webhook {target.url} ({', '.join(target.events)}) added."), highlight=False
        )


@webhooks_app.command("list")
def list_cmd(workspace: WorkspaceOpt = Path(DEFAULT_DIR), json_: JsonOpt = False) -> None:
    """The configured targets (secrets are never shown: only their variable's name)."""
    targets = load_webhooks(workspace).targets
    if json_:
        print_json([t.model_dump() for t in targets])
        return
    print_table(
        f"{len(targets)} webhook(s)",
        ["url", "secret variable", "events"],
        [[t.url, t.secret_env, ", ".join(t.events)] for t in targets],
    )


@webhooks_app.command("remove")
def remove_cmd(
    url: Annotated[str, typer.Argument(help="URL of the target to remove.")],
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
) -> None:
    """Remove a webhook target; admins only."""
    remove_webhook(workspace, url, by=os_user())
    console.print(safe_text(f"webhook {url} removed."), highlight=False)


@webhooks_app.command("deliveries")
def deliveries_cmd(
    limit: Annotated[int, typer.Option("--limit", help="The latest this many attempts.")] = 50,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """The latest delivery attempts, oldest first: event, target, attempt, HTTP status."""
    rows = read_deliveries(workspace, limit)
    if json_:
        print_json(rows)
        return
    columns = ["at", "event", "url", "attempt", "status", "ok", "final", "error"]
    print_table(f"{len(rows)} attempt(s)", columns, [[r.get(c) for c in columns] for r in rows])
