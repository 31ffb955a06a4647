"""A list updated while the service runs reaches its screener without a restart: through
`/v1/lists/update` (the next request sees it) or a load by another process, as
`cftwatch lists update` does (seen within a moment: the service checks the store's files
and reloads in the background). Decisions follow the new lists too."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from cftwatch.lists import load_list
from cftwatch.server import create_app
from cftwatch.workspace import Workspace
from tests.server.conftest import FIXTURES, auth, make_workspace

ADDED = "Harakat-ul Jihad Islami"  # in un_v2 only
REMOVED = "Eric Badege"  # in un_v1 only


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Path]]:
    root, keys = make_workspace(tmp_path / "ws")
    folder = tmp_path / "drop"
    (folder / "un").mkdir(parents=True)
    shutil.copy(FIXTURES / "lists" / "un_v2.xml", folder / "un" / "consolidated.xml")
    config = yaml.safe_load((root / "cftwatch.yaml").read_text())
    config["lists"] = {"folder": str(folder)}
    (root / "cftwatch.yaml").write_text(yaml.safe_dump(config))
    with TestClient(create_app(root)) as client:
        yield client, keys, root


def _listed(client: TestClient, key: str, name: str) -> bool:
    r = client.post("/v1/screen", json={"name": name}, headers=auth(key))
    assert r.status_code == 200, r.text
    return any(m["list"] == "un" and m["score"] >= 0.95 for m in r.json()["results"])


def _decision(client: TestClient, key: str, txn_id: str, creditor: str) -> str:
    payment = {
        "txn_id": txn_id,
        "ts": "2026-11-30T10:00:00Z",
        "amount": "1000.00",
        "currency": "PKR",
        "debtor_name": "Ayesha Qureshi",
        "creditor_name": creditor,
    }
    r = client.post("/v1/transactions/evaluate", json=payment, headers=auth(key))
    assert r.status_code == 200, r.text
    return str(r.json()["decision"])


def test_an_update_through_the_api_reaches_the_next_screen(
    served: tuple[TestClient, dict[str, str], Path],
) -> None:
    client, keys, _root = served
    analyst = keys["analyst"]
    assert not _listed(client, analyst, ADDED) and _listed(client, analyst, REMOVED)
    assert _decision(client, analyst, "live-1", ADDED) == "ACCEPT"
    r = client.post("/v1/lists/update", json={"sources": ["un"]}, headers=auth(keys["admin"]))
    assert r.status_code == 200 and r.json()[0]["status"] == "loaded", r.text
    assert _listed(client, analyst, ADDED)  # the very next request, no restart
    assert not _listed(client, analyst, REMOVED)
    assert _decision(client, analyst, "live-2", ADDED) == "BLOCK"
    assert _decision(client, analyst, "live-3", REMOVED) == "ACCEPT"


def test_a_load_by_another_process_is_picked_up(
    served: tuple[TestClient, dict[str, str], Path],
) -> None:
    client, keys, root = served
    analyst = keys["analyst"]
    assert not _listed(client, analyst, ADDED)
    with Workspace.open(root) as ws:  # what `cftwatch lists update` does, beside the server
        load_list(ws, FIXTURES / "lists" / "un_v2.xml", "un")
    deadline = time.monotonic() + 60
    while not _listed(client, analyst, ADDED):
        assert time.monotonic() < deadline, "the service never saw the new list"
        time.sleep(0.1)
    assert not _listed(client, analyst, REMOVED)
    assert _decision(client, analyst, "live-4", ADDED) == "BLOCK"
