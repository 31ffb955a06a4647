"""`/v1/users`: admins list and add users; every other role is refused; the change is in
the audit log under the admin's name."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cftwatch.server import create_app
from cftwatch.store import OperationalStore
from cftwatch.workspace import Workspace
from tests.server.conftest import auth, make_workspace


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Path]]:
    root, keys = make_workspace(tmp_path / "ws")
    with TestClient(create_app(root, decisions=False)) as client:
        yield client, keys, root


def test_admin_lists_and_adds(api: tuple[TestClient, dict[str, str], Path]) -> None:
    client, keys, root = api
    admin = auth(keys["admin"])
    names = {u["name"]: u["role"] for u in client.get("/v1/users", headers=admin).json()}
    assert names == {getpass.getuser(): "admin", "ana": "analyst", "sue": "supervisor"}
    r = client.post("/v1/users", json={"name": "tom", "role": "supervisor"}, headers=admin)
    assert r.status_code == 200 and r.json()["created_by"] == getpass.getuser()
    promoted = client.post("/v1/users", json={"name": "ana", "role": "supervisor"}, headers=admin)
    assert promoted.json()["role"] == "supervisor"
    with Workspace.open(root) as ws, OperationalStore.for_workspace(ws) as store:
        rows = [
            (e.entity_id, e.after, e.user) for e in store.audit_entries() if e.entity_type == "user"
        ]
    assert ("tom", '"supervisor"', getpass.getuser()) in rows
    assert ("ana", '"supervisor"', getpass.getuser()) in rows


def test_other_roles_and_bad_names_are_refused(
    api: tuple[TestClient, dict[str, str], Path],
) -> None:
    client, keys, _root = api
    for role in ("analyst", "supervisor"):
        h = auth(keys[role])
        assert client.get("/v1/users", headers=h).status_code == 403
        r = client.post("/v1/users", json={"name": "eve", "role": "admin"}, headers=h)
        assert r.status_code == 403 and "admin" in r.json()["detail"]
    admin = auth(keys["admin"])
    for body in ({"name": "bad name"}, {"name": "x", "role": "root"}, {"name": "[red]x"}, {}):
        r = client.post("/v1/users", json=body, headers=admin)
        assert r.status_code == 422, (body, r.text)
    last_admin = client.post(
        "/v1/users", json={"name": getpass.getuser(), "role": "analyst"}, headers=admin
    )
    assert last_admin.status_code == 422 and "no admin" in last_admin.json()["detail"]
