"""Reachability and components on hand-built graphs, on DuckDB and Spark from one
parametrised definition (`engine_name`)."""

from __future__ import annotations

import pyarrow as pa

from cftwatch.network.components import components, label_components, reach
from tests.network.test_motifs import edges_table

# Two risky rings joined to quiet accounts; Q-P is a separate quiet pair.
PAYMENTS = (
    ("S", "A", 100, 0),  # E1  S is a seed
    ("A", "B", 90, 1),  # E2
    ("B", "C", 80, 2),  # E3  C is quiet but paid by B (risky edge? B is exposed)
    ("C", "D", 70, 3),  # E4  neither C nor D risky: not a risky edge
    ("X", "Y", 30, 0),  # E5  Y has an alert
    ("Y", "Z", 20, 1),  # E6
    ("P", "Q", 10, 0),  # E7  quiet
    ("D", "Y", 5, 4),  # E8  touches Y: joins D to Y's component, not to S's
)


def _tables(eng):
    edges = eng.register("cc_edges", edges_table(*PAYMENTS))
    reg = eng.register
    risky = reg(
        "cc_risky",
        pa.table({"account": ["S", "A", "B", "Y"], "exposure": [None, 1.0, 0.9, None]}),
    )
    seeds = reg("cc_seeds", pa.table({"account": ["S"]}))
    alerts = reg("cc_alerts", pa.table({"account": ["Y"], "n_alerts": pa.array([2], pa.int64())}))
    countries = reg(
        "cc_countries",
        pa.table({"account": ["S", "A", "Y", "Z"], "country": ["AF", "PK", "PK", None]}),
    )
    return edges, risky, seeds, alerts, countries


def test_reach_counts_fewest_hops_in_each_direction(workspace, engine_name):
    eng = workspace.engine(engine_name)
    edges = eng.register("r_edges", edges_table(*PAYMENTS))
    start = eng.register("r_start", pa.table({"account": ["B"]}))

    def got(hops, direction):
        rows = eng.to_arrow(reach(edges, start, hops, direction)).to_pylist()
        return {r["account"]: r["hops"] for r in rows}

    assert got(2, "out") == {"B": 0, "C": 1, "D": 2}
    assert got(2, "in") == {"B": 0, "A": 1, "S": 2}
    assert got(1, "both") == {"B": 0, "A": 1, "C": 1}


def test_label_propagation_finds_every_component(workspace, engine_name):
    eng = workspace.engine(engine_name)
    # a long chain needs several rounds: labels must travel the whole way
    chain = tuple((f"N{i}", f"N{i + 1}", 1, i) for i in range(9, 0, -1))
    edges = eng.register("lp_edges", edges_table(*chain, ("M", "L", 1, 0)))
    labels = label_components(eng, edges.select(a=edges.src, b=edges.dst)).to_pylist()
    got = {r["account"]: r["component"] for r in labels}
    assert got == {**{f"N{i}": "N1" for i in range(1, 11)}, "M": "L", "L": "L"}


def test_components_of_risky_edges_with_aggregated_risk(workspace, engine_name):
    eng = workspace.engine(engine_name)
    rows = components(eng, *_tables(eng)).to_pylist()
    assert [r["accounts"] for r in rows] == [["A", "B", "C", "S"], ["D", "X", "Y", "Z"]]
    first, second = rows
    assert (first["rank"], first["seeds"], first["n_seeds"], first["alerts"]) == (1, ["S"], 1, 0)
    assert first["payments"] == 3 and first["flow"] == 270.0
    assert first["countries"] == ["AF", "PK"] and first["max_exposure"] == 1.0
    assert (second["rank"], second["n_seeds"], second["alerts"]) == (2, 0, 2)
    assert second["payments"] == 3 and second["flow"] == 55.0 and second["countries"] == ["PK"]
    assert second["component"] == "D" and second["size"] == 4
