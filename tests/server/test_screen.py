from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cftwatch.cli import app
from tests.server.conftest import auth


def _cli_json(path: Path, *args: str) -> dict:
    result = CliRunner().invoke(app, ["screen", *args, "-w", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_screen_answers_what_the_cli_prints(
    client: TestClient, served: tuple[Path, dict[str, str]], keys: dict[str, str]
) -> None:
    path, _ = served
    r = client.post("/v1/screen", json={"name": "Said Bahaji"}, headers=auth(keys["analyst"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["results"], "a listed name should match"
    assert body == _cli_json(path, "Said Bahaji")


def test_screen_batch_keeps_the_order(client: TestClient, keys: dict[str, str]) -> None:
    names = ["Ayesha Bibi", "Said Bahaji"]
    r = client.post(
        "/v1/screen:batch",
        json={"queries": [{"name": n} for n in names]},
        headers=auth(keys["analyst"]),
    )
    assert r.status_code == 200, r.text
    docs = r.json()
    assert [d["query"] for d in docs] == names
    assert not docs[0]["results"] and docs[1]["results"]


def test_bad_input_is_422_naming_the_field(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post("/v1/screen", json={"nam": "x"}, headers=auth(keys["analyst"]))
    assert r.status_code == 422
    fields = {p["field"] for p in r.json()["problems"]}
    assert "name" in fields and "nam" in fields
    r = client.post("/v1/screen", json={"name": "x", "kind": "ship"}, headers=auth(keys["analyst"]))
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "kind"
