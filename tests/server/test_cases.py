"""`/v1/cases`: the CLI's case commands over HTTP, with the API key's user, the same role
and four-eyes rules, audit rows naming that user, and a `case.changed` webhook."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cftwatch.server import create_app
from tests.server.conftest import auth, make_workspace
from tests.server.seed import seed


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    root, keys = make_workspace(tmp_path_factory.mktemp("cases") / "ws")
    keys |= seed(root, subjects=4)
    with TestClient(create_app(root, decisions=False)) as client:
        yield client, keys


def _case(client: TestClient, key: str, subject: str) -> dict:
    cases = client.get("/v1/cases", headers=auth(key)).json()
    return next(c for c in cases if c["subject_id"] == subject)


def test_list_and_show_mirror_the_service(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    r = client.get("/v1/cases", headers=auth(keys["analyst"]))
    assert r.status_code == 200
    cases = r.json()
    assert {c["subject_id"] for c in cases} == {"acct:1", "acct:2", "acct:3", "acct:4", "party:7"}
    one = client.get(f"/v1/cases/{cases[0]['case_id']}", headers=auth(keys["analyst"])).json()
    assert one["case"]["case_id"] == cases[0]["case_id"]
    assert len(one["alerts"]) == 1
    only_new = client.get("/v1/cases", params={"status": "new"}, headers=auth(keys["analyst"]))
    assert len(only_new.json()) == 5
    missing = client.get("/v1/cases/CASE-999999", headers=auth(keys["analyst"]))
    assert missing.status_code == 404 and "CASE-999999" in missing.json()["detail"]
    assert client.get("/v1/cases/not-a-case", headers=auth(keys["analyst"])).status_code == 404
    assert client.get("/v1/cases").status_code == 401


def test_assign_note_history_carry_the_key_user(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    case = _case(client, keys["analyst"], "acct:1")
    cid, h = case["case_id"], auth(keys["analyst"])
    r = client.post(f"/v1/cases/{cid}/assign", json={"assignee": "ana"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["assignee"] == "ana" and r.json()["version"] == case["version"] + 1
    stale = client.post(
        f"/v1/cases/{cid}/assign", json={"assignee": None, "version": case["version"]}, headers=h
    )
    assert stale.status_code == 409
    note = client.post(f"/v1/cases/{cid}/notes", json={"text": "called the bank"}, headers=h)
    assert note.status_code == 200 and note.json()["created_by"] == "ana"
    history = client.get(f"/v1/cases/{cid}/history", headers=h).json()
    assign_rows = [e for e in history if e["field"] == "assignee"]
    assert assign_rows and assign_rows[-1]["user"] == "ana" and assign_rows[-1]["after"] == '"ana"'
    assert any(e["entity_type"] == "note" and e["user"] == "ana" for e in history)


def test_walk_to_reported_with_roles_and_four_eyes(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    ana, sue, sam = auth(keys["analyst"]), auth(keys["supervisor"]), auth(keys["supervisor2"])
    cid = _case(client, keys["analyst"], "acct:2")["case_id"]

    def decide(headers: dict[str, str], to: str) -> object:
        return client.post(
            f"/v1/cases/{cid}/decisions", json={"to": to, "reason": f"to {to}"}, headers=headers
        )

    assert decide(ana, "in_review").status_code == 200
    assert decide(sue, "escalated").status_code == 200
    refused = decide(ana, "reported")
    assert refused.status_code == 403, refused.text
    assert "supervisor" in refused.json()["detail"]
    self_approval = decide(sue, "reported")
    assert self_approval.status_code == 409
    assert "four eyes" in self_approval.json()["detail"]
    assert _case(client, keys["analyst"], "acct:2")["status"] == "escalated"
    done = decide(sam, "reported")
    assert done.status_code == 200 and done.json()["status"] == "reported"
    history = client.get(f"/v1/cases/{cid}/history", headers=ana).json()
    moves = [(e["user"], e["after"]) for e in history if e["entity_type"] == "decision"]
    assert [u for u, _ in moves] == ["ana", "sue", "sam"]
    assert decide(sam, "in_review").status_code == 409  # reported is final
    reopened = client.post(f"/v1/cases/{cid}/reopen", json={"reason": "new facts"}, headers=ana)
    assert reopened.status_code == 403
    reopened = client.post(f"/v1/cases/{cid}/reopen", json={"reason": "new facts"}, headers=sam)
    assert reopened.status_code == 200 and reopened.json()["status"] == "in_review"


def test_bad_decisions_are_422_not_500(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    h = auth(keys["analyst"])
    cid = _case(client, keys["analyst"], "acct:3")["case_id"]
    for body in (
        {},
        {"to": "in_review", "match": "un:QDi.422", "verdict": "true_match"},
        {"to": "nowhere", "reason": "x"},
        {"to": "in_review"},
        {"match": "un:QDi.422"},
        {"to": "in_review", "reason": "x", "version": -1},
        {"to": "in_review", "reason": "x", "surprise": 1},
    ):
        r = client.post(f"/v1/cases/{cid}/decisions", json=body, headers=h)
        assert r.status_code == 422, (body, r.status_code, r.text)
        assert "Traceback" not in r.text


def test_match_verdict_by_api(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    cid = _case(client, keys["analyst"], "party:7")["case_id"]
    r = client.post(
        f"/v1/cases/{cid}/decisions",
        json={
            "match": "un:QDi.422",
            "verdict": "false_match",
            "reason": "different person",
            "party": "party:7",
            "fingerprint": "fp1",
        },
        headers=auth(keys["analyst"]),
    )
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "false_match" and r.json()["user"] == "ana"


def test_workflow_table(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    rows = client.get("/v1/cases/workflow", headers=auth(keys["analyst"])).json()
    assert {"from": "escalated", "to": "reported", "role": "supervisor"} in rows
