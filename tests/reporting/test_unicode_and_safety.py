"""Non-ASCII names survive; XML and XSD entities are never expanded (XXE)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from cftwatch.reporting import (
    build_goaml_report,
    load_profile,
    load_schema,
    safe_parser,
    split_name,
    validate_report,
    write_goaml_report,
)
from tests.reporting import helpers
from tests.reporting.conftest import SUBMITTED


def test_urdu_and_arabic_names_round_trip(tmp_path, xsd):
    profile = load_profile("fmu-pk")
    report = build_goaml_report(
        helpers.case(),
        helpers.transactions_table(),
        helpers.parties_table(),
        accounts=helpers.accounts_table(),
        institution=helpers.institution(),
        profile=profile,
        submission_date=SUBMITTED,
    )
    target = tmp_path / "r.xml"
    write_goaml_report(report, target, profile=profile, xsd=xsd)
    raw = target.read_bytes()
    assert helpers.URDU_NAME.encode("utf-8") in raw  # UTF-8 text, not character references
    root = etree.parse(str(target), safe_parser()).getroot()
    people = root.iter("t_person", "from_person", "to_person")
    names = {
        " ".join(p.findtext(f) for f in ("first_name", "middle_name", "last_name") if p.findtext(f))
        for p in people
    }
    assert {helpers.URDU_NAME, helpers.ARABIC_NAME, "Ayesha Siddiqui Malik"} <= names
    entities = {e.findtext("name") for e in root.iter("t_entity")}
    assert helpers.NPO_NAME in entities
    assert "امداد برائے متاثرین" in {
        t.findtext("transaction_description") for t in root.iter("transaction")
    }
    comments = {p.findtext("comments") for p in root.iter("t_person")}
    assert "Father's name: علی خان" in comments


def test_split_name_keeps_every_character():
    for name in (helpers.URDU_NAME, helpers.ARABIC_NAME, "Zoë  Ó'Brien-Núñez", "عبد"):
        parts = [p for p in split_name(name) if p]
        assert " ".join(parts) == " ".join(name.split())


SECRET = "TOP-SECRET-6f1c"


def _secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def test_xml_external_entity_is_not_expanded(tmp_path, xsd):
    secret = _secret_file(tmp_path)
    evil = tmp_path / "evil.xml"
    evil.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE report [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        "<report><rentity_id>1</rentity_id><reason>&xxe;</reason></report>\n",
        encoding="utf-8",
    )
    violations = validate_report(evil, xsd)
    assert violations, "a report with a DOCTYPE and entities must not validate"
    assert any("declares entities" in v.message for v in violations)
    assert all(SECRET not in str(v) for v in violations)
    root = etree.parse(str(evil), safe_parser()).getroot()
    assert SECRET not in etree.tostring(root, encoding="unicode")


def test_xsd_external_entity_is_not_expanded(tmp_path):
    secret = _secret_file(tmp_path)
    evil_xsd = tmp_path / "evil.xsd"
    evil_xsd.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE xs:schema [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:element name="report"><xs:simpleType><xs:restriction base="xs:string">'
        '<xs:enumeration value="&xxe;"/></xs:restriction></xs:simpleType></xs:element>'
        "</xs:schema>\n",
        encoding="utf-8",
    )
    try:
        schema = load_schema(evil_xsd)
    except Exception as exc:  # refusing the XSD is also safe
        assert SECRET not in str(exc)
        return
    doc = etree.fromstring(f"<report>{SECRET}</report>".encode())
    assert not schema.validate(etree.ElementTree(doc)), "the entity must not have been expanded"


def test_billion_laughs_is_not_expanded(tmp_path, xsd):
    bomb = tmp_path / "bomb.xml"
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    bomb.write_text(
        f'<?xml version="1.0"?><!DOCTYPE report [{entities}]><report><reason>&i;</reason></report>',
        encoding="utf-8",
    )
    violations = validate_report(bomb, xsd)
    assert violations and all(len(v.message) < 2000 for v in violations)
