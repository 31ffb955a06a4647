"""Case → report in the orchestration layer: a cases-stage `CaseBundle` becomes the
report's typed `ReportCase`, and the case's rows are read through the workspace gateway."""

from __future__ import annotations

import datetime as dt

from cftwatch.app.reporting import case_tables, report_case_from_bundle
from cftwatch.cases.records import Case, CaseAlert, CaseBundle, Note, Subject
from cftwatch.reporting import check_goaml_report, load_profile
from cftwatch.workspace import Workspace
from tests.reporting import helpers

_build = helpers.build_report


def test_case_bundle_from_the_cases_stage(tables, xsd):
    """A real `CaseBundle` (cases stage) converts to the report's case input."""
    now = dt.datetime(2025, 1, 20, tzinfo=dt.UTC)
    case = Case(
        case_id="CASE-000003",
        subject_type="party",
        subject_id="P1",
        subject_name=helpers.URDU_NAME,
        title="Fan-in to P1",
        status="escalated",
        priority="high",
        assignee=None,
        due_date=None,
        created_at=now,
        created_by="a",
        updated_at=now,
        updated_by="a",
        version=3,
    )
    bundle = CaseBundle(
        case=case,
        subject=Subject(subject_type="party", subject_id="P1", subject_name=helpers.URDU_NAME),
        alerts=[
            CaseAlert(
                case_id="CASE-000003",
                alert_id="A9",
                source="monitoring",
                rule_id="fan_in",
                typology="crowdfunding_fan_in",
                severity="high",
                score=0.9,
                snapshot={"explanation": "many senders", "txn_ids": ["T1"]},
                added_at=now,
                added_by="a",
            )
        ],
        txn_ids=["T2"],
        screening_matches=[],
        evidence=[],
        notes=[
            Note(
                id=1,
                case_id="CASE-000003",
                text="old",
                supersedes_id=None,
                superseded_by_id=2,
                created_at=now,
                created_by="a",
            ),
            Note(
                id=2,
                case_id="CASE-000003",
                text="corrected note",
                supersedes_id=1,
                superseded_by_id=None,
                created_at=now,
                created_by="a",
            ),
        ],
        decisions=[],
        reports=[],
    )
    rcase = report_case_from_bundle(bundle)
    assert rcase.all_txn_ids() == ["T2", "T1"]
    assert rcase.notes == ["corrected note"]  # the superseded note is not reported
    profile = load_profile("generic")
    report = _build(profile, tables, case=rcase)
    assert [t.transactionnumber for t in report.transactions] == ["T1", "T2"]
    assert "corrected note" in report.reason and "old" not in report.reason.split("\n")[-1]
    assert check_goaml_report(report, profile=profile, xsd=xsd) == []


def test_case_tables_reads_the_rows_the_report_needs(tmp_path, tables):
    """Through the gateway: the case's transactions, the parties and accounts they name,
    the subject's, and the holders of those accounts; nothing else."""
    txns, parties, accounts = tables
    with Workspace.init(tmp_path / "ws") as ws:
        with ws.atomic() as tx:
            tx.append("transactions", txns)
            tx.append("parties", parties)
            tx.append("accounts", accounts)
        got = case_tables(ws, helpers.case())
    assert sorted(got.transactions.column("txn_id").to_pylist()) == ["T1", "T2", "T3", "T4"]
    assert sorted(got.parties.column("party_id").to_pylist()) == ["P1", "P2", "P3", "P4"]
    assert sorted(got.accounts.column("account_id").to_pylist()) == [
        "W-0300111",
        "W-0300222",
        "W-0300444",
    ]
