"""`cftwatch network components|motifs|show` and seeds from reported cases, on a small
workspace (the one the exposure command tests build)."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
from lxml import etree
from typer.testing import CliRunner

from cftwatch.cases import CaseService
from cftwatch.cli import app
from cftwatch.store import CaseRow, OperationalStore
from cftwatch.workspace import Workspace
from tests.network.test_exposure_cli import T0, _txn, _workspace

runner = CliRunner()


def _json(args):
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def _add_case(path, subject_type, subject_id, status):
    with (
        Workspace.open(path) as ws,
        OperationalStore.for_workspace(ws) as store,
        store.session() as s,
    ):
        s.add(
            CaseRow(
                subject_type=subject_type,
                subject_id=subject_id,
                title="t",
                status=status,
                priority="high",
                created_at=T0,
                created_by="a",
                updated_at=T0,
                updated_by="a",
                version=1,
            )
        )


def test_a_case_decided_reported_makes_its_subject_a_seed(tmp_path):
    path = _workspace(tmp_path)
    _add_case(path, "account", "Z", "reported")  # Z pays C and Y
    _add_case(path, "account", "Q", "in_review")  # not decided: not a seed
    out = _json(["network", "exposure", "-w", str(path), "--json"])
    got = {r["account"]: r for r in out["rows"]}
    assert (
        got["Y"]["seed"] == "Z" and got["Y"]["seed_reason"] == "case CASE-000001 decided reported"
    )
    assert "Q" not in {r["seed"] for r in out["rows"]}
    # the case's decision changes later (a second reported case): only its reach is redone
    _add_case(path, "account", "Q", "reported")
    again = _json(["network", "exposure", "-w", str(path), "--json"])
    assert again["mode"] == "incremental" and again["changed_seeds"] == ["Q"]
    assert {r["account"] for r in again["rows"]} == {"A", "B", "C", "Y"}


def test_components_ranks_the_ring_around_the_seed_first(tmp_path):
    path = _workspace(tmp_path)
    _json(["network", "exposure", "-w", str(path), "--json"])
    out = _json(["network", "components", "-w", str(path), "--json"])["components"]
    first = out[0]
    assert first["rank"] == 1 and first["seeds"] == ["W-P"]
    assert first["accounts"] == ["A", "B", "Q", "W-P"] and first["alerts"] >= 2
    res = runner.invoke(app, ["network", "components", "-w", str(path)])
    assert res.exit_code == 0 and "ranked components" in res.output


def _cycle_workspace(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    pays = [("A", "B", 1000, 0), ("B", "C", 980, 5), ("C", "A", 960, 10), ("D", "E", 5, 1)]
    rows = [_txn(i, s, d, a, h) for i, (s, d, a, h) in enumerate(pays, 1)]
    ws.append("transactions", pa.Table.from_pylist(rows))
    ws.close()
    return tmp_path / "ws"


def test_motifs_lists_each_kind_with_accounts_and_payments(tmp_path):
    path = _cycle_workspace(tmp_path)
    out = _json(["network", "motifs", "-w", str(path), "--kind", "cycles", "--json"])
    (c,) = out["instances"]
    assert c["accounts"] == ["A", "B", "C"] and c["txn_ids"] == ["T1", "T2", "T3"]
    out = _json(["network", "motifs", "-w", str(path), "--kind", "structural_cycles", "--json"])
    assert [sorted(i["accounts"]) for i in out["instances"]] == [["A", "B", "C"]]
    out = _json(["network", "motifs", "-w", str(path), "--kind", "scatter_gather", "--json"])
    assert out["instances"] == []
    res = runner.invoke(app, ["network", "motifs", "-w", str(path), "--kind", "stars"])
    assert res.exit_code == 2 and "kind" in res.output


def test_show_prints_the_neighbourhood_and_writes_graphml_and_html(tmp_path):
    path = _workspace(tmp_path)
    ws = Workspace.open(path)
    evil = _txn(9, "<script>alert(1)</script>", "A", 1, 1)
    ws.append("transactions", pa.Table.from_pylist([evil]))
    ws.close()
    gml, page = tmp_path / "n.graphml", tmp_path / "n.html"
    args = ["network", "show", "B", "--hops", "2", "-w", str(path)]
    out = _json([*args, "--graphml", str(gml), "--html", str(page), "--json"])
    hops = {a["account"]: a["hops"] for a in out["accounts"]}
    assert hops == {"B": 0, "A": 1, "Q": 1, "W-P": 2, "<script>alert(1)</script>": 2}
    assert {p["txn_id"] for p in out["payments"]} == {"T1", "T2", "T3", "T9"}
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = etree.parse(str(gml)).getroot()
    assert len(root.findall(".//g:node", ns)) == 5 and len(root.findall(".//g:edge", ns)) == 4
    text = page.read_text(encoding="utf-8")
    assert "<svg" in text and "<script>" not in text and "&lt;script&gt;" in text
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    res = runner.invoke(app, args)
    assert res.exit_code == 0 and "T2" in res.output
    res = runner.invoke(app, ["network", "show", "NOBODY", "-w", str(path)])
    assert res.exit_code == 2 and "account" in res.output


def test_show_refuses_bad_hops(tmp_path):
    path = _workspace(tmp_path)
    res = runner.invoke(app, ["network", "show", "B", "--hops", "9", "-w", str(path)])
    assert res.exit_code == 2 and "hops" in res.output
    assert dt.datetime.now(dt.UTC) > T0


def test_show_attaches_the_neighbourhood_to_a_case(tmp_path):
    path = _workspace(tmp_path)
    _add_case(path, "account", "B", "in_review")
    args = ["network", "show", "B", "-w", str(path), "--case", "CASE-000001", "--json"]
    out = _json(args)
    assert out["attached"]["transactions_added"] == 3
    again = _json(args)
    assert again["attached"]["transactions_added"] == 0  # the same evidence is not added twice
    with Workspace.open(path) as ws, OperationalStore.for_workspace(ws) as store:
        ev = CaseService(store).evidence("CASE-000001")
    kinds = sorted(e.kind for e in ev)
    assert kinds == ["other", "transaction", "transaction", "transaction"]
    (doc,) = [e for e in ev if e.kind == "other"]
    assert doc.ref.startswith("network:B:2h:") and "4 accounts" in (doc.explanation or "")
    assert {a["account"] for a in doc.detail["accounts"]} == {"B", "A", "Q", "W-P"}


def test_a_reported_party_case_seeds_the_accounts_the_party_holds(tmp_path):
    path = _workspace(tmp_path)
    with Workspace.open(path) as ws:  # no payment names P9; the accounts table says Z is P9's
        ws.append("accounts", pa.Table.from_pylist([{"account_id": "Z", "party_id": "P9"}]))
    _add_case(path, "party", "P9", "reported")
    out = _json(["network", "exposure", "-w", str(path), "--json"])
    got = {r["account"]: r for r in out["rows"]}
    assert got["Y"]["seed"] == "Z" and got["C"]["seed"] == "Z"
    assert got["Y"]["seed_reason"] == "case CASE-000001 decided reported"
