"""`rules calibrate`: thresholds proposed from the institution's own unlabelled data.

Two steps, each decision with the sentence that says why:

1. **Money.** Every money floor (`min_amount`, `min_payment`, `min_total`) and cap
   (`max_payment`) is compared with the quantiles of the institution's own payment amounts,
   so a pack written in one currency means the same in another: a floor above the
   `FLOOR_QUANTILE` is lowered to it (keeping the ordinary payments in view, dropping only
   the trivial ones), a cap below the `CAP_QUANTILE` (the median) raised to it: a cap keeps
   a typology's *small* payments (donations, split deposits) in view, so it may grow to the
   smaller half of the institution's payments, never to every payment (a cap at the 99 %
   quantile made `crowdfunding_fan_in` a count of any busy account's payers). This step only
   loosens: a floor the default already sets below the quantile stays (raising it would
   trade recall for volume, which is the next step's job, on a budget). Regulatory or
   notational figures (a reporting `threshold`, a `round_unit`) are left as configured: data
   cannot say what a law says.
2. **Alert budget.** Each rule's record says what calibration explores
   (`RuleSpec.sensitivity`: one or more count-like parameters, in order, each with its
   candidate values strictest first; the configured value is always among them, looser ones
   after it). A rule's budget is `target_alert_rate` of the active accounts and
   `hub_alert_rate` of the hub-like accounts, scaled by its `RuleSpec.budget`. Calibration
   only spends that budget: where the configured value keeps the rule within it on the
   institution's data, the value is kept or loosened (the loosest candidate still within
   it); only a configured value over budget is tightened (the loosest stricter candidate
   within it). The sentence says which (`Decision.action`: kept, loosened, tightened).
   A looser value never alerts fewer accounts, so the candidates are searched by halving
   (about log2 of their number evaluated, not all), over data prepared once for every
   step (`PreparedData`: converted, with customer context, cached in the engine).
   Hub-like accounts (at least `HUB_DEGREE` distinct counterparties each paid at least
   `HUB_REPEAT` times: merchants, payroll and collection accounts of standing
   relationships, found without labels) are kept in view: a value is within
   budget only if it also alerts at most the rule's share of them, since a volume rule
   that fires on every busy account buries the alerts that matter.

No label is read: calibration uses the data the institution has before it has any
confirmed cases. Judge the result with `rules backtest` on a different period or run.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from cftwatch.monitoring.backtest import hub_like_accounts, with_param
from cftwatch.monitoring.config import RuleConfig
from cftwatch.monitoring.money import parse_relative, to_currency
from cftwatch.monitoring.prepared import PreparedData
from cftwatch.monitoring.runner import rules_version
from cftwatch.monitoring.spec import Sensitivity
from cftwatch.workspace import Workspace

FLOOR_QUANTILE = 0.05
CAP_QUANTILE = 0.5
FLOORS = ("min_amount", "min_payment", "min_total")
CAPS = ("max_payment",)
HUB_DEGREE = 20
HUB_REPEAT = 2
"""A hub-like account's counterparties count only when the pair paid at least this often: the
look-alikes to protect are busy accounts of standing relationships (payroll, merchants with
regular customers); an account whose many counterparties each paid it once is what the
fan-in and collector rules look for, not a hub to keep them away from."""
HUB_ALERT_RATE = 0.02
"""Per rule: at most this share of the hub-like accounts alerted (a pack of several rules
adds them up)."""

Progress = Callable[[str, str], None]


@dataclass(frozen=True)
class Decision:
    rule_id: str
    param: str
    old: Any
    new: Any
    why: str
    action: str = "loosened"
    """`kept` (the configured value is the loosest within budget), `loosened` or
    `tightened` (the configured value alerted more than the budget)."""


def amount_quantiles(ws: Workspace, qs: Sequence[float]) -> list[float]:
    """Quantiles of the payment amounts in the workspace (one pass)."""
    cols = ", ".join("quantile_cont(amount::DOUBLE, ?)" for _ in qs)
    row = ws.query_one(f"SELECT {cols} FROM transactions", list(qs))
    return [float(v or 0) for v in (row or [0] * len(qs))]


def _rounded(x: float) -> float:
    """Two significant figures: a threshold a person can read and remember."""
    return float(f"{x:.2g}") if x > 0 else 0.0


def money_decisions(ws: Workspace, cfg: RuleConfig) -> list[Decision]:
    floor, cap = (_rounded(v) for v in amount_quantiles(ws, [FLOOR_QUANTILE, CAP_QUANTILE]))
    out = []
    inst = ws.config.institution
    for rid, s in cfg.rules.items():
        for p in s.spec.params:
            if p.kind != "money" or p.name not in (*FLOORS, *CAPS):
                continue
            if parse_relative(s.params[p.name]) is not None:
                continue  # a relative amount (`q99.5`, `3x_peer_median`) already follows the data
            is_cap = p.name in CAPS
            value = cap if is_cap else floor
            value = max(value, p.minimum or 0)
            q = CAP_QUANTILE if is_cap else FLOOR_QUANTILE
            old = to_currency(s.params[p.name], inst.currency, inst.exchange_rates)
            if (value <= old) if is_cap else (value >= old):
                continue  # already looser than the data's quantile: only loosened here
            what = "only payments up to it count" if is_cap else "smaller payments are ignored"
            why = (
                f"{rid}.{p.name} = {value:g}: the {q:.0%} quantile of this institution's "
                f"payment amounts ({what}), replacing {old:g} {inst.currency}."
            )
            out.append(Decision(rid, p.name, old, value, why))
    return out


def _apply(cfg: RuleConfig, decisions: Sequence[Decision]) -> RuleConfig:
    for d in decisions:
        cfg = with_param(cfg, d.rule_id, d.param, d.new)
    return cfg


def _alerted(
    data: PreparedData,
    cfg: RuleConfig,
    rule_id: str,
    param: str,
    loosest: Any,
    metric: str | None = None,
) -> Callable[[Any], frozenset[str]]:
    """Alerted accounts as a function of the sensitivity value: one evaluation per value
    (memoised), or for a step with a `metric` (`Sensitivity.metric`) a single one at
    `loosest` whose alerts are filtered per value."""
    if metric is None:
        seen: dict[Any, frozenset[str]] = {}

        def accounts(v: Any) -> frozenset[str]:
            if v not in seen:
                setting = with_param(cfg, rule_id, param, v).rules[rule_id]
                seen[v] = frozenset(data.alerted_accounts(setting))
            return seen[v]

        return accounts
    setting = with_param(cfg, rule_id, param, loosest).rules[rule_id]
    found = [(r["subject_id"], r[metric]) for r in data.found(setting, (metric,))]
    return lambda v: frozenset(s for s, m in found if m >= v)


def _loosest_within(values: Sequence[Any], count: Callable[[Any], float], budget: float) -> int:
    """Index of the loosest of `values` (strictest first) whose count stays within
    `budget`, or -1: a binary search, since a looser value never alerts fewer accounts."""
    lo, hi = -1, len(values) - 1  # values[: lo + 1] are within budget; past hi are not
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(values[mid]) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo


def candidates(listed: Sequence[float], current: Any) -> tuple[float, ...]:
    """`listed` (strictest, i.e. largest, first) with the configured value `current` in
    its place when missing: the search can always keep the rule as configured, and every
    listed value looser than it stays a candidate."""
    if not isinstance(current, int | float) or isinstance(current, bool) or current in listed:
        return tuple(listed)
    return tuple(sorted({*listed, current}, reverse=True))


def rate_decision(
    data: PreparedData,
    cfg: RuleConfig,
    rule_id: str,
    accounts: int,
    target: float,
    hubs: frozenset[str] = frozenset(),
    hub_rate: float = 1.0,
    *,
    step: Sensitivity | None = None,
) -> Decision | None:
    """The rule's sensitivity parameter (`step`, default its first `Sensitivity`) set to
    spend the rule's budget: its alerts within `target` of the `accounts` active accounts
    and at most `hub_rate` of the hub-like accounts `hubs` (both scaled by the rule's
    `Budget`). Where the configured value is within budget it is kept or loosened (the
    loosest candidate within it); only a configured value over budget is tightened."""
    spec = cfg.rules[rule_id].spec
    step = step or spec.sensitivity[0]
    param, share = step.param, spec.budget
    target, hub_rate = target * share.alert_rate, min(1.0, hub_rate * share.hub_rate)
    old = cfg.rules[rule_id].params[param]
    pspec = spec.param(param)
    budget, hub_budget = target * accounts, hub_rate * len(hubs)
    valid = [c for c, bad in (pspec.check(v) for v in candidates(step.candidates, old)) if not bad]
    if not valid:
        return None
    alerted = _alerted(data, cfg, rule_id, param, valid[-1], step.metric)

    def cost(v: Any) -> float:  # over budget when too many hubs, whatever the total
        got = alerted(v)
        return len(got) if len(got & hubs) <= hub_budget else math.inf

    budget_text = _budget_text(target, accounts, hubs, hub_rate)
    if share.why:
        budget_text += f"; {share.why}"
    j = valid.index(old) if old in valid else -1
    if j >= 0 and cost(old) <= budget:  # within budget: kept or loosened, never tightened
        i = j + _loosest_within(valid[j:], cost, budget)
    else:
        i = _loosest_within(valid if j < 0 else valid[:j], cost, budget)
    if i < 0:
        strictest = pspec.check(valid[0])[0]
        why = (
            f"{rule_id}.{param} = {strictest:g}: even the strictest value tried alerts more "
            f"than the rule's budget ({budget_text}); review the rule."
        )
        return Decision(rule_id, param, old, strictest, why, "tightened")
    value = valid[i]
    reach = _reach(alerted(value), accounts, hubs)
    if j >= 0 and i == j:
        action, how = "kept", "kept as configured, the most sensitive value tried whose alerts"
    elif j >= 0 and i > j:
        action = "loosened"
        how = (
            f"loosened from {old:g} (which keeps within the budget), the most sensitive value "
            "tried whose alerts"
        )
    else:
        action = "tightened"
        was = (
            ""
            if j < 0
            else f" from {old:g}, whose alerts reach {_reach(alerted(old), accounts, hubs)}"
        )
        how = f"tightened{was}, above the budget; the most sensitive value tried whose alerts"
    why = f"{rule_id}.{param} = {value:g}: {how} reach {reach}, within the rule's budget "
    why += f"({budget_text})."
    return Decision(rule_id, param, old, value, why, action)


def _budget_text(target: float, accounts: int, hubs: frozenset[str], hub_rate: float) -> str:
    text = f"{target:.2%} of active accounts"
    return text + (f" and {hub_rate:.0%} of hub-like accounts" if hubs else "")


def _reach(got: frozenset[str], accounts: int, hubs: frozenset[str]) -> str:
    n, h = len(got), len(got & hubs)
    text = f"{n:,} of {accounts:,} active accounts ({n / accounts if accounts else 0:.2%})"
    if hubs:
        text += f" and {h:,} of the {len(hubs):,} hub-like accounts ({h / len(hubs):.1%})"
    return text


@dataclass
class Calibration:
    config: RuleConfig
    decisions: list[Decision]
    accounts: int
    transactions: int
    target_alert_rate: float
    hub_alert_rate: float = 1.0

    def to_yaml(self) -> str:
        """A rules file: provenance, then each changed parameter under its rule with its
        reason as a comment."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        prov = {
            "tool": "cftwatch rules calibrate",
            "rules_version": rules_version(),
            "created_at": now,
            "data": f"{self.transactions} transactions, {self.accounts} active accounts",
            "target_alert_rate": self.target_alert_rate,
            "hub_alert_rate": self.hub_alert_rate,
            "method": "money floors/caps from amount quantiles; one sensitivity parameter per "
            "rule from its alert rate on unlabelled data, overall and among hub-like accounts",
        }
        lines = ["# Written by `cftwatch rules calibrate`; reasons are the comments.", "version: 1"]
        lines.append(yaml.safe_dump({"provenance": prov}, sort_keys=False).rstrip())
        lines.append("rules:")
        by_rule: dict[str, list[Decision]] = {}
        for d in self.decisions:
            by_rule.setdefault(d.rule_id, []).append(d)
        for rid, ds in by_rule.items():
            lines += [f"  {rid}:", "    params:"]
            for d in ds:
                value = yaml.safe_dump(d.new).strip().removesuffix("...").strip()
                lines.append(f"      # {' '.join(d.why.split())}")
                lines.append(f"      {d.param}: {value}")
        return "\n".join(lines) + "\n"


