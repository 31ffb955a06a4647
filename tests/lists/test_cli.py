from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cftwatch.cli import app
from tests.lists.conftest import FIX

runner = CliRunner()


@pytest.fixture
def ws_path(workspace):
    path = str(workspace.path)
    workspace.close()
    return path


def run(*args: str):
    return runner.invoke(app, list(args))


def test_load_versions_diff_show(ws_path):
    r = run("lists", "load", str(FIX / "un_v1.xml"), "--source", "un", "-w", ws_path, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["version_id"] == "un-v1"
    r = run("lists", "load", str(FIX / "un_v2.xml"), "-s", "un", "-w", ws_path)
    assert r.exit_code == 0 and "un-v2" in r.stdout
    r = run("lists", "load", str(FIX / "un_truncated.xml"), "-s", "un", "-w", ws_path)
    assert r.exit_code == 2
    assert "truncated" in r.output and "Traceback" not in r.output
    r = run("lists", "versions", "-w", ws_path, "--json")
    assert [(v["version_id"], v["active"]) for v in json.loads(r.stdout)] == [
        ("un-v2", True),
        ("un-v1", False),
    ]
    r = run("lists", "diff", "--source", "un", "--from", "1", "--to", "2", "-w", ws_path, "--json")
    diff = json.loads(r.stdout)
    assert diff["added"] == ["un:QDe.130"] and diff["removed"] == ["un:CDi.001"]
    r = run("lists", "diff", "--source", "un", "-w", ws_path)
    assert r.exit_code == 0 and "1 added, 1 removed, 3 changed" in r.stdout
    r = run("lists", "show", "QDi.422", "-w", ws_path, "--json")
    shown = json.loads(r.stdout)
    assert shown["entity_id"] == "un:QDi.422" and shown["cluster_id"] == "un:QDi.422"
    r = run("lists", "show", "QDi.422", "-w", ws_path)
    assert r.exit_code == 0 and "MOHAMMED MASOOD AZHAR ALVI" in r.stdout
    r = run("lists", "show", "QDi.999", "-w", ws_path)
    assert r.exit_code == 3


def test_custom_load_export_import_clusters(ws_path, tmp_path):
    custom = tmp_path / "orgs.csv"
    custom.write_text("ref,name,un_ref\nA,Jaish-e-Muhammad,QDe.019\n")
    r = run("lists", "load", str(custom), "--source", "custom", "--name", "orgs", "-w", ws_path)
    assert r.exit_code == 0, r.output
    run("lists", "load", str(FIX / "un_v1.xml"), "-s", "un", "-w", ws_path)
    r = run("lists", "clusters", "-w", ws_path, "--json")
    clusters = json.loads(r.stdout)
    assert {c["entity_id"] for c in clusters if c["cluster_id"] == "un:QDe.019"} == {
        "un:QDe.019",
        "custom:orgs:A",
    }
    r = run("lists", "export", "--format", "ftm", "-o", "-", "-w", ws_path)
    assert r.exit_code == 0
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert any(x["id"] == "custom:orgs:A" for x in lines)
    out = tmp_path / "x.ftm.json"
    out.write_text(r.stdout)
    other = tmp_path / "other"
    run("init", str(other))
    r = run("lists", "import", str(out), "-w", str(other), "--json")
    assert r.exit_code == 0, r.output
    assert sorted(v["list_id"] for v in json.loads(r.stdout)) == ["custom:orgs", "un"]
    r = run("lists", "export", "--format", "csv", "-w", ws_path)
    assert r.exit_code == 2


def test_update_url_option_is_validated(ws_path):
    r = run("lists", "update", "--source", "un", "--url", "nonsense", "-w", ws_path)
    assert r.exit_code == 2 and "SOURCE=URL" in r.output
