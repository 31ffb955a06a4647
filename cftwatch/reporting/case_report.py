"""One call from a case id to a validated report file recorded on the case: what
`cftwatch report` and `cftwatch demo` use. Reads the case from the operational store
(cases stage) and its transactions, parties and accounts from the workspace's tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from cftwatch.reporting.build import (
    InstitutionInfo,
    ReportCase,
    WrittenReport,
    build_goaml_report,
    write_goaml_report,
)
from cftwatch.reporting.fiu_profile import FiuProfile, load_profile
from cftwatch.reporting.model import Report, ReportType

DEFAULT_PROFILE = "generic"


@dataclass(frozen=True)
class CaseReport:
    """A written report, the model it came from, and its record in the store."""

    written: WrittenReport
    report: Report
    profile: FiuProfile
    report_id: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.report.case_id,
            "profile": self.profile.name,
            **self.written.to_dict(),
            "report_id": self.report_id,
            "indicators": self.report.indicators,
        }


def write_case_report(
    ws: Any,
    case_id: str | int,
    output: str | Path,
    *,
    user: str,
    profile: str | Path | None = None,
    xsd: str | Path | None = None,
    report_type: ReportType | None = None,
) -> CaseReport:
    """Build, validate and write the goAML report of a case, then record it on the case.
    `profile` defaults to the workspace's `reporting.default_profile`, else `generic`.
    Raises `ReportValidationError` (nothing written, nothing recorded) when invalid."""
    from cftwatch.cases import CaseService
    from cftwatch.store import OperationalStore

    institution = InstitutionInfo.from_workspace(ws)
    fiu = load_profile(profile or institution.default_profile or DEFAULT_PROFILE)
    xsd_path = fiu.xsd_path(xsd)  # fails early when the FIU's own XSD is needed
    store = OperationalStore.for_workspace(ws)
    try:
        rcase = ReportCase.from_bundle(CaseService(store).case_bundle(case_id))
        txns, parties, accounts = case_tables(ws, rcase)
        report = build_goaml_report(
            rcase,
            txns,
            parties,
            accounts=accounts,
            institution=institution,
            profile=fiu,
            report_type=report_type,
        )
        written = write_goaml_report(report, output, profile=fiu, xsd=xsd_path)
        record = store.record_report(
            rcase.case_id,
            user,
            written.sha256,
            fiu.name,
            report_code=written.report_code,
            path=str(written.path.resolve()),
        )
    finally:
        store.close()
    return CaseReport(written=written, report=report, profile=fiu, report_id=record.id)


def case_tables(ws: Any, rcase: ReportCase) -> tuple[pa.Table, pa.Table, pa.Table]:
    """The case's transactions, and the parties and accounts they (and the subject) name,
    read from the workspace's canonical tables."""
    con = ws.con.cursor()  # its own cursor: DuckDB 2 refuses work beside an unfinished result
    try:
        return _case_tables(con, rcase)
    finally:
        con.close()


def _case_tables(
    con: duckdb.DuckDBPyConnection, rcase: ReportCase
) -> tuple[pa.Table, pa.Table, pa.Table]:
    txns = _rows_in(con, "transactions", "txn_id", set(rcase.all_txn_ids()))
    party_ids = {
        v
        for col in ("debtor_id", "creditor_id")
        for v in txns.column(col).to_pylist()
        if v is not None
    }
    account_ids = {
        v
        for col in ("debtor_account", "creditor_account")
        for v in txns.column(col).to_pylist()
        if v is not None
    }
    if rcase.subject_id and rcase.subject_type == "party":
        party_ids.add(rcase.subject_id)
    if rcase.subject_id and rcase.subject_type == "account":
        account_ids.add(rcase.subject_id)
    accounts = _rows_in(con, "accounts", "account_id", account_ids)
    party_ids |= {p for p in accounts.column("party_id").to_pylist() if p}
    parties = _rows_in(con, "parties", "party_id", party_ids)
    return txns, parties, accounts


def _rows_in(con: duckdb.DuckDBPyConnection, table: str, key: str, values: set[str]) -> pa.Table:
    con.register("_report_keys", pa.table({"k": pa.array(sorted(values), pa.string())}))
    try:
        return con.sql(
            f'SELECT t.* FROM "{table}" t JOIN _report_keys k ON t."{key}" = k.k'
        ).to_arrow_table()
    finally:
        con.unregister("_report_keys")
