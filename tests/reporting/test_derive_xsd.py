"""tools/derive_goaml_xsd.py: the transformation that made the shipped structure XSD from
the published goAML 5.0.1 schema (which is not in this repository)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from cftwatch.reporting import project_xsd_path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "derive_goaml_xsd.py"
XS = "{http://www.w3.org/2001/XMLSchema}"
PUBLISHED = Path(
    os.environ.get(
        "CFTWATCH_GOAML_PUBLISHED",
        "/work/research/goaml/published/goaml-5.0.1_thecury_goAMLSchema.xsd",
    )
)

SMALL = """<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:goaml="http://www.unodc.org/goaml" goaml:schemaVersion="5.0.1">
  <xs:element name="report"><xs:complexType><xs:sequence>
    <xs:element name="code" type="code_type" maxOccurs="3"/>
    <xs:element name="name" minOccurs="0"><xs:simpleType><xs:restriction base="xs:string">
      <xs:enumeration value="A"/><xs:maxLength value="5"/></xs:restriction></xs:simpleType>
    </xs:element>
  </xs:sequence></xs:complexType></xs:element>
  <xs:simpleType name="code_type"><xs:restriction base="xs:string">
    <xs:enumeration value="STR"/><xs:enumeration value="SAR"/></xs:restriction></xs:simpleType>
</xs:schema>
"""


def _derive(src: Path, out: Path) -> None:
    subprocess.run(
        [sys.executable, str(TOOL), str(src), str(out), "--source", "test@0:x.xsd"],
        check=True,
        capture_output=True,
    )


def _body(path: Path) -> bytes:
    """The schema without its provenance comment."""
    raw = path.read_bytes()
    return raw[raw.index(b"-->") :]


def test_codes_go_and_everything_else_stays(tmp_path: Path):
    src, out = tmp_path / "pub.xsd", tmp_path / "out.xsd"
    src.write_text(SMALL, encoding="utf-8")
    _derive(src, out)
    tree = etree.parse(str(out))
    assert not list(tree.iter(f"{XS}enumeration"))
    code_type = tree.find(f"{XS}simpleType[@name='code_type']/{XS}restriction")
    assert [(c.tag, c.get("value")) for c in code_type] == [(f"{XS}minLength", "1")]
    name = tree.find(f".//{XS}element[@name='name']//{XS}restriction")
    assert [c.get("value") for c in name] == ["5"]  # the other facet kept, nothing added
    code = tree.find(f".//{XS}element[@name='code']")
    assert code.get("maxOccurs") == "3" and code.get("type") == "code_type"
    assert "test@0:x.xsd" in out.read_text(encoding="utf-8")
    schema = etree.XMLSchema(tree)
    assert schema.validate(etree.fromstring(b"<report><code>ANY</code></report>"))
    assert not schema.validate(etree.fromstring(b"<report><code></code></report>"))


@pytest.mark.skipif(not PUBLISHED.is_file(), reason="the published goAML 5.0.1 XSD is not here")
def test_shipped_xsd_is_the_published_one_derived(tmp_path: Path):
    out = tmp_path / "derived.xsd"
    _derive(PUBLISHED, out)
    assert _body(out) == _body(project_xsd_path())
