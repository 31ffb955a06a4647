"""The writer's element tree and the XML path → model field map."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from lxml import etree

from cftwatch.reporting import (
    Account,
    Address,
    Director,
    Entity,
    GoamlWriter,
    InvolvedParty,
    Person,
    Phone,
    Report,
    Transaction,
    field_for_path,
    report_to_bytes,
    safe_parser,
    source_of_field,
    validate_report,
)

_PHONE = Phone(
    tph_contact_type="BUS", tph_communication_type="M", tph_country_prefix="92", tph_number="1"
)


def _client(first: str, last: str) -> Person:
    """A my-client person with what goAML 5.0.1 makes mandatory for one."""
    return Person(
        my_client=True,
        first_name=first,
        last_name=last,
        birthdate=dt.datetime(1980, 1, 1),
        ssn="35202-1234567-1",
        nationality1="PK",
        residence="PK",
        phones=[_PHONE],
        occupation="Director",
    )


def _report(**extra) -> Report:
    data = {
        "rentity_id": "12",
        "rentity_branch": "Head office",
        "report_code": "STR",
        "reporting_user_code": "MLRO1",
        "location": Address(address_type="BUS", address="1 Road", city="Lahore", country_code="PK"),
        "submission_date": dt.datetime(2025, 1, 10, tzinfo=dt.UTC),
        "currency_code_local": "PKR",
        "indicators": ["TF-GEN"],
    }
    data.update(extra)
    return Report.model_validate(data)


def test_multi_party_transaction_validates(xsd):
    txn = Transaction(
        transactionnumber="M1",
        transaction_description="Cash collected by an agent",
        date_transaction=dt.datetime(2025, 1, 10, 12, 0, 0, 123456),
        transmode_code="CASH",
        amount_local=Decimal("1000.005"),
        involved_parties=[
            InvolvedParty(
                role="SENDER", person=Person(first_name="Ali", last_name="Khan"), country="PK"
            ),
            InvolvedParty(
                role="AGENT",
                entity=Entity(
                    name="Agent Co",
                    my_client=True,
                    commercial_name="Agent Co",
                    incorporation_legal_form="LLC",
                    incorporation_number="0012345",
                    business="Agent",
                    phones=[_PHONE],
                    incorporation_country_code="PK",
                    directors=[Director(person=_client("Sara", "Malik"), role="DIR")],
                    incorporation_date=dt.datetime(2015, 3, 1),
                ),
                country="PK",
            ),
            InvolvedParty(
                role="RECEIVER",
                account=Account(account="PK00X", institution_name="Bank", swift="ABCDPKKA"),
                significance=3,
                country="PK",
            ),
        ],
    )
    xml = report_to_bytes(_report(transactions=[txn]))
    assert validate_report(xml, xsd) == []
    root = etree.fromstring(xml, safe_parser())
    assert root.findtext("transaction/date_transaction") == "2025-01-10T12:00:00"
    assert root.findtext("transaction/amount_local") == "1000.01"  # half up, two decimals
    roles = [p.findtext("role") for p in root.findall("transaction/involved_parties/party")]
    assert roles == ["SENDER", "AGENT", "RECEIVER"]
    assert root.find("transaction/involved_parties/party[2]/entity_my_client") is not None
    assert root.find("transaction/t_from") is None


def test_writer_streams_to_a_file_handle(xsd):
    buffer = io.BytesIO()
    txn = Transaction(
        transactionnumber="S1",
        transaction_description="Payment",
        date_transaction=dt.datetime(2025, 1, 1),
        transmode_code="X",
        amount_local=Decimal(1),
        involved_parties=[
            InvolvedParty(role="R", person=Person(first_name="B", last_name="A"), country="PK")
        ],
    )
    with GoamlWriter(buffer) as writer:
        writer.write_header(_report())
        for _ in range(3):
            writer.write_transaction(txn)
        writer.write_indicators(["A", "B"])
    assert writer.transactions_written == 3
    xml = buffer.getvalue()
    assert xml.startswith(b"<?xml") and xml.count(b"<transaction>") == 3
    assert validate_report(xml, xsd) == []
    assert b"xmlns" not in xml  # no target namespace


def test_field_for_path():
    cases = {
        "/report/rentity_id": "rentity_id",
        "/report/transaction[3]/t_from_my_client/from_account/signatory[2]/t_person/birthdate": "transactions[2].from_party.account.signatories[1].person.birthdate",
        "/report/transaction/t_to/to_person/addresses/address[2]/city": "transactions[0].to_party.person.addresses[1].city",
        "/report/reporting_person/phones/phone/tph_number": "reporting_person.phones[0].tph_number",
        "/report/activity/report_parties/report_party[4]/entity_my_client/name": "activity.report_parties[3].entity.name",
        "/report/report_indicators/indicator[2]": "indicators[1]",
        "/report/transaction[2]/t_from/from_person/identification[2]/number": "transactions[1].from_party.person.identifications[1].number",
        "/report/location/address": "location.address",
    }
    for xml_path, field in cases.items():
        assert field_for_path(xml_path) == field, xml_path


def test_source_of_field():
    assert source_of_field("transactions[4].date_transaction") == "transactions.ts"
    assert source_of_field("transactions[0].to_party.country").startswith(
        "transactions.creditor_country"
    )
    assert "debtor" in source_of_field("transactions[0].from_party.person.last_name")
    assert source_of_field("reporting_person.email").endswith("(email)")
    assert "typolog" in source_of_field("indicators")
