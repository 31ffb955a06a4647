"""`cftwatch network features`: both Parquet files, their columns, seeds from a file and
from screening alerts, bad input exit 2."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from typer.testing import CliRunner

from cftwatch.cli import app
from tests.network.test_exposure_cli import _workspace

runner = CliRunner()


def test_features_command_writes_payment_and_account_rows(tmp_path):
    path = _workspace(tmp_path)
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("# ours\nL\n", encoding="utf-8")
    out = tmp_path / "out" / "features.parquet"
    args = ["network", "features", "-w", str(path), "-o", str(out), "--windows", "1d,7d"]
    res = runner.invoke(app, [*args, "--seeds", str(seeds), "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert info["transactions"] == 6 and info["seeds"] == 2 and info["windows"] == ["1d", "7d"]
    tx = pq.read_table(out).to_pylist()
    acc = {
        r["acct"]: r
        for r in pq.read_table(tmp_path / "out" / "features.accounts.parquet").to_pylist()
    }
    assert [r["txn_id"] for r in tx] == ["T1", "T2", "T3", "T4", "T5", "T6"]
    t2 = next(r for r in tx if r["txn_id"] == "T2")  # A pays B 5 h after W-P paid A
    assert t2["ttf_s"] == 5 * 3600 and t2["src_in_sum_1d"] == 1000.0 and t2["src_hops"] == 1
    assert t2["src_exposure_1d"] == 1.0 and "dst_fan_in_7d" in t2 and "src_cycles_1d" in t2
    assert acc["W-P"]["hops"] == 0 and acc["L"]["hops"] == 0  # screened party's wallet, listed
    assert acc["B"]["fan_in_7d"] == 2 and acc["B"]["exposure_7d"] == 0.9
    assert acc["Y"]["hops"] is None


def test_features_bad_input_exits_2(tmp_path):
    path = _workspace(tmp_path)
    out = tmp_path / "f.parquet"
    res = runner.invoke(
        app, ["network", "features", "-w", str(path), "-o", str(out), "--windows", "1w"]
    )
    assert res.exit_code == 2 and "window" in res.output and not out.exists()
    res = runner.invoke(
        app, ["network", "features", "-w", str(path), "-o", str(out), "--hops", "0"]
    )
    assert res.exit_code == 2 and "hops" in res.output
