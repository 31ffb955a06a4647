"""The whole pipeline on built-in data: what `cftwatch demo` runs (it combines every
stage, so it lives in the orchestration layer).

Each stage is called through its public API, in the order a compliance team works:
load payments (the bundled sample of every input format plus a labelled synthetic
network), load the lists, screen customers and counterparties, run the rule pack, open
a case from the strongest alert, move it through review, write the goAML report, and
trace exposure to the risk seeds through the payment network.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cftwatch.app.network import network_exposure
from cftwatch.app.reporting import (
    REPORTABLE_STATUSES,
    CaseReport,
    configure_reporting,
    write_case_report,
)
from cftwatch.app.screening import screen_parties
from cftwatch.cases import Case, CaseService
from cftwatch.ingest import ingest_samples
from cftwatch.jsontext import to_jsonable
from cftwatch.lists import load_list_samples
from cftwatch.monitoring import run_rules, top_alerts
from cftwatch.network.exposure_run import ExposureParams
from cftwatch.screening import screen_transactions
from cftwatch.store import OperationalStore
from cftwatch.synth import SynthConfig, generate_synth, load_synth_into
from cftwatch.workspace import Workspace

DEMO_USER = "demo"
DEMO_SUPERVISOR = "demo-supervisor"  # four eyes: not the analyst who escalated
STEPS = (
    "ingest samples",
    "synthetic network",
    "lists",
    "screen customers",
    "screen counterparties",
    "monitoring rules",
    "case",
    "goAML report",
    "network exposure",
)
"""The demo's steps, in order (the progress callback receives each name as it starts)."""


