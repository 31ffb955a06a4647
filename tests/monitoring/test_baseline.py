"""Baselines against the account's own history and its peer group, on both engines."""

from __future__ import annotations

import pyarrow as pa
import pytest

from cftwatch.monitoring.baseline import MAD_SCALE, unusual, with_own_history, with_peer_baseline


@pytest.fixture
def load(workspace, engine_name):
    eng = workspace.engine(engine_name)
    return eng, lambda rows: eng.register("baseline_rows", pa.Table.from_pylist(rows))


def test_own_history_uses_only_earlier_periods(load):
    eng, reg = load
    rows = [{"acct": "A", "day": d, "v": float(x)} for d, x in enumerate([10, 12, 8, 10, 50])]
    rows += [{"acct": "B", "day": 4, "v": 50.0}]
    t = with_own_history(reg(rows), ["acct"], "day", "v", periods=3)
    out = {(r["acct"], r["day"]): r for r in eng.to_arrow(t).to_pylist()}
    last = out[("A", 4)]  # previous three days: 8, 10, 12 -> mean 10, sd 2
    assert last["own_n"] == 3 and last["own_mean"] == pytest.approx(10)
    assert last["own_sd"] == pytest.approx(2) and last["own_z"] == pytest.approx(20)
    assert out[("A", 0)]["own_n"] == 0 and out[("A", 0)]["own_z"] is None
    assert out[("B", 4)]["own_n"] == 0  # another account's history is not its own


def test_peer_baseline_is_robust_to_a_few_extremes(load):
    eng, reg = load
    values = [10, 11, 9, 10, 12, 8, 10, 1000]
    rows = [{"acct": f"W{i}", "kind": "wallet", "v": float(v)} for i, v in enumerate(values)]
    rows += [{"acct": "BIZ", "kind": "business", "v": 1000.0}]
    rows += [{"acct": "BIZ2", "kind": "business", "v": 1000.0}]
    t = with_peer_baseline(reg(rows), ["kind"], "v")
    out = {r["acct"]: r for r in eng.to_arrow(t).to_pylist()}
    w = out["W7"]
    assert w["peer_median"] == pytest.approx(10, abs=1) and w["peer_n"] == 8
    assert w["peer_z"] > 100  # the outlier did not inflate its own yardstick
    assert abs(out["W0"]["peer_z"]) < 1
    assert out["BIZ"]["peer_z"] is None  # no spread among its peers: not judged
    assert pytest.approx(1.4826) == MAD_SCALE


def test_unusual_needs_both_bounds(load):
    eng, reg = load
    rows = [
        {"acct": "A", "own_z": 5.0, "peer_z": 5.0},
        {"acct": "B", "own_z": 5.0, "peer_z": 1.0},
        {"acct": "C", "own_z": None, "peer_z": 4.0},
    ]
    t = reg(rows)
    got = eng.to_arrow(t.filter(unusual(t, 3, 3))).column("acct").to_pylist()
    assert sorted(got) == ["A", "C"]
    assert eng.to_arrow(t.filter(unusual(t, None, None))).num_rows == 3
