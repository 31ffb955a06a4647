"""The metric functions of benchmarks/network_quality.py, on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.network_quality import (
    Instance,
    best_threshold,
    f1_at,
    matches,
    motif_scores,
    reach_order,
    seed_split,
    top_share,
    training_rows,
)


def test_matches_needs_two_shared_and_half_of_the_reported() -> None:
    inst = {"a", "b", "c", "d"}
    assert matches({"a", "b"}, inst)
    assert matches({"a", "b", "x", "y"}, inst)  # 2 of 4 reported are the instance's
    assert not matches({"a", "b", "x", "y", "z"}, inst)  # 2 of 5: mostly other payments
    assert not matches({"a", "x"}, inst)  # one shared payment of a 4-payment instance
    assert matches({"a"}, {"a"})  # a one-payment instance needs its one payment
    assert not matches({"x"}, {"a"})


def test_motif_scores_recall_and_precision() -> None:
    instances = [{"1", "2", "3"}, {"4", "5"}, {"6", "7"}]
    laundering = {"1", "2", "3", "4", "5", "6", "7", "8"}
    found = [
        {"1", "2"},  # finds instance 0, true alert
        {"1", "2", "3", "9"},  # instance 0 again, 3/4 laundering: true
        {"4", "9", "10"},  # 1 shared: finds nothing, 1/3 laundering: false
        {"8", "9"},  # no instance, half laundering: true
        {"11"},  # false
    ]
    s = motif_scores(found, instances, laundering)
    assert s["instances"] == 3
    assert s["recall"] == pytest.approx(1 / 3)
    assert s["alerts"] == 5
    assert s["precision"] == pytest.approx(3 / 5)
    empty = motif_scores([], instances, laundering)
    assert empty["recall"] == 0.0 and np.isnan(empty["precision"])


def test_top_share_takes_at_least_one_account() -> None:
    ranked = [str(i) for i in range(200)]
    assert top_share(ranked, {"0", "5"}) == pytest.approx(0.5)  # top 2: "0", "1"
    assert top_share(ranked, {"0", "1", "2"}, 0.1) == pytest.approx(3 / 20)
    assert top_share(["a", "b"], {"a"}) == 1.0  # 1 % of 2 -> the first one


def test_reach_order_by_hops_with_fixed_ties() -> None:
    hops = {"a": 2, "b": 1, "c": 3, "d": 1, "e": 2}
    order = reach_order(hops)
    assert [hops[a] for a in order] == [1, 1, 2, 2, 3]
    assert set(order[:2]) == {"b", "d"}
    assert order == reach_order(dict(reversed(hops.items())))  # independent of input order


def test_f1_and_threshold() -> None:
    y = np.array([1, 1, 0, 0, 0])
    p = np.array([0.9, 0.4, 0.5, 0.1, 0.0])
    assert f1_at(y, p, 0.45) == pytest.approx(2 * 1 / (2 * 1 + 1 + 1))  # tp 1, fp 1, fn 1
    assert f1_at(y, p, 0.35) == pytest.approx(2 * 2 / (2 * 2 + 1))  # tp 2, fp 1
    assert f1_at(y, p, 0.95) == 0.0
    assert best_threshold(y, p) == 0.15  # 0.15 .. 0.40 tie at 0.8 (0.10 takes 0.1 in): the lowest
    y2, p2 = np.array([1, 0]), np.array([0.9, 0.2])
    assert best_threshold(y2, p2) == 0.25  # F1 1.0 from 0.25 up: the lowest


def test_seed_split_one_seed_per_chosen_instance() -> None:
    insts = [Instance("cycle", [f"{k}{i}" for i in range(3)], set()) for k in "abcd"]
    seeds, mates, others = seed_split(insts, 11)
    assert len(seeds) == 2
    chosen = {s[0] for s in seeds}
    assert mates == {a for i in insts if i.accounts[0][0] in chosen for a in i.accounts} - set(
        seeds
    )
    assert others == {a for i in insts if i.accounts[0][0] not in chosen for a in i.accounts}
    assert seed_split(insts, 11) == (seeds, mates, others)


def test_training_rows_keep_every_positive_and_a_share_of_negatives() -> None:
    y = np.array([1] * 10 + [0] * 10_000)
    rows = np.ones(len(y), bool)
    rows[-100:] = False  # outside the training period
    kept = training_rows(y, rows, 0.1)
    assert kept[:10].all()  # every positive
    assert not kept[-100:].any()  # nothing outside `rows`
    assert 800 < kept[10:].sum() < 1_200  # about 10 % of 9,900 negatives
    assert (training_rows(y, rows, 0.1) == kept).all()  # fixed draw
    assert (training_rows(y, rows, 1.0) == rows).all()
