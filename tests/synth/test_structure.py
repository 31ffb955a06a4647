"""Every injected instance has the structure its typology promises (docs/synth.md)."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from decimal import Decimal

import pyarrow.compute as pc
import pytest

from cftwatch.synth import TYPOLOGIES
from cftwatch.synth.names import listed_names

HOUR = 3_600


def _txns(data):
    """Labelled transactions by id, as dicts (small fixtures only)."""
    ids = pc.unique(pc.drop_null(data.labels.column("txn_id")))
    rows = data.transactions.filter(pc.is_in(data.transactions.column("txn_id"), value_set=ids))
    return {r["txn_id"]: r for r in rows.to_pylist()}


@pytest.fixture(scope="module")
def instances(small):
    txns = _txns(small)
    out = defaultdict(list)
    for p in small.patterns.to_pylist():
        p["rows"] = sorted((txns[t] for t in p["txn_ids"]), key=lambda r: (r["ts"], r["txn_id"]))
        p["params"] = json.loads(p["params"])
        p["role_of"] = dict(zip(p["accounts"], p["roles"], strict=True))
        out[p["typology"]].append(p)
    return out


def _by_role(p, role):
    return [a for a, r in zip(p["accounts"], p["roles"], strict=True) if r == role]


def _secs(a, b):
    return (b - a).total_seconds()


def test_every_typology_injected(instances):
    assert set(instances) == set(TYPOLOGIES)
    assert all(len(v) >= 2 for v in instances.values())


def test_labelled_transactions_exist_and_match_patterns(small):
    all_ids = set(small.transactions.column("txn_id").to_pylist())
    assert len(all_ids) == small.transactions.num_rows  # ids unique
    labels = small.labels.to_pylist()
    txn_labels = [r for r in labels if r["txn_id"] is not None]
    assert txn_labels and all(r["txn_id"] in all_ids for r in txn_labels)
    acc_ids = set(small.accounts.column("account_id").to_pylist())
    acc_labels = [r for r in labels if r["account_id"] is not None]
    assert acc_labels and all(r["account_id"] in acc_ids for r in acc_labels)
    by_pattern = defaultdict(set)
    for r in txn_labels:
        assert r["label"] in TYPOLOGIES and r["value"] is True
        by_pattern[r["pattern_id"]].add(r["txn_id"])
    for p in small.patterns.to_pylist():
        assert by_pattern[p["pattern_id"]] == set(p["txn_ids"])
        assert len(p["accounts"]) == len(set(p["accounts"])) == len(p["roles"])


def test_instances_do_not_share_accounts(small):
    seen = {}
    for p in small.patterns.to_pylist():
        for a in p["accounts"]:
            assert a not in seen, f"{a} in {seen.get(a)} and {p['pattern_id']}"
            seen[a] = p["pattern_id"]


def test_crowdfunding_fan_in(instances):
    for p in instances["crowdfunding_fan_in"]:
        prm = p["params"]
        (collector,) = _by_role(p, "collector")
        ins = [r for r in p["rows"] if r["creditor_account"] == collector]
        outs = [r for r in p["rows"] if r["debtor_account"] == collector]
        senders = {r["debtor_account"] for r in ins}
        assert len(senders) >= prm["min_senders"]
        assert _secs(ins[0]["ts"], ins[-1]["ts"]) <= prm["window_hours"] * HOUR
        for r in ins:
            assert prm["donation_min"] <= r["amount"] <= prm["donation_max"]
            assert r["channel"] == "wallet"
        collected = sum(r["amount"] for r in ins)
        assert all(r["channel"] == "cash_out" for r in outs)
        assert all(0 < _secs(ins[-1]["ts"], r["ts"]) <= prm["cashout_hours"] * HOUR for r in outs)
        assert sum(r["amount"] for r in outs) >= Decimal(str(prm["cashout_share_min"])) * collected
        assert sum(r["amount"] for r in outs) <= collected


def test_structuring(instances, small_config):
    thr = Decimal(str(small_config.threshold))
    for p in instances["structuring"]:
        prm = p["params"]
        rows = p["rows"]
        assert prm["min_deposits"] <= len(rows) <= prm["max_deposits"]
        assert len({r["creditor_account"] for r in rows}) == 1
        assert all(r["channel"] == "cash_in" for r in rows)
        low = Decimal(str(prm["lower_fraction"])) * thr
        assert all(low <= r["amount"] < thr for r in rows)
        assert _secs(rows[0]["ts"], rows[-1]["ts"]) <= prm["window_days"] * 24 * HOUR


def test_rapid_pass_through(instances):
    for p in instances["rapid_pass_through"]:
        prm = p["params"]
        rows = p["rows"]
        chain = p["accounts"]
        assert len(rows) == len(chain) - 1 >= prm["min_accounts"] - 1
        for i, r in enumerate(rows):
            assert (r["debtor_account"], r["creditor_account"]) == (chain[i], chain[i + 1])
        for prev, nxt in itertools.pairwise(rows):
            assert 0 < _secs(prev["ts"], nxt["ts"]) <= prm["max_hop_hours"] * HOUR
            assert nxt["amount"] >= Decimal(str(prm["pass_fraction_min"])) * prev["amount"]


def test_fan_out_mules(instances):
    for p in instances["fan_out_mules"]:
        prm = p["params"]
        (source,) = _by_role(p, "source")
        mules = set(_by_role(p, "mule"))
        pays = [r for r in p["rows"] if r["debtor_account"] == source]
        assert {r["creditor_account"] for r in pays} == mules
        assert len(mules) >= prm["min_mules"]
        funding = [r for r in p["rows"] if r["creditor_account"] == source]
        assert len(funding) == 1
        assert _secs(funding[0]["ts"], pays[-1]["ts"]) <= prm["window_hours"] * HOUR
        for pay in pays:
            m = pay["creditor_account"]
            outs = [r for r in p["rows"] if r["debtor_account"] == m]
            assert len(outs) == 1 and outs[0]["channel"] == "cash_out"
            assert 0 < _secs(pay["ts"], outs[0]["ts"]) <= prm["mule_cashout_hours"] * HOUR
            assert outs[0]["amount"] >= Decimal(str(prm["mule_cashout_fraction"])) * pay["amount"]


def test_cycles_close(instances):
    lengths = set()
    for p in instances["cycle"]:
        prm = p["params"]
        rows = p["rows"]
        ring = p["accounts"]
        assert prm["min_length"] <= len(ring) == len(rows) <= prm["max_length"]
        lengths.add(len(ring))
        for i, r in enumerate(rows):
            assert r["debtor_account"] == ring[i]
            assert r["creditor_account"] == ring[(i + 1) % len(ring)]
        assert rows[-1]["creditor_account"] == rows[0]["debtor_account"]
        assert _secs(rows[0]["ts"], rows[-1]["ts"]) <= prm["window_days"] * 24 * HOUR
        for a, b in itertools.pairwise(rows):
            assert 0 < _secs(a["ts"], b["ts"]) <= prm["max_hop_hours"] * HOUR
            assert b["amount"] >= (1 - Decimal(str(prm["fee_fraction_max"]))) * a["amount"]


def test_scatter_gather(instances):
    for p in instances["scatter_gather"]:
        prm = p["params"]
        (source,) = _by_role(p, "source")
        (sink,) = _by_role(p, "sink")
        mids = set(_by_role(p, "intermediary"))
        assert len(mids) >= prm["min_intermediaries"]
        out = {r["creditor_account"]: r for r in p["rows"] if r["debtor_account"] == source}
        back = {r["debtor_account"]: r for r in p["rows"] if r["creditor_account"] == sink}
        assert set(out) == set(back) == mids
        for m in mids:
            assert back[m]["ts"] > out[m]["ts"]
            assert back[m]["amount"] >= Decimal(str(prm["forward_fraction_min"])) * out[m]["amount"]
        assert _secs(p["rows"][0]["ts"], p["rows"][-1]["ts"]) <= prm["window_days"] * 24 * HOUR


def test_gather_scatter(instances):
    for p in instances["gather_scatter"]:
        prm = p["params"]
        (hub,) = _by_role(p, "hub")
        ins = [r for r in p["rows"] if r["creditor_account"] == hub]
        outs = [r for r in p["rows"] if r["debtor_account"] == hub]
        assert len({r["debtor_account"] for r in ins}) >= prm["min_senders"]
        assert len({r["creditor_account"] for r in outs}) >= prm["min_receivers"]
        assert min(r["ts"] for r in outs) > max(r["ts"] for r in ins)
        total_in = sum(r["amount"] for r in ins)
        total_out = sum(r["amount"] for r in outs)
        assert Decimal(str(prm["forward_share_min"])) * total_in <= total_out <= total_in
        assert _secs(p["rows"][0]["ts"], p["rows"][-1]["ts"]) <= prm["window_days"] * 24 * HOUR


def test_charity_diversion(instances, small, small_config):
    types = dict(
        zip(
            small.accounts.column("account_id").to_pylist(),
            small.accounts.column("account_type").to_pylist(),
            strict=True,
        )
    )
    for p in instances["charity_diversion"]:
        prm = p["params"]
        (npo,) = _by_role(p, "npo")
        assert types[npo] == "npo"
        pays = [r for r in p["rows"] if r["debtor_account"] == npo]
        assert len({r["creditor_account"] for r in pays}) >= prm["min_beneficiaries"]
        assert all(r["creditor_region"] in small_config.high_risk_regions for r in pays)
        donations = [r for r in p["rows"] if r["creditor_account"] == npo]
        assert len({r["debtor_account"] for r in donations}) >= prm["min_donors"]


def test_listed_party_payment(instances, small):
    refs = {e.list_ref: e for e in listed_names()}
    t = small.transactions
    for p in instances["listed_party_payment"]:
        prm = p["params"]
        assert prm["list_ref"] in refs and refs[prm["list_ref"]].name == prm["list_name"]
        (listed,) = _by_role(p, "listed")
        direct = [r for r in p["rows"] if listed in (r["debtor_account"], r["creditor_account"])]
        assert len(direct) >= prm["min_payments"]
        for r in direct:
            side = "debtor" if r["debtor_account"] == listed else "creditor"
            assert r[f"{side}_name"] == prm["name_used"]
        # Every transaction of the listed account belongs to the instance.
        touching = t.filter(
            pc.or_(pc.equal(t["debtor_account"], listed), pc.equal(t["creditor_account"], listed))
        )
        assert set(touching.column("txn_id").to_pylist()) == {r["txn_id"] for r in direct}
        for hop in _by_role(p, "one_hop"):
            into = [
                r
                for r in p["rows"]
                if r["creditor_account"] == hop and r["debtor_account"] != listed
            ]
            assert len(into) >= prm["one_hop_payments"]
            assert any(hop in (r["debtor_account"], r["creditor_account"]) for r in direct)


def test_dormant_reactivation(instances, small):
    t = small.transactions
    for p in instances["dormant_reactivation"]:
        prm = p["params"]
        (acct,) = _by_role(p, "dormant")
        rows = (
            t.filter(
                pc.or_(pc.equal(t["debtor_account"], acct), pc.equal(t["creditor_account"], acct))
            )
            .sort_by("ts")
            .to_pylist()
        )
        assert {r["txn_id"] for r in rows} == set(p["txn_ids"])
        gap = _secs(rows[0]["ts"], rows[1]["ts"])
        assert gap >= prm["dormancy_days_min"] * 24 * HOUR
        inflows = [r for r in rows[1:] if r["creditor_account"] == acct]
        assert len(inflows) >= prm["min_inflows"]
        assert _secs(inflows[0]["ts"], inflows[-1]["ts"]) <= prm["window_hours"] * HOUR
        out = [r for r in rows if r["debtor_account"] == acct]
        assert len(out) == 1 and out[0]["channel"] == "cash_out"
        assert 0 < _secs(inflows[-1]["ts"], out[0]["ts"]) <= 48 * HOUR
        total = sum(r["amount"] for r in inflows)
        assert out[0]["amount"] >= Decimal(str(prm["cashout_fraction"])) * total


def test_high_risk_remittance(instances, small_config):
    for p in instances["high_risk_remittance"]:
        prm = p["params"]
        (recipient,) = _by_role(p, "recipient")
        rows = p["rows"]
        assert all(r["creditor_account"] == recipient for r in rows)
        assert len({r["debtor_account"] for r in rows}) >= prm["min_senders"]
        assert all(r["creditor_country"] in small_config.high_risk_countries for r in rows)
        assert all(r["debtor_country"] == "PK" for r in rows)
        assert _secs(rows[0]["ts"], rows[-1]["ts"]) <= prm["window_days"] * 24 * HOUR


def test_windows_enclose_each_instance(instances, small):
    for group in instances.values():
        for p in group:
            ts = [r["ts"] for r in p["rows"]]
            assert p["window_start"] == min(ts) and p["window_end"] == max(ts)
    summary = small.summary()
    assert sum(summary["instances"].values()) == small.patterns.num_rows
    assert summary["transactions"] == small.transactions.num_rows
