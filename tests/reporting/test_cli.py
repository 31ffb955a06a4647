"""`cftwatch report` end to end: a workspace, a case triaged by the cases stage, a report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest
import yaml
from lxml import etree
from typer.testing import CliRunner

from cftwatch import schema as cs
from cftwatch.cases import CaseService
from cftwatch.cli import app
from cftwatch.cli._app import console
from cftwatch.reporting import project_xsd_path, safe_parser
from cftwatch.store import OperationalStore
from cftwatch.workspace import Workspace
from tests.cases.helpers import add_team
from tests.reporting import helpers

runner = CliRunner()


def _alerts() -> pa.Table:
    base = {
        "run_id": "run-1",
        "source": "monitoring",
        "window_start": None,
        "window_end": None,
        "score": 0.9,
        "amount": None,
        "currency": "PKR",
        "params": "{}",
        "params_hash": "h",
        "details": None,
        "entity_id": None,
        "created_at": dt.datetime(2025, 1, 15, tzinfo=dt.UTC),
    }
    rows = [
        {
            **base,
            "alert_id": "A1",
            "rule_id": "fan_in",
            "typology": "crowdfunding_fan_in",
            "subject_type": "party",
            "subject_id": "P1",
            "subject_name": helpers.URDU_NAME,
            "severity": "high",
            "txn_ids": ["T1", "T2"],
            "explanation": "12 senders paid the wallet PKR 185,000 in 3 days.",
        },
        {
            **base,
            "alert_id": "A2",
            "rule_id": "cash_out",
            "typology": "cash_out",
            "subject_type": "party",
            "subject_id": "P1",
            "subject_name": helpers.URDU_NAME,
            "severity": "medium",
            "txn_ids": ["T3", "T4"],
            "explanation": "92% of the inflow left within 24 hours.",
        },
    ]
    return cs.conform(pa.Table.from_pylist(rows), cs.ALERTS)


def escalate(service: CaseService, case_id: str) -> None:
    """Move a new case to `escalated`, the status a filed report needs."""
    case = service.transition(case_id, "analyst", "in_review", "review", 1)
    service.transition(case_id, "analyst", "escalated", "Escalated to MLRO", case.version)


@pytest.fixture
def ws_path(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv("CFTWATCH_DB_URL", raising=False)
    monkeypatch.setenv("CFTWATCH_USER", "mlro")
    monkeypatch.setattr(console, "width", 200)
    return build_workspace(tmp_path)


def build_workspace(tmp_path: Path, *, escalated: bool = True) -> Path:
    """A workspace with the fixture tables, complete reporting settings and one case
    (escalated, the status a filed report needs, unless `escalated=False`)."""
    path = tmp_path / "ws"
    with Workspace.init(path) as ws:
        with ws.atomic() as tx:
            tx.append("transactions", helpers.transactions_table())
            tx.append("parties", helpers.parties_table())
            tx.append("accounts", helpers.accounts_table())
        inst = helpers.institution()
        config = yaml.safe_load((path / "cftwatch.yaml").read_text(encoding="utf-8"))
        config["institution"]["reporting_entity_id"] = "4711"
        config["reporting"] = {
            "branch": inst.branch,
            "institution_code": inst.institution_code,
            "reporting_person": inst.reporting_person.model_dump(exclude_none=True),
            "reporting_user_code": inst.reporting_user_code,
            "location": inst.location.model_dump(exclude_none=True),
            "exchange_rates": {"USD": "278.50"},
        }
        (path / "cftwatch.yaml").write_text(
            yaml.safe_dump(config, allow_unicode=True), encoding="utf-8"
        )
        with OperationalStore.for_workspace(ws) as store:
            add_team(store, analyst="analyst", mlro="supervisor")  # OS user admin: may act as mlro
            service = CaseService(store)
            (case,) = service.triage(_alerts(), "analyst")
            assert case.case_id == "CASE-000001"
            if escalated:
                escalate(service, case.case_id)
    return path


def report(ws: Path, *args: str):
    result = runner.invoke(app, ["report", *args, "--workspace", str(ws)])
    return result.exit_code, result.stdout, result.stderr


def test_report_is_written_and_recorded(ws_path: Path, tmp_path: Path):
    target = tmp_path / "str.xml"
    code, out, err = report(
        ws_path,
        "CASE-000001",
        "--profile",
        "fmu-pk",
        "--xsd",
        str(project_xsd_path()),
        "-o",
        str(target),
        "--json",
    )
    assert code == 0, out + err
    result = json.loads(out)
    assert result["report_type"] == "STR" and result["transactions"] == 4
    assert result["profile"] == "fmu-pk" and result["report_code"] == "STR"
    root = etree.parse(str(target), safe_parser()).getroot()
    assert [t.findtext("transactionnumber") for t in root.findall("transaction")] == [
        "T1",
        "T2",
        "T3",
        "T4",
    ]
    assert root.findtext("entity_reference") == "CASE-000001"
    assert root.findtext("reporting_person/email") == "compliance@demowallet.pk"
    with Workspace.open(ws_path) as ws, OperationalStore.for_workspace(ws) as store:
        (record,) = store.reports("CASE-000001")
        assert record.file_sha256 == result["sha256"] and record.profile == "fmu-pk"
        assert record.created_by == "mlro" and record.path == str(target.resolve())
        history = CaseService(store).history("CASE-000001")
        assert any(e.entity_type == "report" for e in history)


def test_sar_and_ctr_types_and_table_output(ws_path: Path, tmp_path: Path):
    code, out, err = report(ws_path, "1", "--type", "sar", "-o", str(tmp_path / "sar.xml"))
    assert code == 0, out + err
    assert "goAML SAR for CASE-000001 (valid)" in out
    code, out, err = report(
        ws_path, "1", "--type", "CTR", "-o", str(tmp_path / "ctr.xml"), "--json"
    )
    assert code == 0, out + err
    assert json.loads(out)["transactions"] == 1
    code, out, err = report(ws_path, "1", "--type", "XTR", "-o", str(tmp_path / "x.xml"))
    assert code == 2 and "--type" in err


def test_invalid_report_exits_2_listing_every_violation(ws_path: Path, tmp_path: Path):
    config_path = ws_path / "cftwatch.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    del config["reporting"]["reporting_person"]
    config["reporting"]["exchange_rates"] = {}
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    target = tmp_path / "bad.xml"
    code, out, err = report(
        ws_path,
        "CASE-000001",
        "--profile",
        "fmu-pk",
        "--xsd",
        str(project_xsd_path()),
        "-o",
        str(target),
        "--json",
    )
    assert code == 2
    assert not target.exists() and list(tmp_path.glob(".bad.xml.*")) == []
    error = json.loads(out)
    fields = {v["field"] for v in error["violations"]}
    assert "reporting_person" in fields
    assert any(f.endswith("amount_local") for f in fields)
    # human output: a table of every violation on stderr
    code, out, err = report(
        ws_path,
        "CASE-000001",
        "--profile",
        "fmu-pk",
        "--xsd",
        str(project_xsd_path()),
        "-o",
        str(target),
    )
    assert code == 2 and "nothing was written" in err and "reporting_person" in err
    with Workspace.open(ws_path) as ws, OperationalStore.for_workspace(ws) as store:
        assert store.reports("CASE-000001") == []


def test_profile_and_case_errors(ws_path: Path, tmp_path: Path):
    code, _, err = report(
        ws_path, "CASE-000001", "--profile", "fmu-pk", "-o", str(tmp_path / "r.xml")
    )
    assert code == 2 and "--xsd" in err and "goAML_Schema.xsd" in err
    code, _, err = report(ws_path, "CASE-000099", "-o", str(tmp_path / "r.xml"))
    assert code == 3 and "CASE-000099" in err
    code, _out, err = report(ws_path, "1", "--profile", "nope", "-o", str(tmp_path / "r.xml"))
    assert code == 2 and "unknown profile" in err
    config_path = ws_path / "cftwatch.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["reporting"]["exchange_rate"] = {"USD": 1}
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    code, _, err = report(ws_path, "1", "-o", str(tmp_path / "r.xml"))
    assert code == 2 and "reporting.exchange_rate" in err


def test_write_case_report_is_one_call_for_the_demo(ws_path: Path, tmp_path: Path):
    from cftwatch.app.reporting import write_case_report

    with Workspace.open(ws_path) as ws:
        done = write_case_report(ws, "CASE-000001", tmp_path / "demo.xml", user="mlro")
    assert done.profile.name == "generic" and done.written.path.is_file()
    assert done.to_dict()["transactions"] == 4 and done.report_id >= 1
