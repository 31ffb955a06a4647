"""Clusters: entries of several lists that name the same subject (an EU/UK entry's UN
reference, a UN ref in OFAC remarks), found by union-find over `linked_refs`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from cftwatch.lists.model import ASSOCIATE_PREFIX
from cftwatch.lists.store import active_entities
from cftwatch.workspace import Workspace


def list_clusters(ws: Workspace, sources: Iterable[str] | None = None) -> pa.Table:
    """(cluster_id, entity_id) for every active entity: entries joined by a same-subject
    `linked_refs` entry (an EU/UK entry's UN reference, a UN ref in OFAC remarks) share a
    cluster. The cluster id is the UN entity id where there is one, else the smallest
    member id."""
    table = active_entities(ws, sources)
    ids = table.column("entity_id").to_pylist()
    refs = table.column("linked_refs").to_pylist()
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for eid, linked in zip(ids, refs, strict=True):
        parent.setdefault(eid, eid)
        for ref in linked or []:
            if ref.startswith(ASSOCIATE_PREFIX):
                continue
            parent.setdefault(ref, ref)
            union(eid, ref)
    members: dict[str, list[str]] = {}
    for node in parent:
        members.setdefault(find(node), []).append(node)
    label: dict[str, str] = {}
    for root, nodes in members.items():
        un = sorted(n for n in nodes if n.startswith("un:"))
        label[root] = un[0] if un else min(nodes)
    clusters = [label[find(eid)] for eid in ids]
    out = pa.table(
        {
            "cluster_id": pa.array(clusters, pa.string()),
            "entity_id": pa.array(ids, pa.string()),
            "list_id": table.column("list_id"),
        }
    )
    counts = pc.value_counts(out.column("cluster_id"))
    size = {c["values"]: c["counts"] for c in counts.to_pylist()}
    return out.append_column(
        "cluster_size", pa.array([size[c] for c in clusters], pa.int64())
    ).sort_by([("cluster_id", "ascending"), ("entity_id", "ascending")])


@dataclass(frozen=True)
class EntityCluster:
    """The cluster one entity belongs to and the other entries in it."""

    cluster_id: str | None
    members: list[str]


def entity_cluster(ws: Workspace, entity_id: str) -> EntityCluster:
    """The cluster of one active entity (`lists show`): its id and the other members."""
    clusters = list_clusters(ws).to_pylist()
    cluster_id = next((c["cluster_id"] for c in clusters if c["entity_id"] == entity_id), None)
    members = [
        c["entity_id"]
        for c in clusters
        if c["cluster_id"] == cluster_id and c["entity_id"] != entity_id
    ]
    return EntityCluster(cluster_id, members)
