"""Official sanctions and proscription lists → `LIST_ENTITIES` rows, versioned.

Public API (what other stages use):

* `parse_list(path, source)` → `ParsedList` (entities Arrow table, publication date, warnings)
* `load_list(ws, path, source)` → `ListVersion`: atomic, versioned snapshot
* `active_entities(ws, sources=None)` → `LIST_ENTITIES` rows of each list's active version
* `list_versions(ws, source=None)`, `diff_versions(ws, source, from_version, to_version)`
* `entity_fingerprint(row)`: hash of the matching-relevant fields
* `update_lists(ws, sources, urls=None)`: download from the official URLs, verify, load
* `export_ftm(ws, out)` / `import_ftm(ws, path)`: FollowTheMoney JSON lines
* `find_entity(ws, ref_or_id)`, `list_clusters(ws)`, `entity_cluster(ws, entity_id)`
* `LIST_SOURCES`: the source registry (`cftwatch.lists.sources`)
"""

from __future__ import annotations

from cftwatch.fingerprints import entity_fingerprint
from cftwatch.lists.api import load_list, load_list_samples, parse_list
from cftwatch.lists.clusters import EntityCluster, entity_cluster, list_clusters
from cftwatch.lists.ftm import export_ftm, import_ftm
from cftwatch.lists.model import ASSOCIATE_PREFIX, Entity, ParsedList
from cftwatch.lists.sources import LIST_SOURCES, ListSource, find_source, source_ids
from cftwatch.lists.store import (
    ListDiff,
    ListVersion,
    active_entities,
    diff_versions,
    ensure_list_tables,
    find_entity,
    list_versions,
    version_entities,
)
from cftwatch.lists.update import OFFICIAL_URLS, UpdateResult, update_lists

SOURCES = tuple(source_ids())
"""Values `--source` accepts (ids of `LIST_SOURCES`; aliases are accepted too)."""

__all__ = [
    "ASSOCIATE_PREFIX",
    "LIST_SOURCES",
    "OFFICIAL_URLS",
    "SOURCES",
    "Entity",
    "EntityCluster",
    "ListDiff",
    "ListSource",
    "ListVersion",
    "ParsedList",
    "UpdateResult",
    "active_entities",
    "diff_versions",
    "ensure_list_tables",
    "entity_cluster",
    "entity_fingerprint",
    "export_ftm",
    "find_entity",
    "find_source",
    "import_ftm",
    "list_clusters",
    "list_versions",
    "load_list",
    "load_list_samples",
    "parse_list",
    "update_lists",
    "version_entities",
]
