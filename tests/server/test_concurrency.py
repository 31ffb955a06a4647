"""Concurrent changes to one case through the API never lose a write: with the same
version exactly one wins and the rest get 409; appended notes all land; every accepted
change is one version step and one audit row."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from cftwatch.server import create_app
from tests.server.conftest import auth, make_workspace
from tests.server.seed import seed

THREADS = 8


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    root, keys = make_workspace(tmp_path_factory.mktemp("race") / "ws")
    seed(root, subjects=3)
    with TestClient(create_app(root, decisions=False)) as client:
        yield client, keys


def _case(client: TestClient, key: str, subject: str) -> dict:
    return next(
        c for c in client.get("/v1/cases", headers=auth(key)).json() if c["subject_id"] == subject
    )


def _audit(client: TestClient, key: str, case_id: str, field: str) -> list[dict]:
    history = client.get(f"/v1/cases/{case_id}/history", headers=auth(key)).json()
    return [e for e in history if e["field"] == field and e["entity_type"] == "case"]


def test_same_version_one_winner(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    case = _case(client, keys["analyst"], "acct:1")
    cid, v = case["case_id"], case["version"]
    people = ["ana", "sue", "sam"] * 3

    def assign(who: str) -> tuple[int, str]:
        r = client.post(
            f"/v1/cases/{cid}/assign",
            json={"assignee": who, "version": v},
            headers=auth(keys["analyst"]),
        )
        return r.status_code, r.text

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(assign, people[:THREADS]))
    codes = sorted(c for c, _ in results)
    assert codes.count(200) == 1 and codes.count(409) == THREADS - 1, results
    assert all("Traceback" not in t for _, t in results)
    after = client.get(f"/v1/cases/{cid}", headers=auth(keys["analyst"])).json()["case"]
    assert after["version"] == v + 1
    assert len(_audit(client, keys["analyst"], cid, "assignee")) == 1


def test_racing_decisions_each_accepted_one_is_recorded(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = api
    case = _case(client, keys["analyst"], "acct:2")
    cid, v = case["case_id"], case["version"]

    def decide(to: str) -> int:
        r = client.post(
            f"/v1/cases/{cid}/decisions",
            json={"to": to, "reason": f"race to {to}"},
            headers=auth(keys["analyst"]),
        )
        assert r.status_code in (200, 409), r.text
        return r.status_code

    with ThreadPoolExecutor(THREADS) as pool:
        codes = list(pool.map(decide, ["in_review", "closed_no_action"] * (THREADS // 2)))
    wins = codes.count(200)
    bundle = client.get(f"/v1/cases/{cid}", headers=auth(keys["analyst"])).json()
    assert wins >= 1
    assert len(bundle["decisions"]) == wins
    assert bundle["case"]["version"] == v + wins
    assert len(_audit(client, keys["analyst"], cid, "status")) == wins


def test_concurrent_notes_all_land(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    cid = _case(client, keys["analyst"], "acct:3")["case_id"]

    def note(i: int) -> int:
        r = client.post(
            f"/v1/cases/{cid}/notes", json={"text": f"note {i}"}, headers=auth(keys["analyst"])
        )
        return r.status_code

    with ThreadPoolExecutor(THREADS) as pool:
        codes = list(pool.map(note, range(THREADS * 2)))
    assert codes == [200] * (THREADS * 2)
    notes = client.get(f"/v1/cases/{cid}", headers=auth(keys["analyst"])).json()["notes"]
    assert sorted(n["text"] for n in notes) == sorted(f"note {i}" for i in range(THREADS * 2))
