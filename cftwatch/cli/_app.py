"""The shared pieces of the `cftwatch` command: the Typer app, common options, output helpers.

No business logic lives in `cftwatch.cli`: every command is a thin call into a stage.
Exit codes: 0 success; 2 bad input, configuration or a refused action; 3 not found;
4 conflict (a stale version, or a workspace another command is writing); 5 the audit
log's hash chain is broken (`cftwatch audit verify`);
1 an unexpected failure (a bug: please report it).
"""

from __future__ import annotations

import getpass
import os
import re
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

from cftwatch.cases import resolve_user
from cftwatch.errors import CftwatchError, InputError
from cftwatch.jsontext import dumps
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
    "os_user",
    "print_json",
    "print_table",
    "progress",
    "requested_user",
    "safe_text",
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
                print(dumps(exc.to_dict()))
            err_console.print(
                f"[bold red]error:[/] {safe_text(exc)}", highlight=False, soft_wrap=True
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


def os_user() -> str:
    """Who runs this process: the operating-system login name. The one identity the CLI
    trusts; `--user`/`$CFTWATCH_USER` may name another only if this one is an admin."""
    try:
        return getpass.getuser()
    except (KeyError, OSError) as exc:
        raise InputError.at("cannot tell which OS user runs cftwatch", field="user") from exc


def requested_user(user: str | None) -> str | None:
    """The user asked for with --user, else $CFTWATCH_USER, else None (act as yourself)."""
    if user is not None and user.strip():
        return user.strip()
    return os.environ.get(USER_ENV, "").strip() or None


def acting_user(user: str | None, workspace: Path) -> str:
    """Who is acting, for the audit log: the OS user, or the --user/$CFTWATCH_USER they
    asked for when the OS user is an admin of the workspace's store (else refused)."""
    return resolve_user(workspace, os_user(), requested_user(user))


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def safe_text(value: Any) -> str:
    """User data made safe to print through Rich: markup escaped (`[/x]` stays text) and
    control and bidi characters shown visibly (ESC as `\\x1b`; a newline stays a line
    break inside its cell), so no name, note or `--user` can crash a table or reach the
    terminal raw."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
    return escape(text)


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
    """One JSON document for machines: the project's one encoder (exact money, ISO 8601)."""
    print(dumps(obj))


def print_table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    """A table of values, every cell and the title escaped (`safe_text`)."""
    table = Table(title=None if title is None else safe_text(title), show_lines=False)
    for c in columns:
        table.add_column(safe_text(c), overflow="fold")
    for r in rows:
        table.add_row(*(safe_text(v) for v in r))
    console.print(table)