@dataclass
class DemoResult:
    """What the demo did, with enough detail to print a summary or a JSON document."""

    workspace: Path
    tables: dict[str, int]
    ingested: list[dict[str, Any]]
    synth: dict[str, Any]
    lists: list[dict[str, Any]]
    screening: dict[str, dict[str, int]]
    monitoring: dict[str, Any]
    top_screening: list[dict[str, Any]]
    top_alerts: list[dict[str, Any]]
    case: dict[str, Any]
    report: dict[str, Any]
    alerts_export: Path
    exposure: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace": str(self.workspace),
            "tables": self.tables,
            "ingested": self.ingested,
            "synth": self.synth,
            "lists": self.lists,
            "screening": self.screening,
            "monitoring": self.monitoring,
            "top_screening": self.top_screening,
            "top_alerts": self.top_alerts,
            "case": self.case,
            "report": self.report,
            "alerts_export": str(self.alerts_export),
            "exposure": self.exposure,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def run_demo(
    out: str | Path,
    *,
    accounts: int = 5_000,
    days: int = 30,
    seed: int = 7,
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run every stage on demo data in a workspace at `out` (created if missing).

    Running it again on the same folder adds nothing twice: loads, list versions, alerts
    and cases are idempotent; a rerun writes a draft report (the case is already reported).
    """
    path = Path(out)
    ws = Workspace.open(path) if (path / "cftwatch.yaml").exists() else Workspace.init(path)
    marks: list[tuple[str, float]] = []

    def step(name: str) -> None:
        marks.append((name, time.perf_counter()))
        if on_step is not None:
            on_step(name)

    with ws:
        if not ws.config.reporting:
            configure_reporting(ws, institution=DEMO_INSTITUTION, reporting=DEMO_REPORTING)
        step(STEPS[0])
        ingested = [
            {"format": r.format, "rows": r.rows, "rejects": r.rejects, "labels": r.labels}
            for r in ingest_samples(ws)
        ]

        step(STEPS[1])
        config = SynthConfig(seed=seed, accounts=accounts, days=days, start=dt.date(2026, 1, 1))
        data = generate_synth(config)
        load_synth_into(ws, data)
        synth = data.summary()

        step(STEPS[2])
        versions = [
            {"list": v.list_id, "version": v.version_id, "entities": v.entities}
            for v in load_list_samples(ws)
        ]

        step(STEPS[3])
        screened_parties = screen_parties(ws)
        step(STEPS[4])
        screened_txns = screen_transactions(ws)

        step(STEPS[5])
        run = run_rules(ws)
        strongest_rules = top_alerts(ws, limit=5)
        strongest_matches = _top_screening(ws, limit=5)

        case, report = _case_to_report(ws, path, step)
        step(STEPS[8])
        exposure = _exposure(ws)
        step("done")
        exported = ws.export_jsonl(
            "alerts", path / "exports" / "alerts.jsonl", "created_at, alert_id"
        )
        tables = ws.table_counts()
    seconds = {a: t1 - t0 for (a, t0), (_, t1) in itertools.pairwise(marks)}

    return DemoResult(
        workspace=path.resolve(),
        tables=tables,
        ingested=ingested,
        synth=synth,
        lists=versions,
        screening={"customers": screened_parties, "counterparties": screened_txns},
        monitoring=run.to_dict(),
        top_screening=strongest_matches,
        top_alerts=[to_jsonable(a) for a in strongest_rules],
        case=case.model_dump(mode="json"),
        report=report.to_dict(),
        alerts_export=exported,
        exposure=exposure,
        seconds=seconds,
    )


def _exposure(ws: Workspace, top: int = 5) -> dict[str, Any]:
    """Exposure to the seeds (screening hits, the case just reported) over all the demo's
    payments (the samples and the synthetic month lie far apart), most exposed first."""
    first, last = ws.query_one("SELECT min(ts), max(ts) FROM transactions") or (None, None)
    days = (last - first).days + 1 if first and last else 30  # every payment the demo loaded
    res = network_exposure(ws, ExposureParams(window_days=float(days)))
    keep = (
        "account",
        "exposure",
        "exposed_inflow",
        "inflow",
        "hops",
        "seed",
        "seed_reason",
        "path",
    )
    return {
        "run_id": res["run_id"],
        "mode": res["mode"],
        "seeds": res["seeds"],
        "accounts": len(res["rows"]),
        "alerts_new": res["alerts"],
        "top": [{k: r[k] for k in keep} for r in res["rows"][:top]],
    }


def _case_to_report(
    ws: Workspace, path: Path, step: Callable[[str], None]
) -> tuple[Case, CaseReport]:
    """Open a case from the strongest alert, review and escalate it, write its report and
    mark it reported (the last two steps of the demo)."""
    step(STEPS[6])
    store = OperationalStore.for_workspace(ws)
    try:
        service = CaseService(store)
        case = service.triage_strongest(ws.read("alerts"), DEMO_USER)
        case = _work_case(service, case.case_id, case.status, case.version)

        step(STEPS[7])
        report = write_case_report(
            ws,
            case.case_id,
            path / "reports" / _report_name(case.case_id),
            user=DEMO_USER,
            draft=case.status not in REPORTABLE_STATUSES,  # a rerun: already reported
        )
        if case.status == "escalated":
            case = service.transition(
                case.case_id,
                DEMO_SUPERVISOR,
                "reported",
                f"STR written to {report.written.path.name} ({report.written.sha256[:12]})",
                case.version,
            )
    finally:
        store.close()
    return case, report


def _work_case(service: CaseService, case_id: str, status: str, version: int) -> Case:
    """Move a new case to `escalated`, as an analyst and then a supervisor would."""
    case = service.get(case_id)
    if status == "new":
        case = service.transition(
            case_id, DEMO_USER, "in_review", "demo: analyst starts the review", version
        )
    if case.status == "in_review":
        case = service.transition(
            case_id,
            DEMO_USER,
            "escalated",
            "demo: evidence supports a suspicion of terrorist financing",
            case.version,
        )
    return case


DEMO_INSTITUTION: dict[str, Any] = {"name": "Demo Wallet Ltd", "reporting_entity_id": "90001"}
"""A fictitious institution: 90001 is a made-up (valid) reporting entity id."""

DEMO_REPORTING: dict[str, Any] = {
    "branch": "Head Office Karachi",
    "institution_code": "DEMOWLT",
    "reporting_user_code": "DEMO-MLRO",
    "location": {
        "address_type": "BUS",
        "address": "1 Demo Road, Clifton",
        "city": "Karachi",
        "country_code": "PK",
    },
}
"""The demo institution's goAML details: everything the goAML 5.0.x schema makes mandatory."""


def _report_name(case_id: str) -> str:
    return f"{case_id}-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%S')}.xml"


def _top_screening(ws: Workspace, limit: int) -> list[dict[str, Any]]:
    """The strongest screening alerts, one per (subject, list entry)."""
    return ws.query_dicts(
        "SELECT subject_id, subject_name, entity_id, severity, score, explanation "
        "FROM alerts WHERE source = 'screening' "
        "QUALIFY row_number() OVER (PARTITION BY subject_id, entity_id ORDER BY score DESC) = 1 "
        "ORDER BY score DESC, subject_id LIMIT ?",
        [limit],
    )
