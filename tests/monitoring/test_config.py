"""rules.yaml: overrides resolved onto the built-in pack; every problem reported, nothing run."""

from __future__ import annotations

import pytest

from cftwatch.errors import RuleConfigError
from cftwatch.monitoring import (
    builtin_rules,
    default_rules_config,
    load_rules_config,
    resolve_rules_config,
)
from cftwatch.monitoring.spec import ParamSpec


def write(tmp_path, text: str):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_pack_has_at_least_twelve_documented_rules_with_valid_defaults():
    specs = builtin_rules()
    assert len(specs) >= 12
    assert len({s.id for s in specs}) == len(specs)
    for s in specs:
        assert s.description and s.why and s.title and s.params
        for p in s.params:
            _, why = p.check(p.default)
            assert why is None, (s.id, p.name, why)
            assert p.description


def test_defaults_when_no_file():
    cfg = default_rules_config()
    assert set(cfg.rules) == {s.id for s in builtin_rules()}
    assert all(r.enabled for r in cfg.rules.values())
    assert cfg.rules["structuring"].params["threshold"] == "2000000 PKR"  # converted at run time


def test_overrides_take_effect(tmp_path):
    cfg = load_rules_config(
        write(
            tmp_path,
            """
version: 1
settings:
  high_risk_countries: [SY, AF]
exclude:
  channel: [cheque]
rules:
  structuring:
    severity: critical
    params: {threshold: 1000000, min_deposits: 4}
    exclude: {purpose: [salary]}
  round_amounts:
    enabled: false
""",
        )
    )
    s = cfg.rules["structuring"]
    assert s.params["threshold"] == 1_000_000.0 and s.params["min_deposits"] == 4
    assert s.severity == "critical"
    assert s.exclude == {"channel": ["cheque"], "purpose": ["salary"]}
    assert not cfg.rules["round_amounts"].enabled
    assert cfg.rules["high_risk_geography"].params["high_risk_countries"] == ["AF", "SY"]
    assert "round_amounts" not in {r.spec.id for r in cfg.enabled()}
    assert s.params_hash != default_rules_config().rules["structuring"].params_hash


BAD = """version: 1
settings:
  high_risk_countries: [AF, Syria]
exclude:
  payee_name: [x]
rules:
  structuring:
    params:
      min_deposits: three
      lower_fraction: 1.5
  no_such_rule: {}
  fan_out:
    severity: urgent
    params: {min_recipients: 8, colour: blue}
"""


def test_every_problem_is_reported_with_file_line_key_and_value(tmp_path):
    path = write(tmp_path, BAD)
    with pytest.raises(RuleConfigError) as err:
        load_rules_config(path)
    problems = {p.field: p for p in err.value.problems}
    assert set(problems) == {
        "settings.high_risk_countries",
        "exclude.payee_name",
        "rules.structuring.params.min_deposits",
        "rules.structuring.params.lower_fraction",
        "rules.no_such_rule",
        "rules.fan_out.severity",
        "rules.fan_out.params.colour",
    }
    assert all(p.file == str(path) for p in problems.values())
    assert problems["rules.structuring.params.min_deposits"].record == 9
    assert problems["rules.structuring.params.min_deposits"].value == "three"
    assert "integer" in problems["rules.structuring.params.min_deposits"].reason
    assert problems["rules.structuring.params.lower_fraction"].value == 1.5
    assert "maximum" in problems["rules.structuring.params.lower_fraction"].reason
    assert "unknown column" in problems["exclude.payee_name"].reason
    assert "unknown rule" in problems["rules.no_such_rule"].reason
    assert "Syria" in problems["settings.high_risk_countries"].reason


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("rules: [a, b]\n", "rules"),
        ("colour: red\n", "colour"),
        ("version: 2\n", "version"),
        ("rules:\n  fan_out:\n    enabled: maybe\n", "rules.fan_out.enabled"),
        (
            "rules:\n  fan_out:\n    params: {channels: [wallet, pigeon]}\n",
            "rules.fan_out.params.channels",
        ),
        (
            "rules:\n  fan_out:\n    params: {window_hours: 0}\n",
            "rules.fan_out.params.window_hours",
        ),
        ("rules:\n  fan_out:\n    params: {min_total: true}\n", "rules.fan_out.params.min_total"),
        ("rules:\n  fan_out:\n    exclude: {nope: [1]}\n", "rules.fan_out.exclude.nope"),
        ("rules:\n  fan_out:\n    when: now\n", "rules.fan_out.when"),
    ],
)
def test_single_problems(tmp_path, text, field):
    with pytest.raises(RuleConfigError) as err:
        load_rules_config(write(tmp_path, text))
    assert [p.field for p in err.value.problems] == [field]


def test_broken_yaml_and_missing_file(tmp_path):
    with pytest.raises(RuleConfigError) as err:
        load_rules_config(write(tmp_path, "rules: {structuring: [\n"))
    assert "YAML" in err.value.problems[0].reason
    with pytest.raises(RuleConfigError):
        load_rules_config(tmp_path / "absent.yaml")


def test_empty_file_means_defaults(tmp_path):
    cfg = load_rules_config(write(tmp_path, "# nothing\n"))
    assert cfg.rules["fan_out"].params == default_rules_config().rules["fan_out"].params


def test_workspace_section_is_validated_with_its_prefix():
    with pytest.raises(RuleConfigError) as err:
        resolve_rules_config({"rules": {"fan_out": {"params": {"x": 1}}}}, prefix=("monitoring",))
    assert err.value.problems[0].field == "monitoring.rules.fan_out.params.x"


def test_param_spec_checks():
    p = ParamSpec(name="n", kind="int", default=3, minimum=1, maximum=10, description="d")
    assert p.check(4.0) == (4, None)
    assert p.check(4.5)[1] == "expected an integer"
    assert p.check(0)[1] == "below the minimum 1"
    assert p.check(True)[1] == "expected an integer"
    c = ParamSpec(name="c", kind="country_list", default=[], description="d")
    assert c.check(["SY", "AF", "SY"]) == (["AF", "SY"], None)
    assert "alpha-2" in (c.check(["sy"])[1] or "")
