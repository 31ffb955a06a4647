"""`cftwatch lists ...`: load, update, version, diff, show, export and import the
sanctions and proscription lists (business logic lives in `cftwatch.lists`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cftwatch.cli._app import (
    DEFAULT_DIR,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    err_console,
    open_workspace,
    print_json,
    print_table,
    progress,
    safe_text,
)
from cftwatch.errors import InputError, NotFoundError
from cftwatch.lists.sources import default_update_sources, official_urls, source_choices_help

lists_app = typer.Typer(
    help="Official sanctions and proscription lists: load, update, diff, show, export.",
    no_args_is_help=True,
)
app.add_typer(lists_app, name="lists")

AllowOlderOpt = Annotated[
    bool,
    typer.Option("--allow-older", help="Load a file published before the list's active version."),
]
SourceOpt = Annotated[
    str,
    typer.Option(
        "--source",
        "-s",
        help=source_choices_help(),
    ),
]


def _version_row(v: Any) -> list[Any]:
    return [
        v.version_id,
        v.list_id,
        "yes" if v.active else "",
        v.published.date().isoformat() if v.published else "",
        v.entities,
        v.loaded_at.strftime("%Y-%m-%d %H:%M:%S") if v.loaded_at else "",
        v.sha256[:12],
        len(v.warnings),
    ]


_VERSION_COLS = [
    "version",
    "list",
    "active",
    "published",
    "entities",
    "loaded (UTC)",
    "sha256",
    "warnings",
]


@lists_app.command("load")
def load_cmd(
    path: Annotated[Path, typer.Argument(help="List file (or folder with the OFAC CSV set).")],
    source: SourceOpt,
    name: Annotated[
        str | None, typer.Option("--name", help="Name of a custom list (--source custom).")
    ] = None,
    alt: Annotated[
        Path | None, typer.Option(help="OFAC alt.csv (default: beside sdn.csv).")
    ] = None,
    add: Annotated[
        Path | None, typer.Option(help="OFAC add.csv (default: beside sdn.csv).")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Load even if the list shrank by more than lists.max_shrink."),
    ] = False,
    allow_older: AllowOlderOpt = False,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Parse a list file completely, then store it as the list's new active version."""
    from cftwatch.lists import load_list

    ws = open_workspace(workspace)
    try:
        with progress() as bar:
            task = bar.add_task(f"parsing {path.name}", total=None)
            version = load_list(
                ws, path, source, name=name, alt=alt, add=add, force=force, allow_older=allow_older
            )
            bar.update(task, completed=1, total=1)
    finally:
        ws.close()
    if json_:
        print_json(version.to_dict())
        return
    if version.unchanged:
        console.print(
            f"{version.version_id} already holds this file ({version.sha256[:12]}); nothing loaded"
        )
        return
    print_table(f"loaded {path}", _VERSION_COLS, [_version_row(version)])
    for warning in version.warnings[:20]:
        err_console.print(
            f"[yellow]warning:[/] {safe_text(warning)}", highlight=False, soft_wrap=True
        )
    if len(version.warnings) > 20:
        err_console.print(f"[yellow]... and {len(version.warnings) - 20} more warnings[/]")


