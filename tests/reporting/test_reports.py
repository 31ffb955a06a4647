"""Reports that validate: STR, SAR and CTR, for both shipped profiles."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from lxml import etree

from cftwatch.reporting import (
    build_goaml_report,
    check_goaml_report,
    safe_parser,
    validate_report,
    write_goaml_report,
)
from tests.reporting import helpers

_build = helpers.build_report


def _parse(path: Path) -> etree._Element:
    return etree.parse(str(path), safe_parser()).getroot()


def test_str_validates_and_is_written(profile, tables, xsd, tmp_path):
    report = _build(profile, tables)
    target = tmp_path / "out" / "str.xml"
    written = write_goaml_report(report, target, profile=profile, xsd=xsd)
    assert written.path == target and target.is_file()
    assert validate_report(target, xsd) == []
    root = _parse(target)
    assert root.findtext("report_code") == profile.report_codes["STR"]
    assert root.findtext("submission_date") == "2025-02-01T08:00:00"
    assert root.findtext("rentity_id") == "4711"
    numbers = [t.findtext("transactionnumber") for t in root.findall("transaction")]
    assert numbers == ["T1", "T2", "T3", "T4"]  # case transactions in time order; T9 is not in it
    first = root.find("transaction")
    assert first.findtext("date_transaction") == "2025-01-10T09:30:15"
    assert first.findtext("transmode_code") == profile.channels["wallet"].transmode
    assert first.find("t_from_my_client/from_account/signatory/t_person") is not None
    # the case's typologies map to the profile's indicator codes, plus its STR default
    expected = [
        *profile.typology_indicators["crowdfunding_fan_in"],
        *profile.typology_indicators["cash_out"],
        *profile.default_indicators["STR"],
    ]
    assert [i.text for i in root.findall("report_indicators/indicator")] == expected
    assert list(tmp_path.joinpath("out").iterdir()) == [target]  # no temp file left


def test_str_non_client_and_foreign_currency(profile, tables, xsd):
    report = _build(profile, tables)
    assert check_goaml_report(report, profile=profile, xsd=xsd) == []
    cash_out = report.transactions[2]
    assert cash_out.to_party is not None and not cash_out.to_party.my_client
    assert cash_out.to_party.person is not None and cash_out.to_party.country == "AE"
    wire = report.transactions[3]
    assert wire.amount_local == Decimal("83550.00")  # 300 USD at 278.50
    assert wire.from_party.foreign_currency.foreign_currency_code == "USD"
    assert wire.from_party.foreign_currency.foreign_amount == Decimal("300")
    assert wire.from_party.person.passport_number == "A1234567"


def test_sar_is_an_activity_report(profile, tables, xsd, tmp_path):
    report = _build(profile, tables, report_type="SAR")
    target = tmp_path / "sar.xml"
    write_goaml_report(report, target, profile=profile, xsd=xsd)
    root = _parse(target)
    assert root.find("transaction") is None
    parties = root.findall("activity/report_parties/report_party")
    subject = parties[0]
    assert subject.findtext("significance") == "10"
    assert subject.find("person_my_client/last_name").text == "خان"
    # counterparties of the case's transactions follow the subject
    assert len(parties) == 1 + len({"P2", "P3", "P4"})
    assert root.findtext("report_code") == profile.report_codes["SAR"]


def test_sar_is_the_default_for_a_case_without_transactions(profile, xsd):
    case = helpers.case(alerts=[], txn_ids=[], title="Customer matches NACTA Fourth Schedule entry")
    report = build_goaml_report(
        case,
        helpers.transactions_table(),
        helpers.parties_table(),
        institution=helpers.institution(),
        profile=profile,
    )
    assert report.report_type == "SAR" and report.transactions == []
    assert check_goaml_report(report, profile=profile, xsd=xsd) == []


def test_ctr_carries_only_cash_at_or_over_threshold(profile, tables, xsd, tmp_path):
    report = _build(profile, tables, report_type="CTR")
    assert [t.transactionnumber for t in report.transactions] == ["T3"]
    target = tmp_path / "ctr.xml"
    write_goaml_report(report, target, profile=profile, xsd=xsd)
    root = _parse(target)
    assert root.findtext("report_code") == profile.report_codes["CTR"]
    assert root.findtext("transaction/amount_local") == "2500000.00"
    assert root.findtext("transaction/t_to/to_funds_code") == profile.channels["cash_out"].to_funds
    assert [i.text for i in root.findall("report_indicators/indicator")][-1] == (
        profile.default_indicators["CTR"][-1]
    )


def test_account_subject_sar(profile, tables, xsd):
    case = helpers.case(subject_type="account", subject_id="W-0300444", txn_ids=[], alerts=[])
    report = _build(profile, tables, case=case, report_type="SAR")
    subject = report.activity.report_parties[0]
    # an own NPO account: goAML 5.0.1's my-client entity needs a director, legal form and
    # incorporation date the data lacks, so it is written as a non-client, and said so
    assert subject.account is not None and not subject.account.my_client
    assert "activity.report_parties[0]" in report.placeholders
    assert subject.account.entity is not None and subject.account.entity.name == helpers.NPO_NAME
    assert check_goaml_report(report, profile=profile, xsd=xsd) == []


def test_own_accounts_fall_back_to_the_agent_the_data_names(tables, xsd):
    from cftwatch.reporting import load_profile

    profile = load_profile("generic")
    report = _build(profile, tables, institution=helpers.institution(institution_code=None))
    own = report.transactions[0].from_party.account
    assert own.my_client and own.institution_code == "DEMO" and own.swift is None
    foreign = report.transactions[3].from_party
    assert foreign.person is not None  # P3 has no account: reported as a person
    assert check_goaml_report(report, profile=profile, xsd=xsd) == []
