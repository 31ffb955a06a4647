"""Graph features on hand-built payment graphs: the values, no leakage from later payments,
the same rows on DuckDB and Spark."""

from __future__ import annotations

import math
import random

import pyarrow as pa
import pytest

from cftwatch.errors import InputError
from cftwatch.network.features import (
    account_features,
    feature_names,
    feature_stream,
    parse_windows,
    transaction_features,
)
from tests.network.test_motifs import edges_table

WINDOWS = parse_windows("1d,7d")

# S is the seed. A -> B -> C -> A is a cycle (hours 5..20); A scatters to M1..M3 at hour 31,
# which all pass it on to Z (hours 32..34): a scatter-gather completed at hour 34.
PAYMENTS = (
    ("S", "A", 100, 0),  # E1
    ("A", "B", 90, 5),  # E2
    ("B", "C", 85, 10),  # E3
    ("C", "A", 80, 20),  # E4
    ("X", "A", 50, 30),  # E5
    ("A", "M1", 40, 31),  # E6
    ("A", "M2", 40, 31),  # E7
    ("A", "M3", 40, 31),  # E8
    ("M1", "Z", 39, 32),  # E9
    ("M2", "Z", 39, 33),  # E10
    ("M3", "Z", 39, 34),  # E11
    ("Z", "A", 30, 40),  # E12
)


def _features(eng, edges, seeds=("S",)):
    s = eng.register("feat_seeds", pa.table({"account": list(seeds)}))
    st = feature_stream(edges, WINDOWS, s, hops=3)
    tx = eng.to_arrow(transaction_features(st, edges, WINDOWS)).to_pylist()
    acc = eng.to_arrow(account_features(st, WINDOWS)).to_pylist()
    return {r["txn_id"]: r for r in tx}, {r["acct"]: r for r in acc}


def test_payment_features_count_only_earlier_payments(graph):
    eng, load = graph
    tx, _ = _features(eng, load(*PAYMENTS))
    e6, e7 = tx["E6"], tx["E7"]
    # A before hour 31: paid 100 + 80 + 50 in from S, C, X; paid 90 out to B (26 h earlier)
    assert e6["src_in_n_7d"] == 3 and e6["src_in_sum_7d"] == pytest.approx(230.0)
    assert e6["src_in_max_7d"] == pytest.approx(100.0) and e6["src_fan_in_7d"] == 3
    assert e6["src_in_var_7d"] == pytest.approx(statistics_var([100.0, 80.0, 50.0]))
    assert e6["src_out_n_1d"] == 0 and e6["src_out_n_7d"] == 1 and e6["src_degree_7d"] == 4
    assert e6["ttf_s"] == 3600  # A was last paid (by X) one hour before
    assert e7["src_out_n_7d"] == 1  # E6 has the same timestamp: not "before"
    assert e6["src_cycles_7d"] == 1 and tx["E5"]["dst_cycles_7d"] == 1  # after E4 closed it
    assert tx["E4"]["dst_cycles_7d"] == 0  # the closing payment itself does not see it
    assert tx["E12"]["src_sg_7d"] == 1 and tx["E11"]["dst_sg_7d"] == 0  # completed by E11
    assert tx["E1"]["src_hops"] == 0 and tx["E2"]["src_hops"] == 1
    assert tx["E3"]["src_hops"] == 2 and tx["E2"]["dst_hops"] is None  # B reached by E2
    assert tx["E5"]["dst_exposure_7d"] == pytest.approx(100 / 180)  # S's 100, C's 80 (4 hops)
    assert tx["E1"]["src_in_mean_1d"] is None and tx["E1"]["ttf_s"] is None


def statistics_var(xs):
    m = sum(xs) / len(xs)
    return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def test_account_rows_cover_the_windows_up_to_the_latest_payment(graph):
    eng, load = graph
    _, acc = _features(eng, load(*PAYMENTS))
    a, z = acc["A"], acc["Z"]
    assert a["in_n_7d"] == 4 and a["out_n_7d"] == 4 and a["fan_out_7d"] == 4
    assert a["in_n_1d"] == 3  # hours 20, 30 and 40 (the latest) are within a day; 0 is not
    assert z["fan_in_7d"] == 3 and z["out_n_7d"] == 1 and z["sg_7d"] == 1
    assert acc["S"]["hops"] == 0 and acc["M1"]["hops"] == 2 and acc["X"]["hops"] is None
    assert set(acc) == {"S", "A", "B", "C", "X", "M1", "M2", "M3", "Z"}


def _random_payments(n, seed):
    rng = random.Random(seed)
    accts = [f"N{i}" for i in range(12)] + ["S"]
    out, hours = [], 0.0
    for _ in range(n):
        hours += rng.choice([0, 0.5, 1, 3, 7])  # ties included
        a, b = rng.sample(accts, 2)
        out.append((a, b, round(rng.uniform(10, 200), 2), hours))
    return out


def _rows_equal(a, b):
    assert a.keys() == b.keys()
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, float) and isinstance(y, float):
            assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9) or (
                math.isnan(x) and math.isnan(y)
            ), k
        else:
            assert x == y, k


