from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cftwatch.cli import app
from cftwatch.server import create_app
from cftwatch.store import OperationalStore, key_owner, list_keys
from cftwatch.workspace import Workspace
from tests.server.conftest import auth, make_workspace


def test_health_needs_no_key(client: TestClient) -> None:
    health = client.get("/v1/health").json()
    assert health["status"] == "ok" and len(health["worker"]) == 8


def test_openapi_is_served(client: TestClient) -> None:
    assert "/v1/health" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200


def test_no_key_is_401_without_a_trace(client: TestClient) -> None:
    r = client.post("/v1/screen", json={"name": "x"})
    assert r.status_code == 401
    body = r.json()
    assert body["status"] == 401 and "Traceback" not in r.text
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_a_wrong_secret_is_refused(client: TestClient, keys: dict[str, str]) -> None:
    good = keys["analyst"]
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    assert client.post("/v1/screen", json={"name": "x"}, headers=auth(bad)).status_code == 401
    garbage = {"X-API-Key": "not-a-key"}
    assert client.post("/v1/screen", json={"name": "x"}, headers=garbage).status_code == 401


def test_keys_are_stored_hashed(served: tuple[Path, dict[str, str]]) -> None:
    path, keys = served
    store = OperationalStore(f"sqlite:///{path / 'store.sqlite'}")
    try:
        raw = (path / "store.sqlite").read_bytes()
        for key in keys.values():
            assert key[len("cftw_") + 17 :].encode() not in raw
        owner = key_owner(store, keys["analyst"])
        assert owner is not None and owner.user == "ana" and owner.role == "analyst"
    finally:
        store.close()


def test_cli_creates_lists_and_revokes_a_key(tmp_path: Path) -> None:

    path, _ = make_workspace(tmp_path / "ws")
    runner = CliRunner()
    made = runner.invoke(app, ["keys", "create", "ana", "-w", str(path), "--json"])
    assert made.exit_code == 0, made.output
    created = json.loads(made.stdout)
    key = created["key"]
    listed = runner.invoke(app, ["keys", "list", "-w", str(path), "--json"])
    assert key not in listed.stdout and created["key_id"] in listed.stdout
    with TestClient(create_app(path, decisions=False)) as c:
        assert c.post("/v1/screen", json={"name": "x"}, headers=auth(key)).status_code != 401
    revoked = runner.invoke(app, ["keys", "revoke", created["key_id"], "-w", str(path)])
    assert revoked.exit_code == 0, revoked.output
    with TestClient(create_app(path, decisions=False)) as c:
        assert c.post("/v1/screen", json={"name": "x"}, headers=auth(key)).status_code == 401
    store = OperationalStore.for_workspace(Workspace.open(path, read_only=True))
    try:
        assert [k.revoked_by for k in list_keys(store) if k.key_id == created["key_id"]] != [None]
        actions = [(e.entity_type, e.action) for e in store.audit_entries(entity_type="api_key")]
        assert ("api_key", "revoke") in actions and ("api_key", "create") in actions
    finally:
        store.close()


def test_keys_for_unknown_users_are_refused(tmp_path: Path) -> None:

    path, _ = make_workspace(tmp_path / "ws")
    result = CliRunner().invoke(app, ["keys", "create", "nobody", "-w", str(path)])
    assert result.exit_code == 3 and "not a user" in result.output


def test_a_body_over_the_limit_is_413(client: TestClient, keys: dict[str, str]) -> None:
    big = b'{"name": "' + b"a" * 2_000_000 + b'"}'
    r = client.post(
        "/v1/screen",
        content=big,
        headers={**auth(keys["analyst"]), "content-type": "application/json"},
    )
    assert r.status_code == 413


def test_a_key_over_its_rate_gets_429(served: tuple[Path, dict[str, str]]) -> None:
    from cftwatch.server.deps import ServerSettings

    path, keys = served
    settings = ServerSettings(rate_per_s=0.001, rate_burst=2)
    with TestClient(create_app(path, settings=settings, decisions=False)) as c:
        codes = [
            c.post("/v1/screen", json={"name": "x"}, headers=auth(keys["analyst"])).status_code
            for _ in range(3)
        ]
    assert codes[:2] == [200, 200] and codes[2] == 429


def test_serve_refuses_workers_without_shared_state(tmp_path: Path) -> None:
    path, _ = make_workspace(tmp_path / "ws")
    result = CliRunner().invoke(app, ["serve", "-w", str(path), "--workers", "2"])
    assert result.exit_code == 2 and "--state" in result.output
