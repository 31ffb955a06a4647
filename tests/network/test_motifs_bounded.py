"""The bounded time-respecting cycle search against a brute-force enumeration, and its cap.

`short_cycles` joins half-length paths and tries at most `max_next` onward payments per
path and amount band; below that cap it must find exactly the cycles a plain enumeration
of every payment sequence finds, and where the cap cuts the search it must say so."""

from __future__ import annotations

import logging
import random

import pytest

from cftwatch.network import short_cycles
from tests.network.test_motifs import HOUR

DAY = 86_400


def brute_force(rows, max_hops, max_hop_s, window_s, max_fee, same_ts=False):
    """Every time-respecting cycle, by depth-first search from each payment (the
    definition in `short_cycles`' docstring, written independently)."""
    keep = 1 - max_fee
    pays = [(f"E{i}", s, d, amt, int(h * HOUR)) for i, (s, d, amt, h) in enumerate(rows, 1)]
    by_src: dict[str, list] = {}
    for p in pays:
        by_src.setdefault(p[1], []).append(p)
    found = set()

    def walk(path):
        first, last = path[0], path[-1]
        for q in by_src.get(last[2], []):
            later = q[4] >= last[4] if same_ts else q[4] > last[4]
            if q is last or not later or q[4] > last[4] + max_hop_s:
                continue
            if q[4] > first[4] + window_s or not keep * last[3] <= q[3] <= last[3]:
                continue
            members = [p[1] for p in path]
            if q[2] == first[1] and len(path) + 1 >= 2:
                cyc = [*path, q]
                same_instant = all(p[4] == first[4] for p in cyc)
                ids = [p[0] for p in cyc]  # ids compare as strings, like the column
                if not (same_ts and same_instant and ids[0] != min(ids)):
                    found.add((first[1], tuple(p[1] for p in cyc), tuple(p[0] for p in cyc)))
            elif q[2] not in members and q[2] != q[1] and len(path) + 1 < max_hops:
                walk([*path, q])

    for p in pays:
        if p[1] != p[2]:
            walk([p])
    return found


def random_payments(seed: int, n_acc: int, n: int) -> list[tuple[str, str, float, float]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        s, d = rng.sample(range(n_acc), 2)
        rows.append(
            (f"A{s}", f"A{d}", float(rng.choice([100, 97, 95, 92, 90, 85])), rng.randrange(0, 200))
        )
    return rows


def _found(eng, edges, *args, **kw):
    t = eng.to_arrow(short_cycles(edges, *args, **kw)).to_pylist()
    return {(c["start"], tuple(c["members"]), tuple(c["txn_ids"])) for c in t}


@pytest.mark.parametrize(("seed", "same_ts"), [(1, False), (2, False), (3, True)])
def test_bounded_search_matches_brute_force_below_the_cap(graph, seed, same_ts, caplog):
    eng, load = graph
    rows = random_payments(seed, 8, 120)
    if same_ts:  # date-only data: whole days, many equal timestamps
        rows = [(s, d, a, 24 * (h // 40)) for s, d, a, h in rows]
    edges = load(*rows)
    for max_hops in (2, 3, 4, 5):
        want = brute_force(rows, max_hops, 48 * HOUR, 5 * DAY, 0.1, same_ts)
        with caplog.at_level(logging.WARNING, "cftwatch.network"):
            got = _found(eng, edges, max_hops, 48 * HOUR, 5 * DAY, 0.1, same_ts, max_next=1000)
        assert got == want and len(want) > 0, max_hops
    assert "short_cycles" not in caplog.text  # nothing was cut


def test_a_capped_search_is_reported_and_keeps_the_earliest_continuations(graph, caplog):
    eng, load = graph
    # A pays hub H; H passes 5 payments on (hours 1..5), each to an account that pays A back
    rows = [("A", "H", 100.0, 0)]
    for i in range(5):
        rows += [("H", f"B{i}", 99.0, 1 + i), (f"B{i}", "A", 98.0, 10 + i)]
    edges = load(*rows)
    with caplog.at_level(logging.WARNING, "cftwatch.network"):
        full = _found(eng, edges, 3, 48 * HOUR, 5 * DAY, 0.1)
    assert len(full) == 5 and "short_cycles" not in caplog.text
    with caplog.at_level(logging.WARNING, "cftwatch.network"):
        capped = _found(eng, edges, 3, 48 * HOUR, 5 * DAY, 0.1, max_next=2)
    assert {c[1] for c in capped} == {("A", "H", "B0"), ("A", "H", "B1")}  # the 2 earliest
    assert "short_cycles: 1 partial paths had more than 2 onward payments" in caplog.text


def test_only_onward_payments_within_the_hop_bounds_count_towards_the_cap(graph, caplog):
    eng, load = graph
    # H passes 3 payments on within the hop (hours 1..3) and 2 later ones (hours 60, 61)
    rows = [("A", "H", 100.0, 0)]
    for i, h in enumerate((1, 2, 3, 60, 61)):
        rows += [("H", f"B{i}", 99.0, h), (f"B{i}", "A", 98.0, h + 2)]
    edges = load(*rows)
    with caplog.at_level(logging.WARNING, "cftwatch.network"):
        got = _found(eng, edges, 3, 48 * HOUR, 5 * DAY, 0.1, max_next=3)
    assert {c[1] for c in got} == {("A", "H", f"B{i}") for i in range(3)}
    assert "short_cycles" not in caplog.text  # the later two are out of bounds, not cut
    with caplog.at_level(logging.WARNING, "cftwatch.network"):
        got = _found(eng, edges, 3, 48 * HOUR, 2 * HOUR, 0.1, max_next=1)
    assert {c[1] for c in got} == set()  # the window (2 h) closes before B0 pays A back
    assert "short_cycles: 1 partial paths had more than 1 onward payments" in caplog.text
