"""Money parameters: units, conversion, `init --currency`, and a rule's meaning kept."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cftwatch.cli import app
from cftwatch.errors import ConfigError, RuleConfigError
from cftwatch.monitoring import builtin_rules, resolve_rules_config
from cftwatch.monitoring.money import parse_money, rate, resolve_setting, to_currency
from cftwatch.workspace import Workspace

runner = CliRunner()


def test_parse_and_convert():
    assert parse_money(250) == (250.0, None)
    assert parse_money("1,000 PKR") == (1000.0, "PKR")
    assert parse_money("ten USD") is None and parse_money(True) is None
    assert to_currency("1000 PKR", "USD", {"PKR": 0.004}) == pytest.approx(4.0)
    assert to_currency(7, "USD") == 7.0  # a plain number is already in the institution's
    assert rate("USD", "PKR") == pytest.approx(280.0)  # reference table


def test_unknown_currency_names_the_config_field():
    with pytest.raises(ConfigError) as err:
        rate("XYZ", "USD")
    assert err.value.problems[0].field == "institution.exchange_rates"


def test_every_money_default_is_written_with_its_currency():
    money = [p for s in builtin_rules() for p in s.params if p.kind == "money"]
    assert len(money) >= 15
    assert all(parse_money(p.default)[1] == "PKR" for p in money)


def test_rules_file_takes_an_amount_in_a_named_currency():
    cfg = resolve_rules_config({"rules": {"fan_out": {"params": {"min_payment": "5 USD"}}}})
    setting = cfg.rules["fan_out"]
    assert setting.params["min_payment"] == "5 USD"
    assert resolve_setting(setting, "PKR", {"USD": 300}).params["min_payment"] == 1500
    with pytest.raises(RuleConfigError):
        resolve_rules_config({"rules": {"fan_out": {"params": {"min_payment": "five"}}}})


def test_same_floor_in_either_currency():
    setting = resolve_rules_config({}).rules["fan_out"]
    pkr = resolve_setting(setting, "PKR").params["min_payment"]
    usd = resolve_setting(setting, "USD", {"PKR": 1 / 280}).params["min_payment"]
    assert pkr == 1000 and usd == pytest.approx(pkr / 280, abs=0.01)


def test_init_currency_sets_the_institution(tmp_path):
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["init", str(ws), "--currency", "USD", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["currency"] == "USD"
    with Workspace.open(ws) as w:
        assert w.config.institution.currency == "USD"
    again = runner.invoke(app, ["init", str(ws), "--currency", "EUR"])
    assert again.exit_code == 2 and "already USD" in again.output


def test_init_bad_currency_is_exit_2_and_creates_nothing(tmp_path):
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["init", str(ws), "--currency", "dollars"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert not ws.exists()
