"""Channels as vocabulary: rule channel parameters take channel groups from
`cftwatch/vocab/channels.yaml`, and the defaults cover the bank rails."""

from __future__ import annotations

import pytest

from cftwatch.errors import RuleConfigError
from cftwatch.monitoring import default_rules_config, resolve_rules_config
from cftwatch.vocab import channel_groups
from tests.monitoring.factory import Book, alerts_of

BANK = set(channel_groups()["bank_transfer"])
TRANSFER_RULES = {
    "crowdfunding_fan_in": "channels",
    "cash_out_after_fan_in": "channels",
    "fan_out": "channels",
    "gather_scatter": "channels",
    "round_amounts": "channels",
    "rapid_pass_through": "out_channels",
}


@pytest.mark.parametrize(("rule_id", "param"), sorted(TRANSFER_RULES.items()))
def test_transfer_rules_count_every_bank_rail_by_default(rule_id, param):
    chans = set(default_rules_config().rules[rule_id].params[param])
    assert chans >= BANK and {"wire", "ach"} <= chans


def test_a_group_name_stands_for_its_members():
    cfg = resolve_rules_config({"rules": {"fan_out": {"params": {"channels": ["bank_transfer"]}}}})
    assert cfg.rules["fan_out"].params["channels"] == sorted(BANK)


def test_an_unknown_channel_is_rejected_with_the_choices():
    with pytest.raises(RuleConfigError, match="unknown value") as exc:
        resolve_rules_config({"rules": {"fan_out": {"params": {"channels": ["swift"]}}}})
    assert exc.value.problems[0].field == "rules.fan_out.params.channels"


@pytest.mark.parametrize("channel", ["wire", "ach"])
def test_fan_in_on_bank_rails_fires_by_default(workspace, engine, channel):
    book = Book()
    ids = {book.pay(f"D{i}", "C", 500 + i, 2 * i, channel) for i in range(15)}
    book.load(workspace)
    (alert,) = alerts_of(workspace, "crowdfunding_fan_in", engine=engine)
    assert set(alert["txn_ids"]) == ids