def test_a_later_payment_changes_no_earlier_row(workspace):
    eng = workspace.engine("duckdb")
    base = [("N0", "N1", 100.0, -2.0), ("N1", "N2", 95.0, -1.5), *_random_payments(80, 3)]
    last_h = base[-1][3]
    later = [("N2", "N0", 90.0, last_h + 0.5)]  # closes the cycle N0 -> N1 -> N2 -> N0
    later += [("N1", "N2", 150.0, last_h + 1), ("N2", "N1", 149.0, last_h + 2)]
    later += [("S", f"N{i}", 60.0, last_h + 1) for i in range(3, 7)]
    before, _ = _features(eng, eng.register("e_before", edges_table(*base)))
    after, _ = _features(eng, eng.register("e_after", edges_table(*base, *later)))
    assert len(after) == len(before) + len(later)
    for txn_id, row in before.items():
        _rows_equal(row, after[txn_id])
    assert after[f"E{len(base) + 3}"]["src_in_n_1d"] >= 1  # the new rows do see the past


def test_windows_parse_and_bad_ones_are_refused():
    assert parse_windows("1d, 7d,12h") == [("1d", 86_400), ("7d", 604_800), ("12h", 43_200)]
    for bad in ("", "7", "0d", "soon", "1w"):
        with pytest.raises(InputError):
            parse_windows(bad)
    names = feature_names(WINDOWS)
    assert "fan_in_1d" in names and "exposure_7d" in names and names[-1] == "hops"


@pytest.mark.spark
def test_duckdb_and_spark_give_the_same_rows(workspace):
    payments = _random_payments(60, 5)
    res = {}
    for name in ("duckdb", "spark"):
        eng = workspace.engine(name)
        res[name] = _features(eng, eng.register("feat_parity", edges_table(*payments)))
    for part in (0, 1):
        d, s = res["duckdb"][part], res["spark"][part]
        assert d.keys() == s.keys()
        for k in d:
            _rows_equal(d[k], s[k])


def test_distinct_counterparties_match_a_brute_force_count(workspace):
    eng = workspace.engine("duckdb")
    payments = _random_payments(150, 11)
    tx, _ = _features(eng, eng.register("e_brute", edges_table(*payments)))
    events = []  # (account, counterparty, direction, hours)
    for src, dst, _, h in payments:
        events += [(src, dst, "out", h), (dst, src, "in", h)]
    for i, (src, _, _, h) in enumerate(payments, 1):
        row = tx[f"E{i}"]
        for label, hours in (("1d", 24), ("7d", 168)):
            prior = [e for e in events if e[0] == src and h - hours <= e[3] < h]
            assert row[f"src_fan_out_{label}"] == len({e[1] for e in prior if e[2] == "out"})
            assert row[f"src_fan_in_{label}"] == len({e[1] for e in prior if e[2] == "in"})
            assert row[f"src_degree_{label}"] == len({e[1] for e in prior})


def test_window_amounts_match_a_brute_force_over_earlier_payments(workspace):
    """Counts, sums, maxima and variances of each window, recomputed per payment from the
    payments strictly before it (ties excluded): the running-sum arithmetic is exact."""
    eng = workspace.engine("duckdb")
    payments = _random_payments(150, 17)
    tx, _ = _features(eng, eng.register("e_brute_amt", edges_table(*payments)))
    for i, (src, _, _, h) in enumerate(payments, 1):
        row = tx[f"E{i}"]
        for label, hours in (("1d", 24), ("7d", 168)):
            outs = [a for s, _, a, t in payments if s == src and h - hours <= t < h]
            ins = [a for _, d, a, t in payments if d == src and h - hours <= t < h]
            for side, xs in (("out", outs), ("in", ins)):
                assert row[f"src_{side}_n_{label}"] == len(xs)
                assert row[f"src_{side}_sum_{label}"] == pytest.approx(sum(xs))
                assert row[f"src_{side}_max_{label}"] == (max(xs) if xs else None)
                var = row[f"src_{side}_var_{label}"]
                if len(xs) > 1:
                    assert var == pytest.approx(statistics_var(xs), rel=1e-6, abs=1e-6)
                else:
                    assert var is None


def test_packed_and_unpacked_running_sums_give_the_same_rows(workspace, monkeypatch):
    """Two counts share one float64 running sum when every count is below 2**26; the
    unpacked fallback (for busier accounts) gives the same rows."""
    import cftwatch.network.features as F

    eng = workspace.engine("duckdb")
    payments = _random_payments(100, 23)
    packed, packed_acc = _features(eng, eng.register("e_pk", edges_table(*payments)))
    orig = F._packs
    monkeypatch.setattr(F, "_packs", lambda windows, packed: orig(windows, False))
    plain, plain_acc = _features(eng, eng.register("e_unpk", edges_table(*payments)))
    assert packed.keys() == plain.keys() and packed_acc.keys() == plain_acc.keys()
    for k in packed:
        _rows_equal(packed[k], plain[k])
    for k in packed_acc:
        _rows_equal(packed_acc[k], plain_acc[k])
