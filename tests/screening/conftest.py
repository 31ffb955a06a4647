from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa
import pytest

from cftwatch import schema as S
from cftwatch.lists import ParsedList
from cftwatch.lists.store import store_parsed
from cftwatch.screening import Screener
from cftwatch.workspace import Workspace


def entity(
    list_id: str, ref: str, names: list[str], schema: str = "Person", **extra: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "entity_id": f"{list_id}:{ref}",
        "schema": schema,
        "primary_name": names[0],
        "names": [
            {
                "name": n,
                "quality": "strong",
                "name_type": "primary" if i == 0 else "alias",
                "script": None,
                "lang": None,
            }
            for i, n in enumerate(names)
        ],
        "list_id": list_id,
        "list_ref": ref,
        "source_version": "v1",
    }
    row.update(extra)
    return row


ENTITIES = [
    entity(
        "un",
        "QDi.422",
        ["Mohammed Masood Azhar Alvi", "Masood Azhar", "Wali Adam Isa"],
        birth_dates=[{"value": "1968-07-10", "date_from": None, "date_to": None, "circa": False}],
        nationalities=["PK"],
        identifiers=[
            {
                "type": "passport",
                "value": "AA 0001234",
                "normalized": None,
                "country": "PK",
                "note": None,
                "usable": True,
            }
        ],
    ),
    entity(
        "un",
        "QDe.019",
        ["Jaish-i-Mohammed", "Army of Mohammed", "Tehrik ul-Furqaan"],
        schema="Organization",
    ),
    entity("un", "QDe.118", ["Lashkar-e-Tayyiba", "Jamaat-ud-Dawa"], schema="Organization"),
    entity(
        "pk-nacta",
        "4S-1",
        ["Muhammad Iqbal Khan Afridi"],
        father_names=["Gul Zaman Afridi"],
        identifiers=[
            {
                "type": "cnic",
                "value": "17301-1234567-1",
                "normalized": "1730112345671",
                "country": "PK",
                "note": None,
                "usable": True,
            }
        ],
    ),
    entity("un", "QDi.236", ["Hafiz Muhammad Saeed"], nationalities=["PK"]),
    entity(
        "ofac-sdn",
        "9999",
        ["Al Rashid Trust"],
        schema="Organization",
        identifiers=[
            {
                "type": "wallet:XBT",
                "value": "1FfmbHfnpaZjKFvyi1okTjJJusN455paPH",
                "normalized": None,
                "country": None,
                "note": None,
                "usable": True,
            }
        ],
    ),
    entity("un", "QDi.001", ["Abdul Rehman Makki"]),
]


def entities_table(rows: list[dict[str, Any]] | None = None) -> pa.Table:
    full = [{c: r.get(c) for c in S.LIST_ENTITIES.names} for r in rows or ENTITIES]
    return pa.Table.from_pylist(full, schema=S.LIST_ENTITIES)


def store_entities(ws: Workspace, rows: Iterable[dict[str, Any]]) -> None:
    """Load entities the way the lists stage does: one new snapshot per list id, which
    becomes the active one (`list_entities`), superseding that list's previous snapshot."""
    by_list: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_list.setdefault(row["list_id"], []).append(row)
    for list_id, group in by_list.items():
        store_parsed(ws, ParsedList(list_id, entities_table(group)))


@pytest.fixture(scope="session")
def screener() -> Screener:
    return Screener(entities_table())
