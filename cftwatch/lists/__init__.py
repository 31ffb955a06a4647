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

from cftwatch.lists.api import SOURCES, load_list, load_list_samples, parse_list
from cftwatch.lists.ftm import export_ftm, import_ftm
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
from cftwatch.lists.update import OFFICIAL_URLS, UpdateResult, update_lists

__all__ = [
    "ASSOCIATE_PREFIX",
    "OFFICIAL_URLS",
    "SOURCES",
    "Entity",
    "ListDiff",
    "ListVersion",
    "ParsedList",
    "UpdateResult",
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
    "load_list_samples",
    "parse_list",
    "update_lists",
    "version_entities",
]
