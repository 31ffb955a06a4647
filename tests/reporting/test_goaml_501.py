"""Issue 16, items 1-3: the structure XSD derived from the published goAML 5.0.1 schema,
every report type valid against it, the reporting settings checked before any XML, and a
report filed only for an escalated case (`--draft` otherwise, never recorded)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from lxml import etree
from typer.testing import CliRunner

from cftwatch.app.reporting import draft_path, write_case_report
from cftwatch.cases import CaseService
from cftwatch.cli import app
from cftwatch.errors import ConfigError, WorkflowError
from cftwatch.reporting import (
    REPORT_TYPES,
    check_goaml_report,
    load_profile,
    project_xsd_path,
    reporting_settings,
    safe_parser,
)
from cftwatch.store import OperationalStore
from cftwatch.workspace import Workspace
from tests.reporting import helpers
from tests.reporting.test_cli import build_workspace

XS = "{http://www.w3.org/2001/XMLSchema}"
PUBLISHED_SHA256 = "412fbd8b49eb5ff0960f94ca78b12a196ac9408da6b08de75b9b4280eac7c82d"
runner = CliRunner()

COMPLETE = {
    "branch": "Head Office",
    "reporting_user_code": "MLRO-1",
    "institution_code": "DEMO",
    "location": {
        "address_type": "BUS",
        "address": "1 Road",
        "city": "Lahore",
        "country_code": "PK",
    },
}


# -- 1. the XSD -------------------------------------------------------------------------


def _xsd() -> etree._ElementTree:
    return etree.parse(str(project_xsd_path()), safe_parser())


def _report_child(name: str) -> etree._Element:
    (el,) = _xsd().xpath(
        "/xs:schema/xs:element[@name='report']/xs:complexType/xs:sequence/"
        f"xs:element[@name='{name}']",
        namespaces={"xs": XS[1:-1]},
    )
    return el


def test_xsd_names_its_published_source_and_carries_no_code_list():
    text = project_xsd_path().read_text(encoding="utf-8")
    header = text[: text.index("<xs:schema")]
    assert "goaml:schemaVersion 5.0.1" in header and PUBLISHED_SHA256 in header
    assert "github.com/thecury/goAML@94e24e80" in header
    assert not list(_xsd().iter(f"{XS}enumeration"))  # lookup codes live in FIU profiles


def test_xsd_is_the_strict_published_structure():
    """What the project's old hand-written XSD got wrong (issue 16)."""
    assert _report_child("rentity_branch").get("minOccurs") is None  # mandatory
    assert _report_child("location").get("minOccurs") is None
    (minimum,) = _report_child("rentity_id").iter(f"{XS}minInclusive")
    assert minimum.get("value") == "1"


@pytest.mark.parametrize("report_type", REPORT_TYPES)
@pytest.mark.parametrize("profile_name", ["generic", "fmu-pk"])
def test_every_report_type_validates(report_type, profile_name, tables):
    profile = load_profile(profile_name)
    report = helpers.build_report(profile, tables, report_type=report_type)
    assert report.report_type == report_type
    assert check_goaml_report(report, profile=profile, xsd=project_xsd_path()) == []
    assert report.transactions or report.activity  # not an empty shell


def test_the_old_demo_header_is_rejected(tables):
    """rentity_id 0000 and no branch: what the published schema refuses."""
    profile = load_profile("generic")
    institution = helpers.institution(reporting_entity_id="0000", branch=None)
    report = helpers.build_report(profile, tables, institution=institution)
    fields = {v.field for v in check_goaml_report(report, profile=profile)}
    assert {"rentity_id", "rentity_branch"} <= fields


def test_placeholders_are_listed_and_absent_without_the_profile_option(tables):
    profile = load_profile("generic")
    report = helpers.build_report(profile, tables)
    sig = "transactions[0].from_party.account.signatories[0].person"
    assert report.placeholders[f"{sig}.occupation"] == "profile missing_kyc.text"
    strict = profile.model_copy(update={"missing_kyc": None})
    report = helpers.build_report(strict, tables)
    fields = {v.field for v in check_goaml_report(report, profile=strict)}
    assert {f"{sig}.occupation", f"{sig}.phones"} <= fields


# -- 2. the reporting settings --------------------------------------------------------


def _problems(section, institution=None, **kw) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        reporting_settings(section, institution or {"reporting_entity_id": "4711"}, "w.yaml", **kw)
    return {p.field: p.reason for p in caught.value.problems}


def test_complete_settings_validate():
    settings = reporting_settings(COMPLETE, {"reporting_entity_id": "4711"}, "w.yaml")
    assert settings.branch == "Head Office" and settings.location.city == "Lahore"


@pytest.mark.parametrize("entity_id", ["0000", "0", "-3", "12a", "", None, "2147483648"])
def test_reporting_entity_id_must_be_a_positive_int(entity_id):
    found = _problems(COMPLETE, {"reporting_entity_id": entity_id})
    assert "integer from 1" in found["institution.reporting_entity_id"]


def test_every_missing_key_is_named():
    found = _problems({"location": {"city": "Lahore"}})
    assert {
        "reporting.branch",
        "reporting.location.address",
        "reporting.location.address_type",
        "reporting.location.country_code",
    } <= set(found)
    found = _problems({k: v for k, v in COMPLETE.items() if k != "reporting_user_code"})
    assert "reporting_person" in found["reporting.reporting_user_code"]
    found = _problems({k: v for k, v in COMPLETE.items() if k != "institution_code"})
    assert "reporting.swift" in found["reporting.institution_code"]


