"""`/v1/alerts`: list, show and export as `cftwatch alerts` does, read-only, filters as
values (never SQL), every column in the export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from cftwatch.server import create_app
from tests.server.conftest import auth, make_workspace
from tests.server.seed import seed


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    root, keys = make_workspace(tmp_path_factory.mktemp("alerts") / "ws")
    seed(root, subjects=3)
    with TestClient(create_app(root, decisions=False)) as client:
        yield client, keys


def test_list_filters_and_show(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    h = auth(keys["analyst"])
    r = client.get("/v1/alerts", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 4 and len(body["alerts"]) == 4
    assert body["alerts"][0]["severity"] == "high"  # the screening alert is strongest
    fan_in = client.get("/v1/alerts", params={"rule": "fan_in", "limit": 2}, headers=h).json()
    assert fan_in["total"] == 3 and len(fan_in["alerts"]) == 2
    assert client.get("/v1/alerts", params={"severity": "high"}, headers=h).json()["total"] == 1
    injected = client.get("/v1/alerts", params={"rule": "x' OR '1'='1"}, headers=h).json()
    assert injected["total"] == 0
    one = client.get(f"/v1/alerts/{body['alerts'][0]['alert_id']}", headers=h).json()
    assert one["entity_id"] == "un:QDi.422" and isinstance(one["details"], dict)
    assert client.get("/v1/alerts/nope", headers=h).status_code == 404
    for bad in ({"since": "yesterday"}, {"severity": "extreme"}, {"limit": 0}):
        r = client.get("/v1/alerts", params=bad, headers=h)
        assert r.status_code == 422, (bad, r.text)


def test_export_every_format(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    h = auth(keys["analyst"])
    jsonl = client.get("/v1/alerts/export", params={"format": "jsonl"}, headers=h)
    assert jsonl.status_code == 200 and jsonl.headers["x-cftwatch-count"] == "4"
    rows = [json.loads(line) for line in jsonl.text.splitlines()]
    assert (
        len(rows) == 4
        and "explanation" in rows[0]
        and Decimal(rows[0]["amount"]) == Decimal("12500.50")
    )
    csv = client.get("/v1/alerts/export", params={"format": "csv", "rule": "fan_in"}, headers=h)
    assert csv.status_code == 200 and len(csv.text.splitlines()) == 4  # header + 3
    parquet = client.get("/v1/alerts/export", params={"format": "parquet"}, headers=h)
    assert parquet.status_code == 200 and parquet.content[:4] == b"PAR1"
    bad = client.get("/v1/alerts/export", params={"format": "xlsx"}, headers=h)
    assert bad.status_code == 422