@lists_app.command("update")
def update_cmd(
    source: Annotated[
        str,
        typer.Option("--source", "-s", help=f"Comma-separated: {','.join(official_urls())}."),
    ] = ",".join(default_update_sources()),
    url: Annotated[
        list[str] | None,
        typer.Option("--url", help="Override a URL for this run: SOURCE=URL (repeatable)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Accept a list that shrank a lot.")
    ] = False,
    allow_older: AllowOlderOpt = False,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Download lists from their official URLs (`lists.urls` in cftwatch.yaml), verify,
    store and activate. A failed source keeps its previous version active."""
    from cftwatch.lists import update_lists

    overrides: dict[str, str] = {}
    for item in url or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise InputError.at("expected SOURCE=URL", field="--url", value=item)
        overrides[key.strip()] = value.strip()
    sources = [s.strip() for s in source.split(",") if s.strip()]
    ws = open_workspace(workspace)
    try:
        with progress() as bar:
            tasks: dict[str, Any] = {}

            def on_progress(label: str, done: int, total: int | None) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(f"downloading {label}", total=total)
                bar.update(tasks[label], completed=done, total=total)

            results = update_lists(
                ws,
                sources,
                overrides,
                on_progress=on_progress,
                force=force,
                allow_older=allow_older,
            )
    finally:
        ws.close()
    if json_:
        print_json([r.to_dict() for r in results])
    else:
        rows = [
            [
                r.source,
                r.status,
                r.version.version_id if r.version else "",
                r.version.entities if r.version else "",
                r.error or "",
            ]
            for r in results
        ]
        print_table("list update", ["source", "status", "version", "entities", "error"], rows)
    if any(r.status == "failed" for r in results):
        raise typer.Exit(2)


@lists_app.command("versions")
def versions_cmd(
    source: Annotated[str | None, typer.Option("--source", "-s", help="Only this list.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Every stored version of each list, newest first."""
    from cftwatch.lists import list_versions

    ws = open_workspace(workspace, read_only=True)
    try:
        versions = list_versions(ws, source)
    finally:
        ws.close()
    if json_:
        print_json([v.to_dict() for v in versions])
        return
    print_table("list versions", _VERSION_COLS, [_version_row(v) for v in versions])


def _short(value: Any, width: int = 60) -> str:
    text = ", ".join(_item_text(v) for v in value) if isinstance(value, list) else str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _item_text(item: Any) -> str:
    if isinstance(item, dict):
        if "name" in item:
            return f"{item['name']} ({item.get('quality')})"
        if "value" in item and "type" in item:
            return f"{item['type']} {item['value']}"
        if "value" in item:
            return str(item["value"])
    return str(item)


@lists_app.command("diff")
def diff_cmd(
    source: SourceOpt,
    from_version: Annotated[
        str | None, typer.Option("--from", help="Older version (id or number); default: previous.")
    ] = None,
    to_version: Annotated[
        str | None, typer.Option("--to", help="Newer version (id or number); default: active.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many rows per section.")] = 50,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Entries added, removed and changed field by field between two versions of a list."""
    from cftwatch.lists import diff_versions

    ws = open_workspace(workspace)
    try:
        diff = diff_versions(ws, source, from_version, to_version)
    finally:
        ws.close()
    if json_:
        print_json(diff.to_dict())
        return
    console.print(
        f"[bold]{diff.list_id}[/]: {diff.from_version or '(nothing)'} → {diff.to_version}: "
        f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed "
        f"({len(diff.fingerprint_changed)} in matching fields)"
    )
    if diff.added:
        print_table("added", ["entity"], [[e] for e in diff.added[:limit]])
    if diff.removed:
        print_table("removed", ["entity"], [[e] for e in diff.removed[:limit]])
    rows = []
    for eid, fields in list(diff.changed.items())[:limit]:
        for name, change in fields.items():
            if change.added or change.removed:
                rows.append([eid, name, "+ " + _short(change.added), "- " + _short(change.removed)])
            else:
                rows.append([eid, name, _short(change.after), _short(change.before)])
    if rows:
        print_table("changed", ["entity", "field", "now", "before"], rows)


@lists_app.command("show")
def show_cmd(
    ref: Annotated[str, typer.Argument(help="Entity id (un:QDi.422) or list reference (QDi.422).")],
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Print one active list entity in full."""
    from cftwatch.lists import entity_cluster, find_entity

    ws = open_workspace(workspace, read_only=True)
    try:
        row = find_entity(ws, ref)
        if row is None:
            raise NotFoundError(f"no active list entry {ref!r}")
        cluster = entity_cluster(ws, row["entity_id"])
    finally:
        ws.close()
    row["cluster_id"] = cluster.cluster_id
    row["cluster_members"] = cluster.members
    if json_:
        print_json(row)
        return
    out: list[list[Any]] = []
    for key, value in row.items():
        if isinstance(value, list):
            if not value:
                continue
            for i, item in enumerate(value):
                out.append(
                    [
                        key if i == 0 else "",
                        _item_text(item) if not isinstance(item, dict) else _full(item),
                    ]
                )
        elif value not in (None, ""):
            out.append([key, value])
    print_table(f"{row['entity_id']}: {row['primary_name']}", ["field", "value"], out)


def _full(item: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in item.items() if v not in (None, ""))


@lists_app.command("clusters")
def clusters_cmd(
    min_size: Annotated[
        int, typer.Option(help="Only clusters with at least this many entries.")
    ] = 2,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Subjects listed by several authorities (linked by UN references)."""
    from cftwatch.lists import list_clusters

    ws = open_workspace(workspace)
    try:
        rows = [r for r in list_clusters(ws).to_pylist() if r["cluster_size"] >= min_size]
    finally:
        ws.close()
    if json_:
        print_json(rows)
        return
    print_table(
        f"{len({r['cluster_id'] for r in rows})} clusters",
        ["cluster", "entity", "list"],
        [[r["cluster_id"], r["entity_id"], r["list_id"]] for r in rows],
    )


@lists_app.command("export")
def export_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format: ftm.")] = "ftm",
    outfile: Annotated[str, typer.Option("--outfile", "-o", help="File, or - for stdout.")] = "-",
    source: Annotated[
        str | None, typer.Option("--source", "-s", help="Comma-separated lists (default: all).")
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
) -> None:
    """Export the active lists as FollowTheMoney JSON lines (for OpenSanctions/Aleph tools)."""
    from cftwatch.lists import export_ftm

    if fmt.lower() != "ftm":
        raise InputError.at("only the ftm format is supported", field="--format", value=fmt)
    sources = [s.strip() for s in source.split(",")] if source else None
    ws = open_workspace(workspace)
    try:
        count = export_ftm(ws, sys.stdout if outfile == "-" else outfile, sources)
    finally:
        ws.close()
    err_console.print(f"{count} FtM entities written to {outfile}", highlight=False)


@lists_app.command("import")
def import_cmd(
    infile: Annotated[str, typer.Argument(help="FtM JSON lines file, or - for stdin.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="Input format: ftm.")] = "ftm",
    name: Annotated[
        str | None, typer.Option("--name", help="Load everything as custom:<name>.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Accept a list that shrank a lot.")
    ] = False,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Import FollowTheMoney JSON lines as new list versions (by their datasets)."""
    from cftwatch.lists import import_ftm

    if fmt.lower() != "ftm":
        raise InputError.at("only the ftm format is supported", field="--format", value=fmt)
    ws = open_workspace(workspace)
    try:
        versions = import_ftm(
            ws, sys.stdin if infile == "-" else infile, list_name=name, force=force
        )
    finally:
        ws.close()
    if json_:
        print_json([v.to_dict() for v in versions])
        return
    print_table(f"imported {infile}", _VERSION_COLS, [_version_row(v) for v in versions])
