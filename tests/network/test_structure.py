"""Order-free motifs on hand-built graphs: cycles and scatter/gather in any order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cftwatch.network.structure import node_ranks, structural_cycles, windowed_scatter_gather
from tests.network.test_motifs import DAY


def _rings(eng, edges, lo=2, hi=10, window_d=7, max_paths=200):
    return eng.to_arrow(structural_cycles(edges, lo, hi, window_d * DAY, max_paths)).to_pylist()


def test_a_ring_paid_in_no_order_is_found_once_from_its_least_connected_member(graph):
    eng, load = graph
    # A -> B -> C -> A, paid last link first; B also pays D (so B has the highest degree)
    edges = load(("C", "A", 50, 0), ("B", "C", 70, 30), ("A", "B", 100, 60), ("B", "D", 1, 1))
    (c,) = _rings(eng, edges)
    assert c["start"] == "A" and c["members"] == ["A", "B", "C"] and c["hops"] == 3
    assert sorted(c["txn_ids"]) == ["E1", "E2", "E3"]
    assert c["amount"] == Decimal(220) and c["t_last"] - c["t_first"] == 60 * 3600


def test_rings_respect_window_and_length(graph):
    eng, load = graph
    ring = [(f"N{i}", f"N{(i + 1) % 10}", 100, 24 * i) for i in range(10)]  # 10 hops, 9 days
    edges = load(*ring)
    assert [c["hops"] for c in _rings(eng, edges, window_d=9)] == [10]
    assert _rings(eng, edges, window_d=8) == []
    assert _rings(eng, edges, hi=9, window_d=9) == []
    two = load(("A", "B", 100, 0), ("B", "A", 100, 5))
    assert [c["hops"] for c in _rings(eng, two)] == [2]
    assert _rings(eng, two, lo=3) == []


def test_several_payments_on_one_link_give_one_ring_with_the_tightest_legs(graph):
    eng, load = graph
    edges = load(("A", "B", 100, 0), ("A", "B", 100, 100), ("B", "A", 100, 101))
    (c,) = _rings(eng, edges)
    assert sorted(c["txn_ids"]) == ["E2", "E3"]


def test_the_per_anchor_bound_caps_partial_paths(graph):
    eng, load = graph
    # A -> B -> Mi -> Z -> A for 30 accounts Mi: 30 distinct 4-rings, all anchored on A
    legs = [("A", "B", 10, 0), ("Z", "A", 10, 80)]
    legs += [("B", f"M{i:02d}", 10, 1 + i) for i in range(30)]
    legs += [(f"M{i:02d}", "Z", 10, 40 + i) for i in range(30)]
    edges = load(*legs)
    rings = _rings(eng, edges)
    assert len(rings) == 30 and {r["start"] for r in rings} == {"A"}
    assert len(_rings(eng, edges, max_paths=5)) == 5


def test_node_ranks_order_by_degree_then_id(graph):
    eng, load = graph
    edges = load(("A", "B", 1, 0), ("C", "B", 1, 0), ("B", "D", 1, 0))
    rows = eng.to_arrow(node_ranks(edges)).to_pylist()
    order = [r["acct"] for r in sorted(rows, key=lambda r: r["rank"])]
    assert order == ["A", "C", "D", "B"]


@pytest.mark.parametrize("gather_first", [True, False])
def test_windowed_scatter_gather_ignores_the_order_of_the_legs(graph, gather_first):
    eng, load = graph
    legs = []
    for i in range(4):
        out, back = ("S", f"M{i}", 50, 10 + i), (f"M{i}", "T", 45, i)
        legs += [back, out] if gather_first else [out, back]
    edges = load(*legs)
    (g,) = eng.to_arrow(windowed_scatter_gather(edges, 5 * DAY, 4, 50)).to_pylist()
    assert (g["src"], g["dst"], g["intermediaries"]) == ("S", "T", 4)
    assert g["amount"] == Decimal(200) and g["gathered"] == Decimal(180)
    assert len(g["txn_ids"]) == 8
    assert eng.to_arrow(windowed_scatter_gather(edges, 5 * DAY, 5, 50)).num_rows == 0


def test_windowed_scatter_gather_does_not_relay_through_hubs(graph):
    eng, load = graph
    legs = [("S", f"M{i}", 50, i) for i in range(4)] + [(f"M{i}", "T", 45, i) for i in range(4)]
    legs += [("M0", f"X{j}", 1, 50) for j in range(10)]  # M0 has 12 counterparties
    edges = load(*legs)
    assert eng.to_arrow(windowed_scatter_gather(edges, 5 * DAY, 4, 50)).num_rows == 1
    assert eng.to_arrow(windowed_scatter_gather(edges, 5 * DAY, 4, 11)).num_rows == 0


def test_a_ring_of_unrelated_amounts_is_not_the_same_money_going_round(graph):
    eng, load = graph
    edges = load(("A", "B", 100, 0), ("B", "C", 110, 5), ("C", "A", 130, 10))
    ring = structural_cycles(edges, 2, 10, 7 * DAY, 200, max_spread=0.3)
    assert eng.to_arrow(ring).num_rows == 1
    ring = structural_cycles(edges, 2, 10, 7 * DAY, 200, max_spread=0.25)
    assert eng.to_arrow(ring).num_rows == 0


def test_a_hit_per_anchor_bound_is_logged_with_the_anchors_cut(graph, caplog):
    eng, load = graph
    legs = [("A", "B", 10, 0), ("Z", "A", 10, 80)]
    legs += [("B", f"M{i:02d}", 10, 1 + i) for i in range(30)]
    legs += [(f"M{i:02d}", "Z", 10, 40 + i) for i in range(30)]
    edges = load(*legs)
    with caplog.at_level("WARNING", logger="cftwatch.network"):
        assert len(_rings(eng, edges, max_paths=5)) == 5
    (msg,) = [r.getMessage() for r in caplog.records if "structural_cycles" in r.getMessage()]
    assert "bound of 5 partial paths per anchor" in msg and "per step: [0, 1, 0, 0]" in msg
    caplog.clear()
    with caplog.at_level("WARNING", logger="cftwatch.network"):
        assert len(_rings(eng, edges)) == 30  # 200 per anchor: nothing cut, nothing logged
    assert not [r for r in caplog.records if "structural_cycles" in r.getMessage()]
