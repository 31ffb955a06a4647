"""A seed change updates exposure incrementally: only the accounts the changed seeds can
reach are recomputed and superseded, and the current rows equal a full recompute."""

from __future__ import annotations

import pyarrow as pa
import pytest

from cftwatch.network.exposure_run import ExposureParams, run_exposure
from tests.network.test_exposure_cli import _txn

PAYMENTS = (
    ("S", "A", 100, 0),
    ("X", "A", 50, 1),
    ("A", "B", 120, 2),
    ("B", "C", 60, 3),
    ("K", "B", 40, 3.5),
    ("B", "D", 70, 4),
    ("C", "E", 30, 5),
    ("R", "F", 10, 1),  # R becomes a seed later: F and G change, nothing else
    ("F", "G", 10, 2),
    ("G", "A", 5, 6),  # ... and A after the fact: G->A is after A paid on, so A's exposure moves
)
KEEP = ("account", "hops", "seed", "seed_reason", "path", "path_txn_ids", "inflow")


def _ws(workspace):
    rows = [_txn(i, s, d, a, h) for i, (s, d, a, h) in enumerate(PAYMENTS, 1)]
    workspace.append("transactions", pa.Table.from_pylist(rows))
    return workspace


def _seeds(tmp_path, *accounts):
    f = tmp_path / "seeds.txt"  # one file, rewritten: its accounts' reason stays the same
    f.write_text("\n".join(accounts) + "\n", encoding="utf-8")
    return f


def _view(rows):
    out = {}
    for r in rows:
        out[r["account"]] = {k: r[k] for k in KEEP} | {
            "exposed_inflow": pytest.approx(r["exposed_inflow"]),
            "exposure": pytest.approx(r["exposure"]),
        }
    return out


def _stored(ws):
    return ws.query_dicts("SELECT * FROM exposure WHERE superseded_at IS NULL")


@pytest.mark.parametrize("rule", ["fifo", "haircut"])
def test_incremental_equals_full_after_each_seed_change(workspace, tmp_path, rule):
    ws = _ws(workspace)
    p = ExposureParams(hops=3, rule=rule)
    first = run_exposure(ws, p, _seeds(tmp_path, "S"))
    assert first["mode"] == "full" and first["recomputed"] == len(first["rows"]) > 0
    steps = [
        (("S", "R"), None, {"R", "F", "G", "A", "B", "C", "D", "E"}),  # a new seed
        (
            ("S", "R"),
            [{"account": "B", "seed_reason": "case CASE-000001 decided reported"}],
            None,
        ),
        (
            ("R",),
            [{"account": "B", "seed_reason": "case CASE-000001 decided reported"}],
            None,
        ),
    ]
    for accounts, extra, expect_changed in steps:
        inc = run_exposure(ws, p, _seeds(tmp_path, *accounts), extra_seeds=extra)
        full = run_exposure(
            ws, p, _seeds(tmp_path, *accounts), extra_seeds=extra, full=True, record=False
        )
        assert inc["mode"] == "incremental"
        assert _view(inc["rows"]) == _view(full["rows"])
        assert _view(_stored(ws)) == _view(full["rows"])
        if expect_changed is not None:
            assert inc["changed_seeds"] == ["R"]
            assert inc["recomputed"] <= len(expect_changed)
    # nothing was deleted: every run's rows are still there, the older ones superseded
    runs = ws.query("SELECT run_id, recomputed FROM exposure_runs ORDER BY computed_at")
    assert len(runs) == 4
    assert ws.scalar("SELECT count(*) FROM exposure") == sum(n for _, n in runs)


def test_an_unchanged_seed_set_recomputes_nothing_and_other_settings_recompute_all(
    workspace, tmp_path
):
    ws = _ws(workspace)
    seeds = _seeds(tmp_path, "S")
    n = len(run_exposure(ws, ExposureParams(), seeds)["rows"])
    again = run_exposure(ws, ExposureParams(), seeds)
    assert (again["mode"], again["recomputed"], len(again["rows"])) == ("incremental", 0, n)
    other = run_exposure(ws, ExposureParams(hops=2), seeds)
    assert other["mode"] == "full"
    assert ws.scalar("SELECT count(*) FROM exposure WHERE superseded_at IS NULL") == len(
        other["rows"]
    )


def test_reach_of_a_new_seed_bounds_what_is_recomputed(workspace, tmp_path):
    ws = _ws(workspace)
    run_exposure(ws, ExposureParams(hops=3), _seeds(tmp_path, "S"))
    inc = run_exposure(ws, ExposureParams(hops=3), _seeds(tmp_path, "S", "K"))
    # K reaches B, C, D, E downstream; A, S and X are out of its reach and are not touched
    assert inc["changed_seeds"] == ["K"]
    recomputed = ws.query_dicts("SELECT account FROM exposure WHERE run_id = ?", [inc["run_id"]])
    assert {r["account"] for r in recomputed} <= {"K", "B", "C", "D", "E"}
    assert inc["recomputed"] > 0
