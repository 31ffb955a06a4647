"""`POST /v1/lists/update`: load each list from the folder the workspace names, not from a
URL a caller sends (the server never fetches what a request points at).

    lists:
      folder: /srv/lists          # one subfolder per source: un/, ofac/, uk/, eu/ ...

Each `<folder>/<source>/` holds the files `cftwatch lists load DIR --source SOURCE` reads
(e.g. `consolidated.xml`, `sdn.csv` with `alt.csv`/`add.csv`). Every source loads in its
own transaction, as `lists update` does: one that fails keeps its previous version active
and the others still load; a file already active is `unchanged`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cftwatch.errors import CftwatchError, ConfigError, InputError
from cftwatch.lists import SOURCES, UpdateResult, load_list
from cftwatch.lists.update import DEFAULT_SOURCES
from cftwatch.store import OperationalStore
from cftwatch.workspace import Workspace

__all__ = ["FOLDER_KEY", "lists_folder", "record_list_update", "update_lists_from_folder"]

FOLDER_KEY = "folder"
"""`lists.folder` in `cftwatch.yaml`: where the server's list update reads the files."""


def lists_folder(ws: Workspace) -> Path:
    """The configured folder (relative paths are under the workspace); ConfigError if unset."""
    value = ws.config.lists.get(FOLDER_KEY)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError.at(
            "no list folder configured: set lists.folder in cftwatch.yaml",
            field=f"lists.{FOLDER_KEY}",
            value=value,
        )
    folder = Path(value.strip())
    return folder if folder.is_absolute() else ws.path / folder


def update_lists_from_folder(
    ws: Workspace,
    sources: Iterable[str] | None = None,
    *,
    force: bool = False,
    allow_older: bool = False,
) -> list[UpdateResult]:
    """Load every chosen source (default: those `lists update` fetches) from its subfolder."""
    chosen = list(sources) if sources else list(DEFAULT_SOURCES)
    for source in chosen:
        if source not in SOURCES or source == "custom":
            raise InputError.at(
                f"unknown source; one of {', '.join(s for s in SOURCES if s != 'custom')}",
                field="sources",
                value=source,
            )
    folder = lists_folder(ws)
    results: list[UpdateResult] = []
    for source in chosen:
        where = folder / source
        if not where.is_dir():
            results.append(UpdateResult(source, str(where), "failed", error="no such folder"))
            continue
        try:
            version = load_list(ws, where, source, force=force, allow_older=allow_older)
        except CftwatchError as exc:
            results.append(UpdateResult(source, str(where), "failed", error=str(exc)))
            continue
        status = "unchanged" if version.unchanged else "loaded"
        results.append(UpdateResult(source, str(where), status, version))
    return results


def record_list_update(store: OperationalStore, user: str, results: list[UpdateResult]) -> None:
    """One audit row per source that loaded a new version, naming who asked for it."""
    entries = [
        {
            "entity_type": "list_version",
            "entity_id": r.version.version_id,
            "action": "load",
            "after": {"source": r.source, "folder": r.url, "sha256": r.version.sha256},
        }
        for r in results
        if r.status == "loaded" and r.version is not None
    ]
    if entries:
        with store.session() as s:
            store.write_audit(s, entries, user=user)
