"""Official sanctions and proscription lists → `LIST_ENTITIES` rows, versioned.

Public API (what other stages use):

* `parse_list(path, source)` → `ParsedList` (entities Arrow table, publication date, warnings)
* `load_list(ws, path, source)` → `ListVersion`: atomic, versioned snapshot
* `active_entities(ws, sources=None)` → `LIST_ENTITIES` rows of each list's active version
* `list_versions(ws, source=None)`, `diff_versions(ws, source, from_version, to_version)`
* `entity_fingerprint(row)`: hash of the matching-relevant fields
* `update_lists(ws, sources, urls=None)`: download from the official URLs, verify, load
* `export_ftm(ws, out)` / `import_ftm(ws, path)`: FollowTheMoney JSON lines
* `find_entity(ws, ref_or_id)`, `list_clusters(ws)`
"""

from __future__ import annotations

from typing import Any

from cftwatch.lists.api import SOURCES, load_list, parse_list
from cftwatch.lists.model import ASSOCIATE_PREFIX, Entity, ParsedList, entity_fingerprint
from cftwatch.lists.store import (
    ListDiff,
    ListVersion,
    active_entities,
    diff_versions,
    ensure_list_tables,
    find_entity,
    list_clusters,
    list_versions,
    version_entities,
)

__all__ = [
    "ASSOCIATE_PREFIX",
    "SOURCES",
    "Entity",
    "ListDiff",
    "ListVersion",
    "ParsedList",
    "active_entities",
    "diff_versions",
    "ensure_list_tables",
    "entity_fingerprint",
    "export_ftm",
    "find_entity",
    "import_ftm",
    "list_clusters",
    "list_versions",
    "load_list",
    "parse_list",
    "update_lists",
    "version_entities",
]


def __getattr__(name: str) -> Any:
    # Download and FtM code load on first use; most callers only read entities.
    if name == "update_lists":
        from cftwatch.lists.update import update_lists

        return update_lists
    if name in ("export_ftm", "import_ftm"):
        from cftwatch.lists import ftm

        return getattr(ftm, name)
    raise AttributeError(f"module 'cftwatch.lists' has no attribute {name!r}")