def test_profile_may_supply_the_filer_and_the_entity_id():
    section = {k: v for k, v in COMPLETE.items() if k != "reporting_user_code"}
    reporting_settings(
        section,
        {"reporting_entity_id": "0000"},
        "w.yaml",
        profile_entity_id="77",
        profile_has_filer=True,
    )


def test_bad_values_are_named():
    found = _problems({**COMPLETE, "reporting_user_code": "abc", "swift": "nope", "branch": ""})
    assert {"reporting.reporting_user_code", "reporting.swift", "reporting.branch"} <= set(found)


def _break_config(ws: Path, **changes) -> None:
    config_path = ws / "cftwatch.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        section, name = key.split("__")
        if value is None:
            config[section].pop(name, None)
        else:
            config[section][name] = value
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


def test_missing_setting_is_reported_before_any_xml(tmp_path, monkeypatch):
    monkeypatch.delenv("CFTWATCH_DB_URL", raising=False)
    ws = build_workspace(tmp_path)
    _break_config(ws, reporting__branch=None, institution__reporting_entity_id="0000")
    out = tmp_path / "out"
    args = ["report", "CASE-000001", "-o", str(out / "r.xml"), "--workspace", str(ws)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 2, result.output
    fields = {p["field"] for p in json.loads(result.stdout)["problems"]}
    assert {"reporting.branch", "institution.reporting_entity_id"} <= fields
    plain = runner.invoke(app, args)
    assert plain.exit_code == 2 and "reporting.branch" in plain.stderr
    assert "Traceback" not in plain.output
    assert not out.exists()  # nothing built, not even the folder


def test_init_asks_for_and_validates_the_goaml_settings(tmp_path):
    ws = tmp_path / "ws"
    args = ["init", str(ws), "--reporting-entity-id", "4711", "--branch", "Head Office"]
    args += ["--reporting-user-code", "MLRO-1", "--institution-code", "DEMO"]
    args += ["--location-type", "BUS", "--location-address", "1 Road"]
    args += ["--location-city", "Lahore", "--location-country", "PK"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    with Workspace.open(ws) as opened:
        assert opened.config.institution.reporting_entity_id == "4711"
        assert opened.config.reporting["location"]["city"] == "Lahore"
    bad = runner.invoke(app, ["init", str(tmp_path / "b"), "--branch", "X", "--json"])
    assert bad.exit_code == 2
    fields = {p["field"] for p in json.loads(bad.stdout)["problems"]}
    assert {"reporting.location", "institution.reporting_entity_id"} <= fields


def test_demo_institution_is_complete(tmp_path):
    from cftwatch.app.demo import DEMO_INSTITUTION, DEMO_REPORTING

    settings = reporting_settings(DEMO_REPORTING, DEMO_INSTITUTION, "demo")
    assert settings.branch and settings.location.country_code == "PK"


# -- 3. status and drafts ---------------------------------------------------------------


def _recorded(ws_path: Path) -> int:
    with Workspace.open(ws_path) as ws, OperationalStore.for_workspace(ws) as store:
        return len(CaseService(store).case_bundle("CASE-000001").reports)


def test_unreviewed_case_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("CFTWATCH_DB_URL", raising=False)
    ws = build_workspace(tmp_path, escalated=False)
    target = tmp_path / "r.xml"
    result = runner.invoke(
        app, ["report", "CASE-000001", "-o", str(target), "--workspace", str(ws)]
    )
    assert result.exit_code == 2 and "'new'" in result.stderr and "--draft" in result.stderr
    assert not target.exists() and _recorded(ws) == 0
    with Workspace.open(ws) as opened, pytest.raises(WorkflowError):
        write_case_report(opened, "CASE-000001", target, user="mlro")


def test_draft_is_marked_and_never_recorded(tmp_path, monkeypatch):
    monkeypatch.delenv("CFTWATCH_DB_URL", raising=False)
    ws = build_workspace(tmp_path, escalated=False)
    target = tmp_path / "r.xml"
    args = ["report", "CASE-000001", "-o", str(target), "--draft", "--json", "--workspace", str(ws)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    drafted = tmp_path / "r-DRAFT.xml"
    assert drafted.is_file() and not target.exists()
    text = drafted.read_text(encoding="utf-8")
    assert "<!-- DRAFT:" in text.split("<report>")[0]
    assert etree.parse(str(drafted), safe_parser()).getroot().tag == "report"
    assert _recorded(ws) == 0
    assert draft_path("x/CASE-1-DRAFT.xml") == Path("x/CASE-1-DRAFT.xml")


def test_escalated_case_is_filed_and_recorded(tmp_path, monkeypatch):
    monkeypatch.delenv("CFTWATCH_DB_URL", raising=False)
    ws = build_workspace(tmp_path)
    target = tmp_path / "r.xml"
    result = runner.invoke(
        app, ["report", "CASE-000001", "-o", str(target), "--workspace", str(ws)]
    )
    assert result.exit_code == 0, result.output
    assert "DRAFT" not in target.read_text(encoding="utf-8") and _recorded(ws) == 1
