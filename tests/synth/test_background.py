"""Background statistics stay inside the ranges docs/synth.md states."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from cftwatch.schema import CHANNELS
from cftwatch.synth import SynthConfig, generate_synth
from cftwatch.synth.writers import decimal_cents


@pytest.fixture(scope="module")
def data():
    return generate_synth(SynthConfig(accounts=6_000, days=28, seed=9))


@pytest.fixture(scope="module")
def background(data):
    labelled = pc.unique(pc.drop_null(data.labels.column("txn_id")))
    t = data.transactions
    return t.filter(pc.invert(pc.is_in(t.column("txn_id"), value_set=labelled)))


def test_volume_matches_rate(data, background):
    expected = data.config.background_transactions()
    assert 0.95 * expected <= background.num_rows <= 1.05 * expected
    assert background.num_rows / data.transactions.num_rows > 0.97  # crime is rare


def test_amounts_are_heavy_tailed(background):
    pkr = decimal_cents(background.column("amount")) / 100
    median = np.median(pkr)
    assert 1_000 <= median <= 10_000
    assert np.quantile(pkr, 0.99) / median >= 20
    assert pkr.max() / median >= 500


def test_degree_distribution_has_hubs_and_leaves(data, background):
    ends = pc.value_counts(
        pa.concat_arrays(
            [
                background.column("debtor_account").combine_chunks(),
                background.column("creditor_account").combine_chunks(),
            ]
        )
    )
    degree = np.sort(np.array(ends.field("counts")))[::-1]
    top = degree[: max(1, degree.size // 100)].sum() / degree.sum()
    assert top >= 0.10  # the busiest 1% of accounts carry at least a tenth of the traffic
    assert np.median(degree) <= 12
    assert degree[0] >= 50 * np.median(degree)


def test_daily_and_weekly_seasonality(background):
    ts = background.column("ts")
    hours = np.array(pc.hour(ts))
    night = np.isin(hours, [1, 2, 3, 4]).mean()
    evening = np.isin(hours, [17, 18, 19, 20]).mean()
    assert night < 0.03 and evening > 0.2
    weekday = np.array(pc.day_of_week(ts))  # Monday = 0
    per_day = np.bincount(weekday, minlength=7)
    assert per_day[6] < per_day[5]  # Sunday quieter than Saturday


def test_channels_and_look_alikes(data, background):
    channels = set(background.column("channel").to_pylist())
    assert channels <= set(CHANNELS)
    assert {
        "wallet",
        "cash_in",
        "cash_out",
        "merchant",
        "card",
        "bill",
        "ibft",
        "remittance",
        "wire",
    } <= channels
    # Legitimate look-alike of crowdfunding: NPOs receiving many small donations.
    npo = set(
        data.accounts.filter(pc.equal(data.accounts.column("account_type"), "npo"))
        .column("account_id")
        .to_pylist()
    )
    donations = background.filter(pc.equal(background.column("purpose"), "donation"))
    senders: dict[str, set[str]] = {}
    for d, c in zip(
        donations.column("debtor_account").to_pylist(),
        donations.column("creditor_account").to_pylist(),
        strict=True,
    ):
        senders.setdefault(c, set()).add(d)
    assert set(senders) <= npo
    assert max(len(s) for s in senders.values()) >= 15
    # Round-amount payroll: salaries are whole thousands, from few employers to many.
    salary = background.filter(pc.equal(background.column("purpose"), "salary"))
    cents = decimal_cents(salary.column("amount"))
    assert salary.num_rows > 0 and np.all(cents % 100_000 == 0)
    assert pc.count_distinct(salary.column("debtor_account")).as_py() < salary.num_rows / 5
    # Remittance corridors: inbound from the Gulf and the UK, some outbound to Afghanistan.
    remit = background.filter(pc.equal(background.column("purpose"), "remittance_in"))
    assert {"SA", "AE", "GB"} <= set(remit.column("debtor_country").to_pylist())


def test_population(data):
    parties = data.parties
    kinds = pc.value_counts(parties.column("party_type")).to_pylist()
    got = {k["values"]: k["counts"] for k in kinds}
    assert {"individual", "business", "merchant", "agent", "npo"} <= set(got)
    assert got["individual"] / parties.num_rows > 0.8
    acc = data.accounts
    ids = acc.column("account_id").to_pylist()
    wallets = [a for a in ids if a.startswith("923")]
    banks = [a for a in ids if a.startswith("PK")]
    assert len(wallets) > 0.3 * len(ids) and len(banks) > 0.2 * len(ids)
    assert all(len(w) == 12 for w in wallets)
    for iban in banks[:200]:  # ISO 13616 mod-97 check digits are valid
        moved = iban[4:] + iban[:4]
        assert int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1
    regions = set(parties.column("region").to_pylist())
    assert {"Karachi", "Lahore", "North Waziristan"} <= regions
    cnic = [i[0]["value"] for i in parties.column("identifiers").to_pylist() if i]
    assert cnic and all(len(c) == 15 and c[5] == "-" and c[13] == "-" for c in cnic)


def test_structuring_look_alike_exists(data, background):
    """Honest cash deposits sometimes land just under the threshold too."""
    thr = data.config.threshold
    cash_in = background.filter(pc.equal(background.column("channel"), "cash_in"))
    pkr = decimal_cents(cash_in.column("amount")) / 100
    near = ((pkr >= 0.9 * thr) & (pkr < thr)).sum()
    assert near >= 1
    assert set(cash_in.column("purpose").to_pylist()) == {"cash_in"}


def test_injected_rows_keep_the_daily_rhythm(data):
    labelled = pc.unique(pc.drop_null(data.labels.column("txn_id")))
    t = data.transactions
    injected = t.filter(pc.is_in(t.column("txn_id"), value_set=labelled))
    hours = np.array(pc.hour(injected.column("ts")))
    assert np.isin(hours, [1, 2, 3, 4]).mean() < 0.05


def test_personal_appeals_are_an_unlabelled_fan_in(data, background):
    """Honest twin of crowdfunding: many small p2p gifts to one wallet, spent slowly."""
    narr = {"medical help", "funeral", "for treatment", "flood relief"}
    gifts = background.filter(
        pc.is_in(background.column("narrative"), value_set=pa.array(sorted(narr)))
    )
    per = pc.value_counts(gifts.column("creditor_account")).to_pylist()
    assert max(d["counts"] for d in per) >= 5
    assert all(ch == "wallet" for ch in gifts.column("channel").to_pylist())
