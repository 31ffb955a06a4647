"""`cftwatch users ...`: who may use the operational store, and with which role.

On a store with no admin, the OS user who runs `cftwatch users add` becomes its first
admin; after that only an admin may add users or change a role.
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
    os_user,
    print_json,
    print_table,
    safe_text,
)
from cftwatch.store import ROLES

users_app = typer.Typer(help="Users and roles of the operational store.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def add_cmd(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, _ . @ + -).")],
    role: Annotated[str, typer.Option(help=f"Role: {', '.join(ROLES)}.")] = "analyst",
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Add a user or change their role (admins only; the first one makes you admin)."""
    with case_service(workspace) as service:
        record = service.store.add_user(name, role, os_user())
    if json_:
        print_json(record.to_json())
    else:
        console.print(safe_text(f"{record.name} is {record.role}."), highlight=False)


@users_app.command("list")
def list_cmd(workspace: WorkspaceOpt = Path(DEFAULT_DIR), json_: JsonOpt = False) -> None:
    """Every user and their role."""
    with case_service(workspace) as service:
        records = service.store.users()
    if json_:
        print_json([r.to_json() for r in records])
        return
    print_table(
        f"{len(records)} user(s)",
        ["name", "role", "since", "by", "changed", "by"],
        [
            [
                r.name,
                r.role,
                f"{r.created_at:%Y-%m-%d %H:%M}",
                r.created_by,
                f"{r.updated_at:%Y-%m-%d %H:%M}",
                r.updated_by,
            ]
            for r in records
        ],
    )
