"""CLI commands on a workspace a live `uvicorn` serves: read commands work (they never
meet a lock the server holds), case changes from the CLI and from the API see each
other, and reads keep working while another process writes the analytical store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cftwatch.workspace import Workspace
from tests.server.conftest import auth, make_workspace
from tests.server.seed import seed
from tests.server.test_durability import _free_port, _start


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path.cwd()), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("CFTWATCH_USER", None)
    return subprocess.run(
        [sys.executable, "-m", "cftwatch", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str], str]]:
    root, keys = make_workspace(tmp_path_factory.mktemp("live") / "ws")
    seed(root, subjects=2)
    port = _free_port()
    proc = _start(root, port)
    try:
        yield root, keys, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(30)


def test_read_commands_work_while_served(live: tuple[Path, dict[str, str], str]) -> None:
    root, _keys, _url = live
    tables = cli("tables", "-w", str(root))
    assert tables.returncode == 0, tables.stderr
    assert "alerts" in tables.stdout
    cases = cli("cases", "list", "-w", str(root), "--json")
    assert cases.returncode == 0, cases.stderr
    assert {c["subject_id"] for c in json.loads(cases.stdout)} == {"acct:1", "acct:2", "party:7"}
    alerts = cli("alerts", "list", "-w", str(root), "--json")
    assert alerts.returncode == 0 and json.loads(alerts.stdout)["total"] == 3, alerts.stderr
    versions = cli("lists", "versions", "-w", str(root), "--json")
    assert versions.returncode == 0 and json.loads(versions.stdout), versions.stderr


def test_cli_and_api_changes_see_each_other(live: tuple[Path, dict[str, str], str]) -> None:
    root, keys, url = live
    with httpx.Client(base_url=url, timeout=10, headers=auth(keys["analyst"])) as api:
        case = next(c for c in api.get("/v1/cases").json() if c["subject_id"] == "acct:1")
        cid = case["case_id"]
        by_cli = cli("cases", "note", cid, "written from the CLI", "-w", str(root), "--json")
        assert by_cli.returncode == 0, by_cli.stderr
        notes = api.get(f"/v1/cases/{cid}").json()["notes"]
        assert [n["text"] for n in notes] == ["written from the CLI"]
        assigned = api.post(f"/v1/cases/{cid}/assign", json={"assignee": "sue"})
        assert assigned.status_code == 200, assigned.text
    shown = cli("cases", "show", cid, "-w", str(root), "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["case"]["assignee"] == "sue"


def test_reads_work_while_another_process_writes(live: tuple[Path, dict[str, str], str]) -> None:
    root, keys, url = live
    writer = Workspace.open(root)
    try:
        writer.execute("SELECT 1")  # takes the single-writer lock and holds it
        tables = cli("tables", "-w", str(root))
        assert tables.returncode == 0, tables.stderr
        with httpx.Client(base_url=url, timeout=30, headers=auth(keys["analyst"])) as api:
            r = api.get("/v1/alerts")
            assert r.status_code == 200 and r.json()["total"] == 3, r.text
    finally:
        writer.close()
