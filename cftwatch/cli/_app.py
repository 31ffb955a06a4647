"""The shared pieces of the `cftwatch` command: the Typer app, common options, output helpers.

No business logic lives in `cftwatch.cli`: every command is a thin call into a stage.
Exit codes: 0 success; 2 bad input or configuration; 3 not found; 4 conflict (a stale
version, or a workspace another command is writing);
1 an unexpected failure (a bug: please report it).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from typer.core import TyperGroup

from cftwatch.errors import CftwatchError, InputError
from cftwatch.workspace import DEFAULT_DIR, Workspace

__all__ = [
    "DEFAULT_DIR",
    "USER_ENV",
    "EngineOpt",
    "JsonOpt",
    "WorkspaceOpt",
    "acting_user",
    "app",
    "console",
    "err_console",
    "open_workspace",
    "print_json",
    "print_table",
    "progress",
]

console = Console()
err_console = Console(stderr=True)


class _Group(TyperGroup):
    """Turns cftwatch's own errors into one clear line and a documented exit code."""

    def invoke(self, ctx: Any) -> Any:
        wants_json = _wants_json(ctx)
        try:
            return super().invoke(ctx)
        except CftwatchError as exc:
            if wants_json:
                print(json.dumps(exc.to_dict(), ensure_ascii=False, default=str))
            err_console.print(
                f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(exc.exit_code) from None


def _wants_json(ctx: Any) -> bool:
    args = [*getattr(ctx, "_protected_args", []), *getattr(ctx, "args", []), *sys.argv[1:]]
    return "--json" in args


app = typer.Typer(
    cls=_Group,
    help="cftwatch: counter-terrorist-financing screening, monitoring and goAML reporting.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

WorkspaceOpt = Annotated[
    Path,
    typer.Option("--workspace", "-w", envvar="CFTWATCH_WORKSPACE", help="Workspace folder."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]
EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine", help="Analytical engine: duckdb (default) or spark (needs cftwatch[spark])."
    ),
]


USER_ENV = "CFTWATCH_USER"


def acting_user(user: str | None) -> str:
    """Who is acting, for the audit log: --user, else $CFTWATCH_USER, else the OS login
    name. The one definition every command that changes something uses."""
    if user and user.strip():
        return user.strip()
    env = os.environ.get(USER_ENV, "").strip()
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError) as exc:
        raise InputError.at(
            f"cannot tell who you are: pass --user or set ${USER_ENV}", field="user"
        ) from exc


def open_workspace(path: Path, engine: str | None = None, *, read_only: bool = False) -> Workspace:
    """`read_only` for commands that only read: they work while another command writes,
    reading the snapshot its last write left (said on stderr)."""
    ws = Workspace.open(path, engine=engine, read_only=read_only)
    if ws.snapshot is not None:
        err_console.print(
            escape(
                f"note: another command is writing {path}; showing it as of"
                f" {ws.snapshot.taken_at} (after `{ws.snapshot.after}`)"
            ),
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    return ws


@contextmanager
def progress(transient: bool = True) -> Iterator[Progress]:
    """A Rich progress display on stderr (silent when stderr is not a terminal)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=transient,
        disable=not err_console.is_terminal,
    ) as bar:
        yield bar


def print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str))


def print_table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r))
    console.print(table)
