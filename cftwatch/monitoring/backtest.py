"""Backtests: how many labelled instances a rule pack finds, how many of its alerts are
right, how many accounts it alerts, on the institution's own labelled history.

A *labelled instance* is one known case of a typology: its member accounts and its
transactions (a laundering scheme from a simulator, a confirmed case). An alert *finds* an
instance when it is about one of the instance's member accounts and lists one of the
instance's transactions. Precision is measured per account (an analyst reviews accounts):
the share of alerted accounts that belong to a positive instance, next to the base rate
(the share of all active accounts that do). Hubs (accounts with many distinct
counterparties) outside any positive instance are the look-alikes a volume rule must not
drown in: their alerted share is reported too.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cftwatch.errors import ConfigError, Problem
from cftwatch.monitoring.config import RuleConfig, RuleSetting
from cftwatch.monitoring.runner import run_rules
from cftwatch.workspace import Workspace

INSTANCE_COLUMNS = ("instance_id", "typology", "member_accounts", "txn_ids")
"""Required columns of a labels file (CSV); lists are `;`-separated. An optional `is_sar`
column (1/0, true/false) marks benign look-alike instances (0), which count as negatives."""


@dataclass(frozen=True)
class Instance:
    """One labelled instance of a typology."""

    instance_id: str
    typology: str
    accounts: frozenset[str]
    txn_ids: frozenset[str]
    positive: bool = True


def _truthy(value: str) -> bool | None:
    v = value.strip().lower()
    if v in ("1", "true", "yes", "t", "y"):
        return True
    if v in ("0", "false", "no", "f", "n"):
        return False
    return None


def read_instances(path: str | Path) -> list[Instance]:
    """Read a labels file; every malformed row is reported (file, line, field) at once."""
    file = str(path)
    try:
        handle = open(path, newline="", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise ConfigError(Problem(f"cannot read labels file: {exc.strerror}", file=file)) from None
    problems: list[Problem] = []
    out: list[Instance] = []
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in INSTANCE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ConfigError(
                [Problem("missing column", file=file, record=1, field=c) for c in missing]
            )
        for line, row in enumerate(reader, start=2):
            accounts = frozenset(a for a in (row["member_accounts"] or "").split(";") if a)
            txns = frozenset(t for t in (row["txn_ids"] or "").split(";") if t)
            positive = True
            if row.get("is_sar") not in (None, ""):
                flag = _truthy(row["is_sar"])
                if flag is None:
                    problems.append(
                        Problem(
                            "expected 1/0",
                            file=file,
                            record=line,
                            field="is_sar",
                            value=row["is_sar"],
                        )
                    )
                positive = bool(flag)
            for name, value in (("instance_id", row["instance_id"]), ("typology", row["typology"])):
                if not (value or "").strip():
                    problems.append(Problem("empty", file=file, record=line, field=name))
            if not accounts or not txns:
                what = "member_accounts" if not accounts else "txn_ids"
                problems.append(Problem("empty list", file=file, record=line, field=what))
            out.append(Instance(row["instance_id"], row["typology"], accounts, txns, positive))
    if problems:
        raise ConfigError(problems)
    return out


def matched_to(ws: Workspace, instances: Sequence[Instance]) -> list[Instance]:
    """The instances with their transaction ids as the workspace spells them.

    Ingest may namespace a source's ids (`amlsim:17` for row id 17 of an `amlsim` load);
    when a labels file gives the source's own ids, the namespace of the source format that
    matches them is added. Ids already in the workspace are left as they are.
    """
    sample = sorted({t for i in instances[:50] for t in i.txn_ids})[:200]
    if not sample:
        return list(instances)

    def hits(ids: list[str]) -> int:
        marks = ",".join("?" * len(ids))
        sql = f"SELECT count(*) FROM transactions WHERE txn_id IN ({marks})"
        return int(ws.scalar(sql, ids) or 0)

    best, best_hits = "", hits(sample)
    for (fmt,) in ws.query("SELECT DISTINCT source_format FROM transactions"):
        n = hits([f"{fmt}:{t}" for t in sample])
        if fmt and n > best_hits:
            best, best_hits = f"{fmt}:", n
    if not best:
        return list(instances)
    return [
        Instance(
            i.instance_id,
            i.typology,
            i.accounts,
            frozenset(best + t for t in i.txn_ids),
            i.positive,
        )
        for i in instances
    ]


@dataclass
class Scores:
    """Quality of one set of alerts against the labelled instances."""

    alerts: int = 0
    alerted_accounts: int = 0
    true_accounts: int = 0
    hubs_alerted: int = 0
    found: dict[str, int] = field(default_factory=dict)
    instances: dict[str, int] = field(default_factory=dict)

    def recall(self, typology: str) -> float:
        n = self.instances.get(typology, 0)
        return self.found.get(typology, 0) / n if n else 0.0

    @property
    def precision(self) -> float:
        return self.true_accounts / self.alerted_accounts if self.alerted_accounts else 0.0

    def to_dict(self, population: Population) -> dict[str, Any]:
        return {
            "alerts": self.alerts,
            "alerted_accounts": self.alerted_accounts,
            "alert_rate": self.alerted_accounts / population.accounts if population.accounts else 0,
            "precision": round(self.precision, 4),
            "lift": round(self.precision / population.base_rate, 2) if population.base_rate else 0,
            "hubs_alerted_share": (
                round(self.hubs_alerted / len(population.hubs), 4) if population.hubs else 0.0
            ),
            "recall": {t: round(self.recall(t), 4) for t in sorted(self.instances)},
            "found": dict(sorted(self.found.items())),
        }


@dataclass(frozen=True)
class Population:
    """What precision and alert rate are measured against: the active accounts, the
    accounts of positive instances, and the benign hubs."""

    accounts: int
    positives: frozenset[str]
    hubs: frozenset[str]

    @property
    def base_rate(self) -> float:
        return len(self.positives) / self.accounts if self.accounts else 0.0


def population(ws: Workspace, instances: Sequence[Instance], hub_degree: int = 20) -> Population:
    """Active accounts of the workspace; benign hubs are accounts outside every positive
    instance with at least `hub_degree` distinct counterparties."""
    n = int(ws.scalar(f"SELECT count(DISTINCT a) FROM ({_PAIRS}) p") or 0)
    positives = frozenset(a for i in instances if i.positive for a in i.accounts)
    hubs = hub_like_accounts(ws, hub_degree) - positives
    return Population(n, positives, hubs)


_PAIRS = (
    "SELECT debtor_account AS a, creditor_account AS b FROM transactions "
    "WHERE debtor_account IS NOT NULL AND creditor_account IS NOT NULL "
    "UNION ALL SELECT creditor_account, debtor_account FROM transactions "
    "WHERE debtor_account IS NOT NULL AND creditor_account IS NOT NULL"
)


def hub_like_accounts(ws: Workspace, degree: int = 20, repeat: int = 1) -> frozenset[str]:
    """Accounts with at least `degree` distinct counterparties (either direction), each
    counted only when the pair made at least `repeat` payments: the hub-like accounts
    (merchants, payroll, collection accounts) whose volume makes naive volume rules fire; no
    label is read. `repeat=2` keeps the busy accounts of standing relationships and leaves
    out an account whose many counterparties each paid it once (a collector's look)."""
    rows = ws.query(
        f"SELECT a FROM (SELECT a, b FROM ({_PAIRS}) p GROUP BY a, b HAVING count(*) >= ?) q "
        "GROUP BY a HAVING count(*) >= ?",
        [repeat, degree],
    )
    return frozenset(r[0] for r in rows)


def score_alerts(
    alerts: Iterable[dict[str, Any]], instances: Sequence[Instance], pop: Population
) -> Scores:
    """Recall per typology, account-level precision and hub share of one set of alerts."""
    by_account: dict[str, list[Instance]] = defaultdict(list)
    for inst in instances:
        if inst.positive:
            for acc in inst.accounts:
                by_account[acc].append(inst)
    s = Scores()
    for inst in instances:
        if inst.positive:
            s.instances[inst.typology] = s.instances.get(inst.typology, 0) + 1
    found: set[str] = set()
    alerted: set[str] = set()
    for alert in alerts:
        s.alerts += 1
        subject = alert["subject_id"]
        alerted.add(subject)
        txns = set(alert["txn_ids"] or ())
        for inst in by_account.get(subject, ()):
            if inst.instance_id not in found and txns & inst.txn_ids:
                found.add(inst.instance_id)
                s.found[inst.typology] = s.found.get(inst.typology, 0) + 1
    s.alerted_accounts = len(alerted)
    s.true_accounts = len(alerted & pop.positives)
    s.hubs_alerted = len(alerted & pop.hubs)
    return s


@dataclass
class BacktestReport:
    """The pack's scores and each rule's on its own."""

    population: Population
    pack: Scores
    per_rule: dict[str, Scores]

    def to_dict(self) -> dict[str, Any]:
        p = self.population
        return {
            "accounts": p.accounts,
            "positive_accounts": len(p.positives),
            "base_rate": round(p.base_rate, 6),
            "benign_hubs": len(p.hubs),
            "pack": self.pack.to_dict(p),
            "rules": {r: s.to_dict(p) for r, s in self.per_rule.items()},
        }


def backtest(
    ws: Workspace,
    cfg: RuleConfig,
    instances: Sequence[Instance],
    *,
    engine: str = "duckdb",
    hub_degree: int = 20,
    pop: Population | None = None,
    alerts: list[dict[str, Any]] | None = None,
) -> BacktestReport:
    """Run the enabled rules without recording anything and score them (pack and each rule);
    `alerts` (from `pack_alerts`) scores a run already made instead."""
    pop = pop or population(ws, instances, hub_degree)
    instances = matched_to(ws, instances)
    if alerts is None:
        alerts = pack_alerts(ws, cfg, engine=engine)
    per_rule_alerts: dict[str, list[dict[str, Any]]] = {s.spec.id: [] for s in cfg.enabled()}
    for a in alerts:
        per_rule_alerts[a["rule_id"]].append(a)
    per_rule = {r: score_alerts(rows, instances, pop) for r, rows in per_rule_alerts.items()}
    return BacktestReport(pop, score_alerts(alerts, instances, pop), per_rule)


def pack_alerts(ws: Workspace, cfg: RuleConfig, *, engine: str = "duckdb") -> list[dict[str, Any]]:
    """The enabled rules' alerts (rule, subject, transactions), recording nothing."""
    run = run_rules(ws, cfg, engine=engine, record=False)
    return run.alerts.select(["rule_id", "subject_id", "txn_ids"]).to_pylist()


def with_param(cfg: RuleConfig, rule_id: str, param: str, value: Any) -> RuleConfig:
    """`cfg` with one parameter of one rule changed (validated against its bounds)."""
    setting = _setting(cfg, rule_id)
    spec = setting.spec.param(param) if param in setting.params else None
    if spec is None:
        raise ConfigError(Problem("unknown parameter", field=f"{rule_id}.{param}"))
    checked, why = spec.check(value)
    if why:
        raise ConfigError(Problem(why, field=f"{rule_id}.{param}", value=value))
    new = RuleSetting(
        setting.spec, setting.enabled, setting.severity,
        {**setting.params, param: checked}, setting.exclude,
    )  # fmt: skip
    return RuleConfig({**cfg.rules, rule_id: new}, cfg.settings, cfg.exclude, cfg.source)


def only(cfg: RuleConfig, rule_ids: Sequence[str]) -> RuleConfig:
    """`cfg` with just `rule_ids` enabled."""
    rules = {
        rid: RuleSetting(s.spec, rid in rule_ids, s.severity, s.params, s.exclude)
        for rid, s in cfg.rules.items()
    }
    return RuleConfig(rules, cfg.settings, cfg.exclude, cfg.source)


def _setting(cfg: RuleConfig, rule_id: str) -> RuleSetting:
    if rule_id not in cfg.rules:
        raise ConfigError(Problem("unknown rule", field="rule", value=rule_id))
    return cfg.rules[rule_id]


def parse_sweep(text: str) -> tuple[str, str, list[float]]:
    """`rule.param=v1,v2,...` -> (rule, param, values)."""
    try:
        target, values = text.split("=", 1)
        rule_id, param = target.split(".", 1)
        nums = [float(v) for v in values.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(
            Problem("expected RULE.PARAM=V1,V2,...", field="sweep", value=text)
        ) from None
    if not nums:
        raise ConfigError(Problem("no values to sweep", field="sweep", value=text))
    return rule_id, param, nums


def sweep(
    ws: Workspace,
    cfg: RuleConfig,
    instances: Sequence[Instance],
    spec: str,
    *,
    engine: str = "duckdb",
    hub_degree: int = 20,
) -> list[dict[str, Any]]:
    """One rule alone at each value of one parameter: a row of scores per value."""
    rule_id, param, values = parse_sweep(spec)
    pop = population(ws, instances, hub_degree)
    base = only(cfg, [rule_id])
    rows = []
    for v in values:
        report = backtest(ws, with_param(base, rule_id, param, v), instances, engine=engine,
                          pop=pop)  # fmt: skip
        rows.append({"rule": rule_id, "param": param, "value": v} | report.pack.to_dict(pop))
    return rows


__all__ = [
    "INSTANCE_COLUMNS",
    "BacktestReport",
    "Instance",
    "Population",
    "Scores",
    "backtest",
    "matched_to",
    "only",
    "pack_alerts",
    "parse_sweep",
    "population",
    "read_instances",
    "score_alerts",
    "sweep",
    "with_param",
]
