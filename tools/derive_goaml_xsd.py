#!/usr/bin/env python3
"""Derive a structure-only goAML XSD from a published goAML 5.0.x schema.

The transformation is deliberately small so that the result keeps the published schema's
elements, element order, cardinalities (minOccurs/maxOccurs, choices, sequences), types
and non-enumeration facets (length, pattern, numeric bounds, fractionDigits ...):

  * every ``xs:enumeration`` facet (lookup code lists: countries, currencies, funds types,
    transmodes, report codes, indicators, roles ...) is removed from its ``xs:restriction``;
    the restriction keeps its base type (xs:string in every published 5.0.x file) and every
    other facet it had;
  * if a restriction had enumerations but no other facet, ``xs:minLength value="1"`` is
    added (every enumerated value in the published files is non-empty, so every document
    the published schema accepts is still accepted); ``--no-nonempty`` turns this off;
  * types named with ``--keep-enum`` keep their enumerations unchanged;
  * with ``--strip-anchors`` (off by default), a leading ``^`` / trailing ``$`` is removed
    from xs:pattern values: XSD patterns are implicitly anchored and treat ``^``/``$`` as
    literal characters, so an FIU pattern written .NET-style ("^[a-zA-Z0-9 .'-]*$", UAE 5.0.2)
    rejects every real name in libxml2/Xerces; the change keeps the FIU's intent;
  * a provenance comment is put at the top; nothing else is touched (goaml:supportedIn and
    vc:minVersion attributes, annotations and documentation stay as published).

A summary (which types lost how many codes) is written as JSON beside the output with
``--summary``. Codes are the FIU profile's job; validate against the FIU's own XSD as well.

Usage:
  python tools/derive_goaml_xsd.py PUBLISHED.xsd OUT.xsd --source "repo@commit:path" [--summary OUT.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
Q = lambda local: f"{{{XS}}}{local}"  # noqa: E731


def _owner_name(restriction: etree._Element) -> str:
    """Name of the simpleType, or a path of the enclosing element/attribute names."""
    st = restriction.getparent()
    if st.get("name"):
        return st.get("name")
    names = []
    node = st.getparent()
    while node is not None:
        if node.tag in (
            Q("element"),
            Q("attribute"),
            Q("complexType"),
            Q("simpleType"),
        ) and node.get("name"):
            names.append(node.get("name"))
        node = node.getparent()
    return "inline:" + "/".join(reversed(names))


def _remove_keep_tail(node: etree._Element) -> None:
    parent = node.getparent()
    prev = node.getprevious()
    tail = node.tail
    # keep the indentation of the next sibling: the removed node's tail belongs to it
    if prev is not None:
        prev.tail = tail
    else:
        parent.text = tail
    parent.remove(node)


def derive(
    src: Path, keep_enum: set[str], nonempty: bool, strip_anchors: bool = False
) -> tuple[etree._ElementTree, dict]:
    parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False, no_network=True)
    tree = etree.parse(str(src), parser)
    summary: dict[str, dict] = {}
    for restriction in list(tree.iter(Q("restriction"))):
        enums = restriction.findall(Q("enumeration"))
        if not enums:
            continue
        owner = _owner_name(restriction)
        if owner in keep_enum:
            summary[owner] = {"kept": len(enums)}
            continue
        values = [e.get("value") for e in enums]
        for e in enums:
            _remove_keep_tail(e)
        facets = [c for c in restriction if isinstance(c.tag, str) and c.tag != Q("annotation")]
        added = None
        if nonempty and not facets and all(v for v in values):
            ml = etree.SubElement(restriction, Q("minLength"))
            ml.set("value", "1")
            added = "minLength=1"
        summary[owner] = {
            "base": restriction.get("base"),
            "removed": len(values),
            "max_code_length": max(len(v) for v in values),
            "kept_facets": [etree.QName(f).localname + "=" + str(f.get("value")) for f in facets],
            "added": added,
        }
    if strip_anchors:
        for p in tree.iter(Q("pattern")):
            v = p.get("value")
            if v.startswith("^") and v.endswith("$"):
                p.set("value", v[1:-1])
                summary.setdefault("_patterns_unanchored", []).append(v)
    return tree, summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("published", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument(
        "--source", required=True, help="provenance: repository@commit:path of the published file"
    )
    ap.add_argument(
        "--keep-enum", action="append", default=[], help="simpleType name whose enumeration is kept"
    )
    ap.add_argument(
        "--no-nonempty",
        action="store_true",
        help="do not add minLength=1 where only enumerations were",
    )
    ap.add_argument(
        "--strip-anchors", action="store_true", help="drop ^...$ around xs:pattern values"
    )
    ap.add_argument("--summary", type=Path)
    a = ap.parse_args(argv)

    raw = a.published.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    tree, summary = derive(a.published, set(a.keep_enum), not a.no_nonempty, a.strip_anchors)
    unanchored = summary.get("_patterns_unanchored", [])
    root = tree.getroot()
    version = root.get("{http://www.unodc.org/goaml}schemaVersion", "?")
    removed = sum(v.get("removed", 0) for v in summary.values() if isinstance(v, dict))
    note = (
        f"\n  Derived by cftwatch tools/derive_goaml_xsd.py from the published goAML schema\n"
        f"  (goaml:schemaVersion {version}).\n"
        f"  source: {a.source}\n"
        f"  source sha256: {digest}\n"
        f"  change: {removed} xs:enumeration facets in {sum(1 for v in summary.values() if isinstance(v, dict) and 'removed' in v)} "
        f"restrictions removed (lookup codes come from the FIU profile);\n"
        f"  restrictions left without a facet get minLength=1 "
        f"({'on' if not a.no_nonempty else 'off'}); kept enumerations: {sorted(a.keep_enum) or 'none'};\n"
        f"  ^...$ anchors stripped from {len(unanchored)} xs:pattern values.\n"
        f"  Elements, order, cardinalities, types and all other facets are as published.\n  "
    )
    root.addprevious(etree.Comment(note))
    # the derived schema must itself compile
    etree.XMLSchema(tree)
    a.out.write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8") + b"\n")
    if a.summary:
        a.summary.write_text(
            json.dumps(
                {"source": a.source, "sha256": digest, "schemaVersion": version, "types": summary},
                indent=1,
                sort_keys=True,
            )
            + "\n"
        )
    print(
        f"{a.out}: {removed} enumerations removed from {len(summary)} restrictions "
        f"(source sha256 {digest[:16]}...)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
