"""goAML reporting: an FIU-agnostic report model, FIU profiles as data, a streaming XML
writer and XSD validation that maps every violation back to the case field behind it.

    profile = load_profile("fmu-pk")
    report = build_goaml_report(report_case, transactions, parties,
                                institution=InstitutionInfo.from_workspace(ws), profile=profile)
    written = write_goaml_report(report, "report.xml", profile=profile, xsd="goAML_Schema.xsd")

Reporting reads no store and imports no other stage: `cftwatch.app.reporting` reads the
case and its tables and calls this package (`write_case_report`).
"""

from __future__ import annotations

from cftwatch.reporting.build import build_goaml_report, case_transactions, referenced_ids
from cftwatch.reporting.builders.person import split_name
from cftwatch.reporting.config import ReportingSettings, reporting_settings, save_reporting_config
from cftwatch.reporting.fiu_profile import (
    FiuProfile,
    bundled_xsd,
    load_profile,
    project_xsd_path,
    shipped_profiles,
)
from cftwatch.reporting.inputs import InstitutionInfo, ReportAlert, ReportCase, ReportDecision
from cftwatch.reporting.model import (
    REPORT_TYPES,
    Account,
    Activity,
    Address,
    Director,
    Entity,
    ForeignCurrency,
    Identification,
    InvolvedParty,
    Person,
    Phone,
    Report,
    ReportHeader,
    ReportingPerson,
    ReportParty,
    ReportType,
    Signatory,
    Transaction,
    TransactionParty,
)
from cftwatch.reporting.origins import source_of_field
from cftwatch.reporting.validate import (
    ReportValidationError,
    Violation,
    field_for_path,
    load_schema,
    safe_parser,
    validate_report,
)
from cftwatch.reporting.write import WrittenReport, check_goaml_report, write_goaml_report
from cftwatch.reporting.writer import GoamlWriter, report_to_bytes

__all__ = [
    "REPORT_TYPES",
    "Account",
    "Activity",
    "Address",
    "Director",
    "Entity",
    "FiuProfile",
    "ForeignCurrency",
    "GoamlWriter",
    "Identification",
    "InstitutionInfo",
    "InvolvedParty",
    "Person",
    "Phone",
    "Report",
    "ReportAlert",
    "ReportCase",
    "ReportDecision",
    "ReportHeader",
    "ReportParty",
    "ReportType",
    "ReportValidationError",
    "ReportingPerson",
    "ReportingSettings",
    "Signatory",
    "Transaction",
    "TransactionParty",
    "Violation",
    "WrittenReport",
    "build_goaml_report",
    "bundled_xsd",
    "case_transactions",
    "check_goaml_report",
    "field_for_path",
    "load_profile",
    "load_schema",
    "project_xsd_path",
    "referenced_ids",
    "report_to_bytes",
    "reporting_settings",
    "safe_parser",
    "save_reporting_config",
    "shipped_profiles",
    "source_of_field",
    "split_name",
    "validate_report",
    "write_goaml_report",
]
