"""Motifs on hand-built payment graphs: what each function finds and what it leaves out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa

from cftwatch.network import EDGE_COLUMNS, gather_scatter, scatter_gather, short_cycles

T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
HOUR = 3600
DAY = 86_400


def edges_table(*payments: tuple[str, str, float, float]) -> pa.Table:
    """(src, dst, amount, hours after T0) -> an edges table; ids are E1, E2, ..."""
    rows = []
    for i, (src, dst, amount, hours) in enumerate(payments, 1):
        ts = T0 + dt.timedelta(hours=hours)
        rows.append(
            {
                "txn_id": f"E{i}",
                "ts": ts,
                "ts_s": int(ts.timestamp()),
                "amount": Decimal(str(amount)),
                "amt": float(amount),
                "currency": "PKR",
                "src": src,
                "dst": dst,
            }
        )
    schema = pa.schema(
        [
            ("txn_id", pa.string()),
            ("ts", pa.timestamp("us", tz="UTC")),
            ("ts_s", pa.int64()),
            ("amount", pa.decimal128(24, 8)),
            ("amt", pa.float64()),
            ("currency", pa.string()),
            ("src", pa.string()),
            ("dst", pa.string()),
        ]
    )
    assert tuple(schema.names) == EDGE_COLUMNS
    return pa.Table.from_pylist(rows, schema=schema)


def _cycles(eng, edges, max_hops=4, hop_h=48, window_d=7, fee=0.05):
    return eng.to_arrow(short_cycles(edges, max_hops, hop_h * HOUR, window_d * DAY, fee))


def test_a_three_hop_cycle_is_found_once_from_its_first_payment(graph):
    eng, load = graph
    edges = load(("A", "B", 100_000, 0), ("B", "C", 98_000, 5), ("C", "A", 93_200, 10))
    (c,) = _cycles(eng, edges).to_pylist()
    assert c["start"] == "A" and c["members"] == ["A", "B", "C"] and c["hops"] == 3
    assert c["txn_ids"] == ["E1", "E2", "E3"]
    assert c["amount"] == Decimal(100_000) and c["returned"] == Decimal("93200")
    assert c["t_last"] - c["t_first"] == 10 * HOUR


def test_cycles_respect_time_fee_and_length(graph):
    eng, load = graph
    # the way back leaves before the money arrived: not a time-respecting cycle
    assert _cycles(eng, load(("A", "B", 100_000, 5), ("B", "A", 99_000, 1))).num_rows == 0
    # B keeps 10% > max_fee
    assert _cycles(eng, load(("A", "B", 100_000, 0), ("B", "A", 90_000, 1))).num_rows == 0
    # the return hop waits longer than max_hop_hours
    assert _cycles(eng, load(("A", "B", 100_000, 0), ("B", "A", 99_000, 49))).num_rows == 0
    four = load(("A", "B", 100, 0), ("B", "C", 100, 1), ("C", "D", 100, 2), ("D", "A", 100, 3))
    assert _cycles(eng, four, max_hops=3).num_rows == 0
    assert _cycles(eng, four, max_hops=4).num_rows == 1


def test_scatter_gather_needs_enough_distinct_intermediaries(graph):
    eng, load = graph
    legs = []
    for i in range(4):
        legs += [("S", f"M{i}", 50_000, i), (f"M{i}", "T", 45_000, 20 + i)]
    edges = load(*legs)
    (g,) = eng.to_arrow(scatter_gather(edges, 5 * DAY, 0.8, 4)).to_pylist()
    assert (g["src"], g["dst"], g["intermediaries"]) == ("S", "T", 4)
    assert g["amount"] == Decimal(200_000) and g["gathered"] == Decimal(180_000)
    assert sorted(g["txn_ids"]) == sorted(f"E{i}" for i in range(1, 9))
    assert eng.to_arrow(scatter_gather(edges, 5 * DAY, 0.8, 5)).num_rows == 0
    # forwarding less than min_forward_share is not relaying
    assert eng.to_arrow(scatter_gather(edges, 5 * DAY, 0.95, 4)).num_rows == 0


def test_gather_scatter_collects_then_pays_out(graph):
    eng, load = graph
    ins = [(f"S{i}", "H", 20_000, i) for i in range(6)]
    outs = [("H", f"R{i}", 19_000, 10 + i) for i in range(5)]
    edges = load(*ins, *outs)
    (h,) = eng.to_arrow(gather_scatter(edges, edges, 5 * DAY, 6)).to_pylist()
    assert h["hub"] == "H" and (h["senders"], h["receivers"], h["in_payments"]) == (6, 5, 6)
    assert h["amount"] == Decimal(120_000) and h["paid_out"] == Decimal(95_000)
    assert len(h["txn_ids"]) == 11
    assert eng.to_arrow(gather_scatter(edges, edges, 5 * DAY, 7)).num_rows == 0
