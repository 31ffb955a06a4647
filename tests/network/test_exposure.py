"""Exposure on hand-built payment graphs: distances, paths and carried value under FIFO and
haircut, on DuckDB and Spark from one parametrised definition (`engine_name`)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from cftwatch.network.exposure import exposure, listed_seeds
from tests.network.test_motifs import edges_table

# X pays A before the seed S does; A then pays B twice; B->C happens before B got anything.
PAYMENTS = (
    ("X", "A", 100, 0),  # E1
    ("S", "A", 100, 1),  # E2
    ("A", "B", 60, 2),  # E3
    ("A", "B", 80, 3),  # E4
    ("B", "C", 10, 0.5),  # E5
)
SEEDS = pa.Table.from_pylist(listed_seeds(["S"], "listed by the institution"))


def _run(workspace, engine_name, payments=PAYMENTS, **kw):
    eng = workspace.engine(engine_name)
    edges = eng.register("exp_edges", edges_table(*payments))
    seeds = eng.register("exp_seeds", SEEDS)
    rows = eng.to_arrow(exposure(edges, seeds, **kw)).to_pylist()
    return {r["account"]: r for r in rows}


@pytest.mark.parametrize(
    ("rule", "discount", "b_exposed"),
    [("fifo", 1.0, 40.0), ("haircut", 1.0, 70.0), ("fifo", 0.5, 20.0), ("haircut", 0.5, 35.0)],
)
def test_carried_value_follows_the_allocation_rule(
    workspace, engine_name, rule, discount, b_exposed
):
    got = _run(workspace, engine_name, rule=rule, discount=discount)
    assert set(got) == {"A", "B"}  # C only paid out before B received: not reachable
    a, b = got["A"], got["B"]
    assert a["inflow"] == pytest.approx(200.0) and a["exposed_inflow"] == pytest.approx(100.0)
    assert a["exposure"] == pytest.approx(0.5)
    assert b["inflow"] == pytest.approx(140.0)
    assert b["exposed_inflow"] == pytest.approx(b_exposed)
    assert b["exposure"] == pytest.approx(b_exposed / 140.0)


def test_distance_seed_and_one_shortest_time_respecting_path(workspace, engine_name):
    got = _run(workspace, engine_name)
    a, b = got["A"], got["B"]
    assert (a["hops"], a["seed"], a["path"], a["path_txn_ids"]) == (1, "S", ["S", "A"], ["E2"])
    assert (b["hops"], b["seed"]) == (2, "S")
    assert b["path"] == ["S", "A", "B"] and b["path_txn_ids"] == ["E2", "E3"]
    assert b["seed_reason"] == "listed by the institution"


def test_hops_bound_what_is_reached(workspace, engine_name):
    got = _run(workspace, engine_name, hops=1)
    assert set(got) == {"A"}


def test_fifo_spends_older_money_first(workspace, engine_name):
    # The seed's money arrives first: A's first outflow is all seed money under FIFO,
    # half under haircut.
    pays = (("S", "A", 100, 0), ("X", "A", 100, 1), ("A", "B", 100, 2))
    fifo = _run(workspace, engine_name, payments=pays)["B"]
    hair = _run(workspace, engine_name, payments=pays, rule="haircut")["B"]
    assert fifo["exposure"] == pytest.approx(1.0)
    assert hair["exposure"] == pytest.approx(0.5)


def test_the_nearer_path_wins_over_the_earlier_one(workspace, engine_name):
    pays = (("S", "M", 10, 0), ("M", "D", 10, 1), ("S", "D", 5, 2))
    d = _run(workspace, engine_name, payments=pays)["D"]
    assert d["hops"] == 1 and d["path_txn_ids"] == ["E3"]
    assert d["exposure"] == pytest.approx(1.0)
