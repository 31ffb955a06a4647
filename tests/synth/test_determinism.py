from __future__ import annotations

import hashlib

import pytest

from cftwatch.errors import ConfigError
from cftwatch.synth import FORMATS, SynthConfig, generate_synth, write_synth


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_seed_same_bytes(tmp_path, fmt):
    cfg = SynthConfig(accounts=1_500, days=14, seed=5)
    write_synth(generate_synth(cfg), tmp_path / "a", fmt)
    write_synth(generate_synth(cfg), tmp_path / "b", fmt)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert a == b and len(a) >= 3


def test_other_seed_other_data():
    one = generate_synth(SynthConfig(accounts=1_500, days=14, seed=5))
    two = generate_synth(SynthConfig(accounts=1_500, days=14, seed=6))
    assert one.transactions.column("amount") != two.transactions.column("amount")
    assert one.accounts.column("account_id") != two.accounts.column("account_id")


def test_config_errors_name_the_field():
    with pytest.raises(ConfigError) as err:
        SynthConfig.build(accounts=1_000, rates={"no_such_typology": 1.0})
    assert "no_such_typology" in str(err.value)
    with pytest.raises(ConfigError) as err:
        SynthConfig.build(typology_params={"cycle": {"max_legnth": 9}})
    assert "max_legnth" in str(err.value)
    with pytest.raises(ConfigError) as err:
        SynthConfig.build(currency="XYZ")
    assert "currency" in str(err.value)
    with pytest.raises(ConfigError):
        SynthConfig.build(high_risk_countries=["Afghanistan"])


def test_unknown_format_is_a_config_error(tmp_path):
    data = generate_synth(SynthConfig(accounts=300, days=7, seed=1))
    with pytest.raises(ConfigError):
        write_synth(data, tmp_path, "xlsx")


def test_rate_zero_disables_and_overrides_apply():
    cfg = SynthConfig(
        accounts=2_000,
        days=14,
        seed=3,
        rates={"cycle": 0.0},
        typology_params={"structuring": {"min_deposits": 5, "max_deposits": 5}},
    )
    data = generate_synth(cfg)
    typologies = data.patterns.column("typology").to_pylist()
    assert "cycle" not in typologies
    structuring = [p for p in data.patterns.to_pylist() if p["typology"] == "structuring"]
    assert structuring and all(len(p["txn_ids"]) == 5 for p in structuring)


def test_other_currency_scales_amounts_and_threshold():
    data = generate_synth(SynthConfig(accounts=2_000, days=14, seed=3, currency="USD"))
    assert set(data.transactions.column("currency").to_pylist()) == {"USD"}
    rows = data.transactions.to_pylist()
    ids = {
        t for p in data.patterns.to_pylist() if p["typology"] == "structuring" for t in p["txn_ids"]
    }
    amounts = [r["amount"] for r in rows if r["txn_id"] in ids]
    assert amounts and all(9_000 <= a < 10_000 for a in amounts)


@pytest.mark.parametrize("days", [7, 30])
def test_every_transaction_inside_the_period(days):
    import datetime as dt

    cfg = SynthConfig(accounts=1_000, days=days, seed=8)
    data = generate_synth(cfg)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=days)
    dormant_old = {
        p["txn_ids"][0]
        for p in data.patterns.to_pylist()
        if p["typology"] == "dormant_reactivation"
    }
    for r in data.transactions.select(["txn_id", "ts"]).to_pylist():
        if r["txn_id"] in dormant_old:
            assert r["ts"] < start
        else:
            assert start <= r["ts"] < end, r


def test_same_bytes_across_processes_and_hash_seeds(tmp_path):
    """No dict/set iteration order leaks into the output (PYTHONHASHSEED varies)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys; from cftwatch.synth import SynthConfig, generate_synth, write_synth; "
        "write_synth(generate_synth(SynthConfig(accounts=800, days=7, seed=9)), sys.argv[1])"
    )
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(root))
        subprocess.run([sys.executable, "-c", code, str(tmp_path / seed)], check=True, env=env)
    assert _digests(tmp_path / "1") == _digests(tmp_path / "2")
