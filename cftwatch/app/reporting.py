"""Case → goAML report: what `cftwatch report` and `cftwatch demo` call. Reads the case
from the cases stage, turns it into reporting's `ReportCase`, reads the case's
transactions, parties and accounts through the workspace gateway, has reporting build,
validate and write the report, and records the file on the case."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from cftwatch.cases import CaseBundle, CaseService
from cftwatch.errors import WorkflowError
from cftwatch.reporting import (
    FiuProfile,
    InstitutionInfo,
    Report,
    ReportAlert,
    ReportCase,
    ReportDecision,
    ReportType,
    Violation,
    WrittenReport,
    build_goaml_report,
    check_goaml_report,
    load_profile,
    referenced_ids,
    save_reporting_config,
    write_goaml_report,
)
from cftwatch.store import OperationalStore
from cftwatch.workspace import CONFIG_NAME, Workspace, load_config, quote_ident

DEFAULT_PROFILE = "generic"
REPORTABLE_STATUSES = ("escalated",)
"""A case is filed only once a supervisor has escalated it; `draft=True` builds one for
any status, marked as a draft and never recorded as filed."""
FILING_ROLE = "supervisor"
"""Filing a report is a supervisor's act (like deciding a case `reported`)."""
DRAFT_ROLE = "analyst"
"""A draft files nothing: any user of the store may build one."""


@dataclass(frozen=True)
class CaseReport:
    """A written report, the model it came from, and its record in the store."""

    written: WrittenReport
    report: Report
    profile: FiuProfile
    report_id: int | None
    draft: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.report.case_id,
            "profile": self.profile.name,
            **self.written.to_dict(),
            "report_id": self.report_id,
            "draft": self.draft,
            "placeholders": len(self.report.placeholders),
            "indicators": self.report.indicators,
        }


@dataclass(frozen=True)
class CaseTables:
    """The canonical rows a case's report needs."""

    transactions: pa.Table
    parties: pa.Table
    accounts: pa.Table


def write_case_report(
    ws: Workspace,
    case_id: str | int,
    output: str | Path,
    *,
    user: str,
    actor: str | None = None,
    profile: str | Path | None = None,
    xsd: str | Path | None = None,
    report_type: ReportType | None = None,
    draft: bool = False,
) -> CaseReport:
    """Build, validate and write the goAML report of a case, then record it on the case.
    `profile` defaults to the workspace's `reporting.default_profile`, else `generic`.
    The workspace's reporting settings are checked first (ConfigError naming each key);
    a case not in REPORTABLE_STATUSES is refused (WorkflowError) unless `draft`, which
    writes a file marked DRAFT and records nothing. Raises `ReportValidationError`
    (nothing written, nothing recorded) when invalid.

    `user` files it and needs the FILING_ROLE (DRAFT_ROLE for a draft; `AccessDenied`
    otherwise). `actor` is the OS identity behind it (the CLI's): when given, `user` is
    re-checked as whom `actor` may act as, and the audit row of the filed report carries
    `actor` when the two differ, as the cases commands' rows do."""
    store = OperationalStore.for_workspace(ws)
    try:
        built = _build_case_report(
            ws, store, case_id, user, actor, profile, xsd, report_type, draft=draft
        )
        report, fiu, rcase = built.report, built.profile, built.case
        target = draft_path(output) if draft else Path(output)
        written = write_goaml_report(report, target, profile=fiu, xsd=built.xsd, draft=draft)
        report_id = None
        if not draft:
            report_id = store.record_report(
                rcase.case_id,
                built.user,
                written.sha256,
                fiu.name,
                report_code=written.report_code,
                path=str(written.path.resolve()),
            ).id
    finally:
        store.close()
    return CaseReport(written=written, report=report, profile=fiu, report_id=report_id, draft=draft)


def _check_reportable(bundle: CaseBundle, draft: bool) -> None:
    status = bundle.case.status
    if draft or status in REPORTABLE_STATUSES:
        return
    raise WorkflowError(
        f"case {bundle.case.case_id} is {status!r}: a report is filed only for a case that "
        f"is {' or '.join(REPORTABLE_STATUSES)}; use --draft for a draft that is not filed"
    )


@dataclass(frozen=True)
class _Built:
    report: Report
    profile: FiuProfile
    xsd: Path
    case: ReportCase
    user: str


def _build_case_report(
    ws: Workspace,
    store: OperationalStore,
    case_id: str | int,
    user: str,
    actor: str | None,
    profile: str | Path | None,
    xsd: str | Path | None,
    report_type: ReportType | None,
    *,
    draft: bool,
) -> _Built:
    """Check who files it and that the case may be reported, then build the report model."""
    chosen = profile or (ws.config.reporting or {}).get("default_profile") or DEFAULT_PROFILE
    fiu = load_profile(chosen)
    institution = InstitutionInfo.from_workspace(ws, fiu)
    xsd_path = fiu.xsd_path(xsd)  # fails early when the FIU's own XSD is needed
    if actor is not None:
        user = store.act_as(actor, None if user == actor else user)
    store.require_role(
        user,
        DRAFT_ROLE if draft else FILING_ROLE,
        "a draft report" if draft else "filing a report",
    )
    bundle = CaseService(store).case_bundle(case_id)
    _check_reportable(bundle, draft)
    rcase = report_case_from_bundle(bundle)
    tables = case_tables(ws, rcase)
    report = build_goaml_report(
        rcase,
        tables.transactions,
        tables.parties,
        accounts=tables.accounts,
        institution=institution,
        profile=fiu,
        report_type=report_type,
    )
    return _Built(report, fiu, Path(xsd_path), rcase, user)


