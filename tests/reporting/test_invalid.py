"""Invalid reports: every violation listed and mapped to its field; nothing written."""

from __future__ import annotations

import pyarrow as pa
import pytest

from cftwatch import schema as cs
from cftwatch.errors import ReportInvalid
from cftwatch.reporting import (
    ReportValidationError,
    build_goaml_report,
    check_goaml_report,
    load_profile,
    write_goaml_report,
)
from tests.reporting import helpers
from tests.reporting.conftest import SUBMITTED


def _broken_inputs():
    """P2 has a year-only birth date and no identity number; P1's name is one word;
    T5 uses a channel no profile maps; T4 is in USD with no exchange rate."""
    rows = helpers.parties_table().to_pylist()
    rows[1]["birth_date"] = "1988"
    rows[1]["identifiers"] = []
    rows[0]["name"] = "محمد"
    parties = cs.conform(pa.Table.from_pylist(rows), cs.PARTIES)
    txns = helpers.transactions_table(
        [helpers.txn("T5", helpers.P2, helpers.P1, "1", channel="hawala", day=15)]
    )
    case = helpers.case(txn_ids=["T5"])
    institution = helpers.institution(exchange_rates={}, institution_code=None)
    # own accounts then fall back to the agent the data names; take that away too
    txns = txns.set_column(
        txns.schema.get_field_index("debtor_agent"),
        txns.schema.field("debtor_agent"),
        pa.nulls(txns.num_rows, pa.string()),
    ).set_column(
        txns.schema.get_field_index("creditor_agent"),
        txns.schema.field("creditor_agent"),
        pa.nulls(txns.num_rows, pa.string()),
    )
    accounts = helpers.accounts_table()
    accounts = accounts.set_column(
        accounts.schema.get_field_index("agent"),
        accounts.schema.field("agent"),
        pa.nulls(accounts.num_rows, pa.string()),
    )
    return case, txns, parties, institution, accounts


def _report(profile_name="generic"):
    case, txns, parties, institution, accounts = _broken_inputs()
    profile = load_profile(profile_name)
    report = build_goaml_report(
        case,
        txns,
        parties,
        accounts=accounts,
        institution=institution,
        profile=profile,
        submission_date=SUBMITTED,
    )
    return report, profile


def test_every_violation_is_listed_and_mapped(xsd):
    report, profile = _report()
    violations = check_goaml_report(report, profile=profile, xsd=xsd)
    by_field = {v.field: v for v in violations}
    # T1 (index 0): P2 pays from an own wallet; the signatory lacks KYC data
    sig = "transactions[0].from_party.account.signatories[0].person"
    assert by_field[f"{sig}.birthdate"].source.startswith("parties.birth_date")
    assert "only '1988'" in by_field[f"{sig}.birthdate"].message
    assert by_field[f"{sig}.birthdate"].record == "txn T1, party P2"
    # goAML 5.0.1 makes a client's ssn mandatory (the loose XSD had ssn|passport|id_number)
    assert "ssn_identifier_types" in by_field[f"{sig}.ssn"].message
    # P1's one-word name gives no first name (required for an own customer)
    assert "transactions[0].to_party.account.signatories[0].person.first_name" in by_field
    # the institution has neither a bank code nor a BIC for its own accounts
    inst = by_field["transactions[0].from_party.account.institution_code|swift"]
    assert "reporting.institution_code" in inst.message
    # T5: unknown channel → no transmode and no funds codes
    t5 = next(i for i, t in enumerate(report.transactions) if t.transactionnumber == "T5")
    transmode = by_field[f"transactions[{t5}].transmode_code"]
    assert "hawala" in transmode.message and transmode.source.startswith("transactions.channel")
    assert f"transactions[{t5}].from_party.funds_code" in by_field
    assert f"transactions[{t5}].to_party.funds_code" in by_field
    # T4: USD without a rate
    t4 = next(i for i, t in enumerate(report.transactions) if t.transactionnumber == "T4")
    amount = by_field[f"transactions[{t4}].amount_local"]
    assert "no exchange rate USD->PKR" in amount.message and amount.record == "txn T4"
    # every violation names a field, its XML element and where the value comes from
    assert all(v.field and v.element and v.source for v in violations)


