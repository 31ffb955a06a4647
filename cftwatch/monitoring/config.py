"""`rules.yaml`: an institution's overrides of the built-in pack, validated before anything runs.

```yaml
version: 1
settings:                      # shared by the rules that name them
  high_risk_countries: [AF, SY, IQ, YE, SO, IR]
  high_risk_regions: [North Waziristan, Khyber]
exclude:                       # transactions no rule should see (column: [values])
  debtor_account: [PK00TEST0000000000000000]
rules:
  structuring:
    params: {threshold: 2000000, min_deposits: 4}
  round_amounts:
    enabled: false
  fan_out:
    severity: high
    exclude: {purpose: [pension]}
```

Every problem (unknown rule, unknown parameter, wrong type, value out of bounds, unknown
column, bad severity) is reported with the file, the YAML line, the key path and the value,
all at once, as one `RuleConfigError`; no rule runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cftwatch import schema as cs
from cftwatch.errors import Problem, RuleConfigError
from cftwatch.monitoring.registry import builtin_rules
from cftwatch.monitoring.spec import ParamSpec, RuleSpec, params_hash
from cftwatch.vocab import SEVERITIES
from cftwatch.yamlconfig import KeyPath, parse_yaml, read_text

DEFAULT_HIGH_RISK_COUNTRIES = ["AF", "IQ", "IR", "KP", "LY", "ML", "MM", "SO", "SS", "SY", "YE"]
"""Conflict zones and FATF call-for-action jurisdictions; add transit hubs as your risk
assessment requires (AUSTRAC names Lebanon, Turkey, Jordan and the UAE for Syria)."""

DEFAULT_HIGH_RISK_REGIONS = [
    "Bajaur",
    "Khyber",
    "Killa Abdullah",
    "Kurram",
    "Mohmand",
    "North Waziristan",
    "Orakzai",
    "South Waziristan",
    "Zhob",
]
"""Pakistani border districts next to Afghanistan (matched against `*_region`)."""

SETTINGS: dict[str, ParamSpec] = {
    "high_risk_countries": ParamSpec(
        name="high_risk_countries",
        kind="country_list",
        default=DEFAULT_HIGH_RISK_COUNTRIES,
        description="ISO alpha-2 countries treated as high risk (matched against `*_country`).",
    ),
    "high_risk_regions": ParamSpec(
        name="high_risk_regions",
        kind="str_list",
        default=DEFAULT_HIGH_RISK_REGIONS,
        description="Sub-national regions treated as high risk (matched against `*_region`).",
    ),
    "same_day_legs": ParamSpec(
        name="same_day_legs",
        kind="str",
        default="auto",
        choices=("auto", "sequential", "strict"),
        description="Whether two payments with the same timestamp may be consecutive legs of "
        "a sequence (cycles, scatter-gather, pass-through): `strict` needs a later timestamp, "
        "`sequential` accepts the same one, `auto` accepts it only on date-only data (every "
        "timestamp at midnight), where payments of one day cannot be told apart in time.",
    ),
}

TOP_KEYS = ("version", "settings", "exclude", "rules", "provenance")  # provenance: free text
RULE_KEYS = ("enabled", "severity", "params", "exclude")
TXN_COLUMNS = tuple(cs.column_names(cs.TRANSACTIONS))


@dataclass(frozen=True)
class RuleSetting:
    """One rule as configured: on or off, its severity, its parameter values, its exclusions."""

    spec: RuleSpec
    enabled: bool
    severity: str
    params: dict[str, Any]
    exclude: dict[str, list[str]]

    @property
    def params_hash(self) -> str:
        return params_hash({"params": self.params, "exclude": self.exclude})


@dataclass(frozen=True)
class RuleConfig:
    """The resolved configuration: every built-in rule with its effective settings."""

    rules: dict[str, RuleSetting]
    settings: dict[str, Any]
    exclude: dict[str, list[str]] = field(default_factory=dict)
    source: str | None = None

    def enabled(self) -> list[RuleSetting]:
        return [r for r in self.rules.values() if r.enabled]

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "exclude": self.exclude,
            "rules": {
                rid: {
                    "enabled": r.enabled,
                    "severity": r.severity,
                    "params": r.params,
                    "exclude": r.exclude,
                }
                for rid, r in self.rules.items()
            },
        }


def default_rules_config() -> RuleConfig:
    return resolve_rules_config({})


def load_rules_config(path: str | Path) -> RuleConfig:
    """Read and validate a rules file; raise `RuleConfigError` listing every problem."""
    file = str(path)
    doc = parse_yaml(read_text(path, RuleConfigError, "rules file"), file, RuleConfigError)
    data = doc.data if doc.data is not None else {}
    return resolve_rules_config(data, file=file, lines=doc.lines)


Bad = Callable[..., None]
"""bad(reason, key_path, value=None): record one problem."""


def resolve_rules_config(
    raw: Any,
    *,
    file: str | None = None,
    lines: dict[KeyPath, int] | None = None,
    prefix: tuple[str, ...] = (),
) -> RuleConfig:
    """Validate a parsed rules mapping (from a file or the workspace's `monitoring:` section)."""
    problems: list[Problem] = []
    bad = _reporter(problems, file, lines or {}, prefix)
    if not isinstance(raw, dict):
        bad("expected a mapping with `rules`, `settings` and `exclude`", (), raw)
        raise RuleConfigError(problems)
    for key in raw:
        if key not in TOP_KEYS:
            bad(f"unknown key; expected one of {', '.join(TOP_KEYS)}", (str(key),), key)
    if "version" in raw and raw["version"] != 1:
        bad("unsupported version; expected 1", ("version",), raw["version"])
    settings = _settings(raw.get("settings"), bad)
    global_exclude = _exclude(raw.get("exclude"), ("exclude",), bad)
    raw_rules = _mapping(raw.get("rules"), ("rules",), bad)
    specs = {s.id: s for s in builtin_rules()}
    for rid in raw_rules:
        if str(rid) not in specs:
            bad(
                f"unknown rule; `cftwatch rules list` shows the {len(specs)} built-in rules",
                ("rules", str(rid)),
                rid,
            )
    rules = {
        rid: _rule_setting(spec, raw_rules.get(rid), settings, global_exclude, bad)
        for rid, spec in specs.items()
    }
    if problems:
        raise RuleConfigError(problems)
    return RuleConfig(rules=rules, settings=settings, exclude=global_exclude, source=file)


def _reporter(
    problems: list[Problem], file: str | None, lines: dict[KeyPath, int], prefix: tuple[str, ...]
) -> Bad:
    """A `bad` that appends a Problem with the file, the nearest known YAML line and key path."""

    def bad(reason: str, path: tuple[str, ...], value: Any = None) -> None:
        full = prefix + path
        line = None
        for k in range(len(path), -1, -1):
            if path[:k] in lines:
                line = lines[path[:k]]
                break
        problems.append(
            Problem(reason, file=file, record=line, field=".".join(full) or None, value=value)
        )

    return bad


def _settings(raw: Any, bad: Bad) -> dict[str, Any]:
    settings = {name: s.check(s.default)[0] for name, s in SETTINGS.items()}
    for name, value in _mapping(raw, ("settings",), bad).items():
        setting = SETTINGS.get(str(name))
        if setting is None:
            bad(
                f"unknown setting; expected one of {', '.join(SETTINGS)}",
                ("settings", str(name)),
                name,
            )
            continue
        checked, why = setting.check(value)
        if why:
            bad(why, ("settings", str(name)), value)
        else:
            settings[str(name)] = checked
    return settings


def _rule_setting(
    spec: RuleSpec,
    raw: Any,
    settings: dict[str, Any],
    global_exclude: dict[str, list[str]],
    bad: Bad,
) -> RuleSetting:
    rid = spec.id
    entry = _mapping(raw, ("rules", rid), bad)
    for key in entry:
        if key not in RULE_KEYS:
            bad(
                f"unknown key; expected one of {', '.join(RULE_KEYS)}",
                ("rules", rid, str(key)),
                key,
            )
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        bad("expected true or false", ("rules", rid, "enabled"), enabled)
        enabled = True
    severity = entry.get("severity", spec.severity)
    if severity not in SEVERITIES:
        bad(f"expected one of {', '.join(SEVERITIES)}", ("rules", rid, "severity"), severity)
        severity = spec.severity
    params = _params(spec, entry.get("params"), bad)
    for name in spec.settings:
        params[name] = settings[name]
    rule_exclude = _exclude(entry.get("exclude"), ("rules", rid, "exclude"), bad)
    merged = {
        k: sorted(set(global_exclude.get(k, [])) | set(rule_exclude.get(k, [])))
        for k in sorted(set(global_exclude) | set(rule_exclude))
    }
    return RuleSetting(spec, enabled, str(severity), params, merged)


def _params(spec: RuleSpec, raw: Any, bad: Bad) -> dict[str, Any]:
    rid = spec.id
    params = spec.defaults()
    for name, value in _mapping(raw, ("rules", rid, "params"), bad).items():
        try:
            pspec = spec.param(str(name))
        except KeyError:
            known = ", ".join(p.name for p in spec.params)
            bad(f"unknown parameter; {rid} has {known}", ("rules", rid, "params", str(name)), name)
            continue
        checked, why = pspec.check(value)
        if why:
            bad(why, ("rules", rid, "params", str(name)), value)
        else:
            params[str(name)] = checked
    return params


def _mapping(value: Any, path: tuple[str, ...], bad: Bad) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        bad("expected a mapping", path, value)
        return {}
    return value


def _exclude(value: Any, path: tuple[str, ...], bad: Bad) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for col, values in _mapping(value, path, bad).items():
        where = (*path, str(col))
        if col not in TXN_COLUMNS:
            bad("unknown column of the transactions table", where, col)
            continue
        if isinstance(values, str | int | float) and not isinstance(values, bool):
            values = [values]
        if not isinstance(values, list) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in values
        ):
            bad("expected a list of values", where, values)
            continue
        out[str(col)] = sorted({str(v) for v in values})
    return out
