"""`cftwatch network exposure` on a small workspace: seeds from screening alerts and a file,
the stored `exposure` table, alerts with a sentence, re-runs idempotent, bad input exit 2."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
from typer.testing import CliRunner

from cftwatch.cli import app
from cftwatch.workspace import Workspace

runner = CliRunner()
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _txn(i, src, dst, amount, hours, src_party=None):
    return {
        "txn_id": f"T{i}",
        "ts": T0 + dt.timedelta(hours=hours),
        "amount": Decimal(amount),
        "currency": "PKR",
        "channel": "wallet",
        "debtor_id": src_party,
        "debtor_account": src,
        "creditor_account": dst,
        "source_format": "test",
        "source_ref": f"test:{i}",
        "load_id": "L1",
    }


def _workspace(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    txns = [
        _txn(1, "W-P", "A", 1000, 0, src_party="P1"),  # P1 is screened: its wallet is a seed
        _txn(2, "A", "B", 900, 5),
        _txn(3, "Q", "B", 100, 6),
        _txn(4, "L", "C", 50, 7),  # L is listed in the seeds file
        _txn(5, "Z", "C", 150, 8),
        _txn(6, "Z", "Y", 10, 9),  # nobody's exposure: out of reach
    ]
    ws.append("transactions", pa.Table.from_pylist(txns))
    ws.append(
        "alerts",
        pa.Table.from_pylist(
            [
                {
                    "alert_id": "S1",
                    "run_id": "r",
                    "source": "screening",
                    "rule_id": "name",
                    "typology": "sanctions_match",
                    "subject_type": "party",
                    "subject_id": "P1",
                    "severity": "high",
                    "score": 0.97,
                    "explanation": "match",
                    "entity_id": "QDi.422",
                    "created_at": T0,
                }
            ]
        ),
    )
    ws.close()
    return tmp_path / "ws"


def test_exposure_command_stores_rows_and_alerts_with_a_sentence(tmp_path):
    path = _workspace(tmp_path)
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("account,reason\nL,internal watchlist\n", encoding="utf-8")
    args = ["network", "exposure", "-w", str(path), "--seeds", str(seeds), "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    got = {r["account"]: r for r in out["rows"]}
    assert out["seeds"] == 2 and set(got) == {"A", "B", "C"}
    assert got["A"]["exposure"] == 1.0 and got["B"]["exposure"] == 0.9
    assert got["B"]["path_txn_ids"] == ["T1", "T2"] and got["C"]["exposure"] == 0.25
    assert out["alerts"] == 2  # A and B; C is under --alert-at 0.5
    with Workspace.open(path, read_only=True) as ws:
        assert ws.scalar("SELECT count(*) FROM exposure") == 3
        (sentence,) = ws.query(
            "SELECT explanation FROM alerts WHERE source = 'network' AND subject_id = ?", ["B"]
        )[0:1]
    assert "90%" in sentence[0] and "QDi.422" in sentence[0] and "W-P -> A -> B" in sentence[0]
    again = json.loads(runner.invoke(app, args).output)
    assert again["alerts"] == 0  # the same findings are not raised twice
    with Workspace.open(path, read_only=True) as ws:
        # nothing changed: the second run is incremental and recomputes no account
        assert ws.query("SELECT mode, recomputed FROM exposure_runs ORDER BY computed_at") == [
            ("full", 3),
            ("incremental", 0),
        ]
        assert ws.scalar("SELECT count(*) FROM exposure WHERE superseded_at IS NULL") == 3


def test_bad_options_exit_2_with_a_clear_line(tmp_path):
    path = _workspace(tmp_path)
    res = runner.invoke(app, ["network", "exposure", "-w", str(path), "--window", "soon"])
    assert res.exit_code == 2 and "window" in res.output
    res = runner.invoke(app, ["network", "exposure", "-w", str(path), "--rule", "lifo"])
    assert res.exit_code == 2 and "rule" in res.output
    res = runner.invoke(app, ["network", "exposure", "-w", str(path), "--seeds", "/nope.csv"])
    assert res.exit_code == 2 and "seeds file" in res.output