def test_nothing_is_written_and_an_old_file_survives(xsd, tmp_path):
    report, profile = _report()
    target = tmp_path / "report.xml"
    target.write_text("previous report", encoding="utf-8")
    with pytest.raises(ReportValidationError) as caught:
        write_goaml_report(report, target, profile=profile, xsd=xsd)
    assert isinstance(caught.value, ReportInvalid)
    assert target.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xml"]  # no temp file
    problems = caught.value.problems
    assert len(problems) == len(caught.value.violations) >= 10
    assert all(p.file == str(target) for p in problems)
    data = caught.value.to_dict()
    assert data["error"] == "ReportValidationError" and len(data["violations"]) == len(problems)


def test_profile_mandatory_fields(xsd):
    """fmu-pk requires a reporting person and transaction locations; the XSD does not."""
    profile = load_profile("fmu-pk")
    institution = helpers.institution(reporting_person=None)
    txns = helpers.transactions_table()
    rows = txns.to_pylist()
    rows[0]["debtor_region"] = None
    rows[0]["debtor_country"] = None
    rows[0]["creditor_region"] = None
    rows[0]["creditor_country"] = None
    txns = cs.conform(pa.Table.from_pylist(rows), cs.TRANSACTIONS)
    report = build_goaml_report(
        helpers.case(),
        txns,
        helpers.parties_table(),
        accounts=helpers.accounts_table(),
        institution=institution,
        profile=profile,
        submission_date=SUBMITTED,
    )
    found = {v.field: v for v in check_goaml_report(report, profile=profile, xsd=xsd)}
    assert found["reporting_person"].check == "profile"
    assert "reporting_person.email" not in found  # the parent is listed once, not each child
    assert found["transactions[0].transaction_location"].record == "txn T1"
    assert found["transactions[0].transaction_location"].check == "profile"
    # the generic profile does not ask for them
    generic = load_profile("generic")
    report2 = build_goaml_report(
        helpers.case(),
        txns,
        helpers.parties_table(),
        accounts=helpers.accounts_table(),
        institution=institution,
        profile=generic,
        submission_date=SUBMITTED,
    )
    assert check_goaml_report(report2, profile=generic, xsd=xsd) == []
    assert report2.transactions[0].transaction_location is None
    assert report2.transactions[0].from_party.country == "PK"  # falls back to parties.country


def test_invalid_value_is_reported_with_its_value(xsd):
    from cftwatch.reporting import Address

    profile = load_profile("generic")
    institution = helpers.institution(
        location=Address(address_type="BUS", address="x", city="Lahore", country_code="Pakistan")
    )
    report = build_goaml_report(
        helpers.case(),
        helpers.transactions_table(),
        helpers.parties_table(),
        accounts=helpers.accounts_table(),
        institution=institution,
        profile=profile,
        submission_date=SUBMITTED,
    )
    (violation,) = check_goaml_report(report, profile=profile, xsd=xsd)
    assert violation.field == "location.country_code"
    assert violation.value == "Pakistan"
    assert violation.source.startswith("workspace reporting.location")
    assert violation.message.startswith("invalid value")


def test_case_without_transactions_cannot_be_an_str(xsd):
    profile = load_profile("generic")
    report = build_goaml_report(
        helpers.case(alerts=[], txn_ids=[]),
        helpers.transactions_table(),
        helpers.parties_table(),
        institution=helpers.institution(),
        profile=profile,
        report_type="STR",
    )
    (violation,) = check_goaml_report(report, profile=profile, xsd=xsd)
    assert violation.field == "transactions|activity"
    assert "try --type SAR" in violation.message
