"""Backtest a rule pack against the institution's own decided cases (`cftwatch rules
backtest --cases`): combines the cases stage (the labels) with monitoring (the run and the
scores), which is why it lives in the app layer.

Each decided case becomes one labelled instance: `reported` is a positive, and
`closed_no_action` a negative (a look-alike the analysts cleared). Its member accounts are
the case's subject (when it is an account) and the subjects of its alerts; its
transactions are the case's transaction evidence and the transactions its alerts listed;
its typology is the most common typology of its monitoring alerts (`unknown` when it has
none, e.g. a case opened from screening). Open cases are not labels and are left out, as
are decided cases with no transaction (nothing an alert could be matched on); both are
counted in the result.

Decided cases label only the accounts that were reviewed, so next to the account-level
precision over all active accounts (which counts every unreviewed account as negative) the
result gives the *decided precision*: of the alerted accounts that have a decided case,
the share whose case was reported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from cftwatch.cases import CaseBundle, CaseService
from cftwatch.monitoring.backtest import BacktestReport, Instance, backtest, pack_alerts
from cftwatch.monitoring.config import RuleConfig
from cftwatch.store import OperationalStore
from cftwatch.workspace import Workspace

POSITIVE_STATUS = "reported"
NEGATIVE_STATUS = "closed_no_action"


@dataclass(frozen=True)
class CaseLabels:
    """The decided cases as labelled instances, and what was left out."""

    instances: list[Instance]
    open_cases: int
    without_transactions: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "positives": sum(i.positive for i in self.instances),
            "negatives": sum(not i.positive for i in self.instances),
            "open_cases": self.open_cases,
            "without_transactions": self.without_transactions,
        }


def instance_of(bundle: CaseBundle) -> Instance | None:
    """The labelled instance of one decided case (None when it lists no transaction)."""
    case = bundle.case
    accounts = {case.subject_id} if case.subject_type == "account" else set()
    txns = set(bundle.txn_ids)
    typologies: Counter[str] = Counter()
    for a in bundle.alerts:
        snap = a.snapshot or {}
        if snap.get("subject_type", "account") == "account" and snap.get("subject_id"):
            accounts.add(str(snap["subject_id"]))
        txns.update(str(t) for t in snap.get("txn_ids") or ())
        if a.source == "monitoring":
            typologies[a.typology] += 1
    if not txns or not accounts:
        return None
    typology = typologies.most_common(1)[0][0] if typologies else "unknown"
    return Instance(
        instance_id=f"case-{case.case_id}",
        typology=typology,
        accounts=frozenset(accounts),
        txn_ids=frozenset(txns),
        positive=case.status == POSITIVE_STATUS,
    )


def case_labels(ws: Workspace) -> CaseLabels:
    """Read every case of the workspace's operational store as a label (or count it out)."""
    store = OperationalStore.for_workspace(ws)
    try:
        service = CaseService(store)
        cases = service.list()
        instances: list[Instance] = []
        empty = 0
        decided = [c for c in cases if c.status in (POSITIVE_STATUS, NEGATIVE_STATUS)]
        for c in decided:
            inst = instance_of(service.case_bundle(c.case_id))
            if inst is None:
                empty += 1
            else:
                instances.append(inst)
    finally:
        store.close()
    return CaseLabels(instances, len(cases) - len(decided), empty)


@dataclass(frozen=True)
class CasesBacktest:
    """A backtest on decided cases: the usual report plus the decided precision."""

    labels: CaseLabels
    report: BacktestReport
    decided_precision: dict[str, float | None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": self.labels.to_dict(),
            **self.report.to_dict(),
            "decided_precision": self.decided_precision,
        }


def _decided_precision(alerted: set[str], pos: set[str], neg: set[str]) -> float | None:
    reviewed = alerted & (pos | neg)
    return round(len(reviewed & pos) / len(reviewed), 4) if reviewed else None


def backtest_cases(
    ws: Workspace, cfg: RuleConfig, *, engine: str = "duckdb", hub_degree: int = 20
) -> CasesBacktest:
    """Score `cfg` against the workspace's decided cases (nothing is recorded)."""
    labels = case_labels(ws)
    alerts = pack_alerts(ws, cfg, engine=engine)
    report = backtest(ws, cfg, labels.instances, hub_degree=hub_degree, alerts=alerts)
    pos = {a for i in labels.instances if i.positive for a in i.accounts}
    neg = {a for i in labels.instances if not i.positive for a in i.accounts} - pos
    by_rule: dict[str, set[str]] = {s.spec.id: set() for s in cfg.enabled()}
    for a in alerts:
        by_rule[a["rule_id"]].add(a["subject_id"])
    everything = set().union(*by_rule.values()) if by_rule else set()
    precision = {"(pack)": _decided_precision(everything, pos, neg)}
    precision |= {r: _decided_precision(s, pos, neg) for r, s in by_rule.items()}
    return CasesBacktest(labels, report, precision)


__all__ = ["CaseLabels", "CasesBacktest", "backtest_cases", "case_labels", "instance_of"]
