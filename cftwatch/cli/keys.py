"""`cftwatch keys ...`: API keys of the decision service (admins only).

A key belongs to a user made by `cftwatch users add` and acts with that user's role. It is
shown once, when made; the store keeps only its hash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cftwatch.cases import case_service
from cftwatch.cli._app import (
    DEFAULT_DIR,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    err_console,
    os_user,
    print_json,
    print_table,
    safe_text,
)
from cftwatch.store import create_key, list_keys, revoke_key

keys_app = typer.Typer(help="API keys of the decision service.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def create_cmd(
    name: Annotated[str, typer.Argument(help="The user the key acts for.")],
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Make a key for a user; it is printed once and cannot be shown again."""
    with case_service(workspace) as service:
        key, record = create_key(service.store, name, os_user())
    if json_:
        print_json({**record.to_json(), "key": key})
        return
    print(key)
    err_console.print(
        safe_text(f"key {record.key_id} for {record.user}: store it now, it is not shown again"),
        highlight=False,
    )


@keys_app.command("revoke")
def revoke_cmd(
    key_id: Annotated[str, typer.Argument(help="The key's id (cftwatch keys list).")],
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Refuse a key from now on (a running server stops accepting it within seconds)."""
    with case_service(workspace) as service:
        record = revoke_key(service.store, key_id, os_user())
    if json_:
        print_json(record.to_json())
    else:
        console.print(safe_text(f"key {record.key_id} of {record.user} is revoked."))


@keys_app.command("list")
def list_cmd(workspace: WorkspaceOpt = Path(DEFAULT_DIR), json_: JsonOpt = False) -> None:
    """Every key: its id, user, when made and by whom, and whether revoked (never a secret)."""
    with case_service(workspace) as service:
        records = list_keys(service.store)
    if json_:
        print_json([r.to_json() for r in records])
        return
    print_table(
        f"{len(records)} key(s)",
        ["key id", "user", "created", "by", "revoked"],
        [
            [
                r.key_id,
                r.user,
                f"{r.created_at:%Y-%m-%d %H:%M}",
                r.created_by,
                "" if r.revoked_at is None else f"{r.revoked_at:%Y-%m-%d %H:%M} by {r.revoked_by}",
            ]
            for r in records
        ],
    )
