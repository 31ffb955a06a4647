"""`/v1/lists`: versions and diff for analysts; an update from the configured folder for
admins only, audited, a failing source keeping its previous version."""

from __future__ import annotations

import getpass
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from cftwatch.server import create_app
from cftwatch.store import OperationalStore
from cftwatch.workspace import Workspace
from tests.server.conftest import FIXTURES, auth, make_workspace


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Path]]:
    root, keys = make_workspace(tmp_path / "ws")
    folder = tmp_path / "drop"
    (folder / "un").mkdir(parents=True)
    shutil.copy(FIXTURES / "lists" / "un_v2.xml", folder / "un" / "consolidated.xml")
    (folder / "uk").mkdir()
    (folder / "uk" / "conlist.xlsx").write_bytes(b"not a spreadsheet")
    config = yaml.safe_load((root / "cftwatch.yaml").read_text())
    config["lists"] = {"folder": str(folder)}
    (root / "cftwatch.yaml").write_text(yaml.safe_dump(config))
    with TestClient(create_app(root, decisions=False)) as client:
        yield client, keys, root


def test_update_from_the_folder_then_diff(api: tuple[TestClient, dict[str, str], Path]) -> None:
    client, keys, root = api
    before = client.get(
        "/v1/lists/versions", params={"source": "un"}, headers=auth(keys["analyst"])
    )
    assert before.status_code == 200 and len(before.json()) == 1
    refused = client.post(
        "/v1/lists/update", json={"sources": ["un"]}, headers=auth(keys["supervisor"])
    )
    assert refused.status_code == 403
    r = client.post(
        "/v1/lists/update", json={"sources": ["un", "uk", "eu"]}, headers=auth(keys["admin"])
    )
    assert r.status_code == 200, r.text
    status = {x["source"]: x["status"] for x in r.json()}
    assert status == {"un": "loaded", "uk": "failed", "eu": "failed"}
    assert str(root) not in r.json()[0]["version"]["version_id"]
    again = client.post("/v1/lists/update", json={"sources": ["un"]}, headers=auth(keys["admin"]))
    assert again.json()[0]["status"] == "unchanged"
    versions = client.get(
        "/v1/lists/versions", params={"source": "un"}, headers=auth(keys["analyst"])
    ).json()
    assert len(versions) == 2 and versions[0]["active"] is True
    diff = client.get("/v1/lists/un/diff", headers=auth(keys["analyst"]))
    assert diff.status_code == 200, diff.text
    d = diff.json()
    assert d["to_version"] == versions[0]["version_id"]
    assert d["added"] or d["removed"] or d["changed"]
    with Workspace.open(root) as ws, OperationalStore.for_workspace(ws) as store:
        rows = [e for e in store.audit_entries() if e.entity_type == "list_version"]
    assert [(e.entity_id, e.user) for e in rows] == [
        (versions[0]["version_id"], getpass.getuser())
    ]  # the admin key's user


def test_bad_update_requests(api: tuple[TestClient, dict[str, str], Path]) -> None:
    client, keys, _root = api
    admin = auth(keys["admin"])
    assert (
        client.post("/v1/lists/update", json={"sources": ["mars"]}, headers=admin).status_code
        == 422
    )
    assert (
        client.post("/v1/lists/update", json={"url": "http://evil"}, headers=admin).status_code
        == 422
    )
    assert client.get("/v1/lists/nope/diff", headers=admin).status_code in (404, 422)


def test_no_folder_configured_is_a_clear_error(tmp_path: Path) -> None:
    root, keys = make_workspace(tmp_path / "ws")
    with TestClient(create_app(root, decisions=False)) as client:
        r = client.post("/v1/lists/update", json={}, headers=auth(keys["admin"]))
    assert r.status_code == 422 and "lists.folder" in r.json()["detail"]