def check_case_report(
    ws: Workspace,
    case_id: str | int,
    *,
    user: str,
    profile: str | Path | None = None,
    xsd: str | Path | None = None,
    report_type: ReportType | None = None,
) -> tuple[Report, FiuProfile, list[Violation]]:
    """What filing the case's report would find wrong, without writing or recording
    anything: the same role and status checks as `write_case_report` (as a filing)."""
    store = OperationalStore.for_workspace(ws)
    try:
        built = _build_case_report(
            ws, store, case_id, user, None, profile, xsd, report_type, draft=False
        )
    finally:
        store.close()
    return (
        built.report,
        built.profile,
        check_goaml_report(built.report, profile=built.profile, xsd=built.xsd),
    )


def draft_path(output: str | Path) -> Path:
    """`report.xml` → `report-DRAFT.xml` (unchanged when the name already says DRAFT)."""
    path = Path(output)
    if "DRAFT" in path.name:
        return path
    return path.with_name(f"{path.stem}-DRAFT{path.suffix}")


def configure_reporting(
    ws: Workspace,
    *,
    institution: dict[str, Any] | None = None,
    reporting: dict[str, Any] | None = None,
) -> None:
    """Write the institution's goAML details into the workspace config (validated first:
    ConfigError names every missing key) and reload it."""
    path = Path(ws.path) / CONFIG_NAME
    save_reporting_config(path, institution=institution, reporting=reporting)
    ws.config = load_config(path)


def init_reporting(
    ws: Workspace,
    *,
    reporting_entity_id: str | None = None,
    branch: str | None = None,
    reporting_user_code: str | None = None,
    institution_code: str | None = None,
    swift: str | None = None,
    location: dict[str, str | None] | None = None,
) -> bool:
    """`cftwatch init`'s reporting options into the workspace config; False when none was
    given (nothing written). All of them are validated together, naming each key."""
    institution = {"reporting_entity_id": reporting_entity_id} if reporting_entity_id else {}
    given = {
        "branch": branch,
        "reporting_user_code": reporting_user_code,
        "institution_code": institution_code,
        "swift": swift,
    }
    reporting: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    where = {k: v for k, v in (location or {}).items() if v is not None}
    if where:
        reporting["location"] = {**(ws.config.reporting or {}).get("location", {}), **where}
    if not institution and not reporting:
        return False
    configure_reporting(ws, institution=institution, reporting=reporting)
    return True


def report_case_from_bundle(bundle: CaseBundle) -> ReportCase:
    """What the report needs of a case: its fields, alerts (with the explanation and
    transaction ids their snapshots hold), current notes and decisions."""
    alerts = [
        ReportAlert(
            alert_id=a.alert_id,
            typology=a.typology,
            rule_id=a.rule_id,
            severity=a.severity,
            explanation=(a.snapshot or {}).get("explanation"),
            txn_ids=[str(t) for t in ((a.snapshot or {}).get("txn_ids") or [])],
        )
        for a in bundle.alerts
    ]
    return ReportCase(
        case_id=bundle.case.case_id,
        title=bundle.case.title,
        subject_type=bundle.subject.subject_type,
        subject_id=bundle.subject.subject_id,
        subject_name=bundle.subject.subject_name,
        alerts=alerts,
        txn_ids=list(bundle.txn_ids),
        notes=[n.text for n in bundle.current_notes],
        decisions=[
            ReportDecision(kind=d.kind, to_status=d.to_status, reason=d.reason)
            for d in bundle.decisions
        ],
    )


def case_tables(ws: Workspace, rcase: ReportCase) -> CaseTables:
    """The case's transactions, and the parties and accounts they (and the subject) name,
    read from the workspace's canonical tables."""
    txns = _rows_in(ws, "transactions", "txn_id", set(rcase.all_txn_ids()))
    party_ids, account_ids = referenced_ids(txns.to_pylist(), rcase)
    accounts = _rows_in(ws, "accounts", "account_id", account_ids)
    party_ids |= {p for p in accounts.column("party_id").to_pylist() if p}
    parties = _rows_in(ws, "parties", "party_id", party_ids)
    return CaseTables(transactions=txns, parties=parties, accounts=accounts)


def _rows_in(ws: Workspace, table: str, key: str, values: set[str]) -> pa.Table:
    keys = pa.table({"k": pa.array(sorted(values), pa.string())})
    with ws.registered("_report_keys", keys) as rel:
        return ws.query_arrow(
            f"SELECT t.* FROM {quote_ident(table)} t JOIN {rel} k ON t.{quote_ident(key)} = k.k"
        )