def calibrate(
    ws: Workspace,
    cfg: RuleConfig,
    target_alert_rate: float = 0.005,
    *,
    engine: str = "duckdb",
    progress: Progress | None = None,
    hub_alert_rate: float = HUB_ALERT_RATE,
    hub_degree: int = HUB_DEGREE,
) -> Calibration:
    """Propose thresholds for the enabled rules from the workspace's own data (each rule
    within `target_alert_rate` of the active accounts and `hub_alert_rate` of the accounts
    with at least `hub_degree` counterparties; `hub_alert_rate` 1 leaves hubs out of it)."""
    accounts = int(
        ws.scalar(
            "SELECT count(DISTINCT a) FROM (SELECT debtor_account AS a FROM transactions "
            "UNION ALL SELECT creditor_account FROM transactions) t WHERE a IS NOT NULL"
        )
        or 0
    )
    n_txns = int(ws.scalar("SELECT count(*) FROM transactions") or 0)
    enabled = {s.spec.id for s in cfg.enabled()}
    decisions = [d for d in money_decisions(ws, cfg) if d.rule_id in enabled]
    cfg = _apply(cfg, decisions)
    hubs = hub_like_accounts(ws, hub_degree, HUB_REPEAT) if hub_alert_rate < 1 else frozenset()
    with PreparedData(ws, engine) as data:
        steps = [(s.spec.id, st) for s in cfg.enabled() for st in s.spec.sensitivity]
        for rid, step in steps:
            if progress:
                progress(rid, step.param)
            d = rate_decision(
                data, cfg, rid, accounts, target_alert_rate, hubs, hub_alert_rate, step=step
            )
            if d is not None:
                decisions.append(d)
                cfg = _apply(cfg, [d])
    return Calibration(cfg, decisions, accounts, n_txns, target_alert_rate, hub_alert_rate)


__all__ = [
    "CAP_QUANTILE",
    "FLOOR_QUANTILE",
    "HUB_ALERT_RATE",
    "HUB_DEGREE",
    "HUB_REPEAT",
    "Calibration",
    "Decision",
    "amount_quantiles",
    "calibrate",
    "candidates",
    "money_decisions",
    "rate_decision",
]
