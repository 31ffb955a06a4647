"""goAML reports over the API: a supervisor files an escalated case's report (validated,
recorded, audited with the key's user, downloadable with its hash checked), an analyst
only drafts, a non-escalated case is refused, a check files nothing, an uploaded XML is
validated safely."""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cftwatch.server import create_app
from cftwatch.store import OperationalStore, create_key
from cftwatch.workspace import Workspace
from tests.reporting.test_cli import build_workspace
from tests.server.conftest import auth


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, dict, Path]]:
    monkeypatch.delenv("CFTWATCH_DB_URL", raising=False)
    root = build_workspace(tmp_path)
    me = getpass.getuser()
    with Workspace.open(root) as ws, OperationalStore.for_workspace(ws) as store:
        keys = {u: create_key(store, u, me)[0] for u in ("analyst", "mlro")}
    with TestClient(create_app(root, decisions=False)) as client:
        yield client, keys, root


def _report_audit(root: Path) -> list[str]:
    with Workspace.open(root) as ws, OperationalStore.for_workspace(ws) as store:
        return [r.user for r in store.audit_entries() if r.entity_type == "report"]


def test_a_supervisor_files_and_downloads(api: tuple[TestClient, dict, Path]) -> None:
    client, keys, root = api
    r = client.post("/v1/cases/CASE-000001/reports", json={}, headers=auth(keys["mlro"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["draft"] is False and body["report_id"] is not None
    assert "path" not in body and str(root) not in r.text
    assert _report_audit(root) == ["mlro"]
    xml = client.get(body["download"], headers=auth(keys["analyst"]))
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    assert hashlib.sha256(xml.content).hexdigest() == body["sha256"]
    assert xml.headers["x-cftwatch-sha256"] == body["sha256"]
    listed = client.get(
        "/v1/reports", params={"case_id": "CASE-000001"}, headers=auth(keys["analyst"])
    )
    assert [x["id"] for x in listed.json()] == [body["report_id"]]
    valid = client.post(
        "/v1/reports/validate",
        content=xml.content,
        headers=auth(keys["analyst"]) | {"Content-Type": "application/xml"},
    )
    assert valid.status_code == 200 and valid.json()["valid"] is True, valid.text
    filed = next((root / "reports").glob("CASE-000001-*.xml"))
    filed.write_bytes(xml.content.replace(b"</report>", b"<!-- x --></report>"))
    tampered = client.get(body["download"], headers=auth(keys["analyst"]))
    assert tampered.status_code == 409 and "changed" in tampered.json()["detail"]
    assert client.get("/v1/reports/999/xml", headers=auth(keys["analyst"])).status_code == 404


def test_an_analyst_drafts_but_cannot_file(api: tuple[TestClient, dict, Path]) -> None:
    client, keys, root = api
    refused = client.post("/v1/cases/CASE-000001/reports", json={}, headers=auth(keys["analyst"]))
    assert refused.status_code == 403 and "supervisor" in refused.json()["detail"]
    draft = client.post(
        "/v1/cases/CASE-000001/reports", json={"draft": True}, headers=auth(keys["analyst"])
    )
    assert draft.status_code == 200, draft.text
    assert draft.json()["draft"] is True and draft.json()["report_id"] is None
    assert "download" not in draft.json()
    assert _report_audit(root) == []
    check = client.post(
        "/v1/cases/CASE-000001/reports/check", json={}, headers=auth(keys["analyst"])
    )
    assert check.status_code == 403


def test_check_files_nothing(api: tuple[TestClient, dict, Path]) -> None:
    client, keys, root = api
    r = client.post("/v1/cases/CASE-000001/reports/check", json={}, headers=auth(keys["mlro"]))
    assert r.status_code == 200, r.text
    assert r.json()["valid"] is True and r.json()["violations"] == []
    assert _report_audit(root) == [] and not list((root / "reports").glob("*.xml"))


def test_only_escalated_cases_are_filed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CFTWATCH_DB_URL", raising=False)
    root = build_workspace(tmp_path, escalated=False)
    with Workspace.open(root) as ws, OperationalStore.for_workspace(ws) as store:
        key = create_key(store, "mlro", getpass.getuser())[0]
    with TestClient(create_app(root, decisions=False)) as client:
        r = client.post("/v1/cases/CASE-000001/reports", json={}, headers=auth(key))
        assert r.status_code == 409 and "escalated" in r.json()["detail"]
        bad = client.post(
            "/v1/cases/CASE-000001/reports", json={"profile": "../../etc/x"}, headers=auth(key)
        )
        assert bad.status_code == 422
        unknown = client.post(
            "/v1/cases/CASE-000001/reports", json={"profile": "nope"}, headers=auth(key)
        )
        assert unknown.status_code == 422 and "unknown profile" in unknown.json()["detail"]


def test_uploaded_xml_is_parsed_safely(api: tuple[TestClient, dict, Path]) -> None:
    client, keys, _root = api
    h = auth(keys["analyst"]) | {"Content-Type": "application/xml"}
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><report>&b;</report>'
    )
    for doc in (
        bomb,
        b"<report>",
        b"not xml at all",
        b'<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>',
    ):
        r = client.post("/v1/reports/validate", content=doc, headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["valid"] is False and "root:" not in r.text
    empty = client.post("/v1/reports/validate", content=b"", headers=h)
    assert empty.status_code == 422
