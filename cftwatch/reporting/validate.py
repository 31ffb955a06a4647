"""Validate a goAML report against an XSD and the FIU profile, and say which case field
caused each violation.

An XSD error names an XML element path (`/report/transaction[3]/t_from_my_client/
from_person`) and a message ("Missing child element(s). Expected is ( birthdate )").
`field_for_path` turns the path into the report model's field (`transactions[2].from_party.
person.birthdate`), `source_of_field` says where the builder took that field from
(`parties.birth_date`, from the builders' declarations in `origins.py`), and the report model adds the transaction and party
ids. XML and XSD are parsed without entity expansion or network access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from lxml import etree

from cftwatch.errors import Problem, ProfileError, ReportInvalid
from cftwatch.reporting.fiu_profile import FiuProfile
from cftwatch.reporting.model import Report
from cftwatch.reporting.origins import source_of_field


@dataclass(frozen=True)
class Violation:
    """One reason a report is not acceptable, located in the XML, the model and the case."""

    message: str
    field: str | None = None
    element: str | None = None
    source: str | None = None
    record: str | None = None
    value: str | None = None
    line: int | None = None
    check: str = "xsd"

    def __str__(self) -> str:
        where = self.field or self.element or "report"
        text = f"{where}: {self.message}"
        if self.record:
            text += f" [{self.record}]"
        if self.source:
            text += f" (from {self.source})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_problem(self, file: str | None = None) -> Problem:
        reason = self.message + (f" (from {self.source})" if self.source else "")
        return Problem(reason, file=file, record=self.record, field=self.field, value=self.value)


class ReportValidationError(ReportInvalid):
    """A report failed validation; nothing was written. `violations` lists every one."""

    def __init__(self, violations: list[Violation], file: str | None = None) -> None:
        self.violations = violations
        super().__init__([v.to_problem(file) for v in violations])

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["violations"] = [v.to_dict() for v in self.violations]
        return d


def safe_parser() -> etree.XMLParser:
    """No entity expansion, no DTD loading, no network, no huge-tree mode (XXE-safe)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def load_schema(xsd: str | Path) -> etree.XMLSchema:
    """Compile an XSD (cached per path and modification time)."""
    path = Path(xsd)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise ProfileError.at(f"cannot read XSD: {exc}", file=str(path)) from exc
    return _compiled_schema(str(path.resolve()), stamp)


@lru_cache(maxsize=8)
def _compiled_schema(path: str, _stamp: int) -> etree.XMLSchema:
    try:
        doc = etree.parse(path, safe_parser())
        return etree.XMLSchema(doc)
    except etree.XMLSyntaxError as exc:
        raise ProfileError.at(f"XSD is not well-formed XML: {exc}", file=path) from exc
    except etree.XMLSchemaParseError as exc:
        raise ProfileError.at(f"not a usable XSD: {exc}", file=path) from exc


_XS = "{http://www.w3.org/2001/XMLSchema}"


class XsdIndex:
    """Element declarations of an XSD, walked along an element path, to tell a required
    child from an optional one (libxml2 lists both in "Expected is one of (...)")."""

    def __init__(self, root: etree._Element) -> None:
        self.types = {t.get("name"): t for t in root.iter(f"{_XS}complexType") if t.get("name")}
        self.groups = {g.get("name"): g for g in root.iter(f"{_XS}group") if g.get("name")}
        self.elements = {e.get("name"): e for e in root.findall(f"{_XS}element")}
        self._type_cache: dict[tuple[str, ...], etree._Element | bool | None] = {}

    def _type_of(self, decl: etree._Element) -> etree._Element | None:
        named = decl.get("type")
        if named:
            return self.types.get(named.split(":")[-1])
        return decl.find(f"{_XS}complexType")

    def _children(
        self, node: etree._Element, required: bool = True
    ) -> list[tuple[etree._Element, bool]]:
        out: list[tuple[etree._Element, bool]] = []
        for child in node:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            optional = child.get("minOccurs") == "0"
            if tag == f"{_XS}element":
                out.append((child, required and not optional))
            elif tag in (f"{_XS}sequence", f"{_XS}choice", f"{_XS}all"):
                out.extend(self._children(child, required and not optional))
            elif tag == f"{_XS}group" and child.get("ref"):
                group = self.groups.get(str(child.get("ref")).split(":")[-1])
                if group is not None:
                    out.extend(self._children(group, required and not optional))
            elif tag in (f"{_XS}complexContent", f"{_XS}extension"):
                out.extend(self._children(child, required))
        return out

    def type_at(self, names: tuple[str, ...]) -> etree._Element | None:
        """The complex type of the element at a path of element names (None: simple or unknown)."""
        cached = self._type_cache.get(names, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        result: etree._Element | None = None
        if names and names[0] in self.elements:
            decl: etree._Element | None = self.elements[names[0]]
            for name in names[1:]:
                ctype = self._type_of(decl) if decl is not None else None
                if ctype is None:
                    decl = None
                    break
                decl = next((d for d, _ in self._children(ctype) if d.get("name") == name), None)
            result = self._type_of(decl) if decl is not None else None
        self._type_cache[names] = result
        return result

    def required_children(self, xml_path: str) -> dict[str, bool] | None:
        """{child name: required} of the element at `xml_path`, or None if unknown."""
        ctype = self.type_at(_names(xml_path))
        if ctype is None:
            return None
        found: dict[str, bool] = {}
        for d, req in self._children(ctype):
            name = str(d.get("name"))
            found[name] = found.get(name, False) or req
        return found

    def missing(self, names: tuple[str, ...], present: set[str]) -> list[list[str]]:
        """What the element at `names`, holding children `present`, lacks: one list of
        alternatives per missing requirement (`[["last_name"]]`, `[["ssn", "id_number"]]`)."""
        ctype = self.type_at(names)
        if ctype is None:
            return []
        return self._need(ctype, present, container=True)

    def _particles(self, node: etree._Element) -> list[etree._Element]:
        out = []
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag in (f"{_XS}complexContent", f"{_XS}extension"):
                out.extend(self._particles(child))
            elif child.tag in (
                f"{_XS}element",
                f"{_XS}sequence",
                f"{_XS}choice",
                f"{_XS}all",
                f"{_XS}group",
            ):
                out.append(child)
        return out

    def _names_in(self, node: etree._Element) -> set[str]:
        if node.tag == f"{_XS}element":
            return {str(node.get("name"))}
        if node.tag == f"{_XS}group" and node.get("ref"):
            group = self.groups.get(str(node.get("ref")).split(":")[-1])
            return self._names_in(group) if group is not None else set()
        names: set[str] = set()
        for child in self._particles(node):
            names |= self._names_in(child)
        return names

    def _first_names(self, node: etree._Element) -> list[str]:
        if node.tag == f"{_XS}element":
            return [str(node.get("name"))]
        if node.tag == f"{_XS}group" and node.get("ref"):
            group = self.groups.get(str(node.get("ref")).split(":")[-1])
            return self._first_names(group) if group is not None else []
        parts = self._particles(node)
        if node.tag == f"{_XS}choice":
            return [n for p in parts for n in self._first_names(p)]
        for p in parts:
            if p.get("minOccurs") != "0":
                return self._first_names(p)
        return []

    def _need(
        self, node: etree._Element, present: set[str], *, container: bool = False
    ) -> list[list[str]]:
        tag = node.tag
        optional = not container and node.get("minOccurs") == "0"
        if optional and (tag == f"{_XS}element" or not (self._names_in(node) & present)):
            return []
        if tag == f"{_XS}element":
            name = str(node.get("name"))
            return [] if name in present else [[name]]
        if tag == f"{_XS}group" and node.get("ref"):
            group = self.groups.get(str(node.get("ref")).split(":")[-1])
            return self._need(group, present, container=True) if group is not None else []
        if container and tag in (f"{_XS}complexType", f"{_XS}group"):
            out: list[list[str]] = []
            for p in self._particles(node):
                out.extend(self._need(p, present))
            return out
        parts = self._particles(node)
        if tag == f"{_XS}choice":
            touched = [p for p in parts if self._names_in(p) & present]
            for p in touched:
                if not self._need(p, present, container=p.tag != f"{_XS}element"):
                    return []
            if touched:
                return self._need(touched[0], present, container=touched[0].tag != f"{_XS}element")
            if any(not self._need(p, present, container=True) for p in parts):
                return []  # an alternative with nothing required
            return [[n for p in parts for n in self._first_names(p)]]
        out = []
        for p in parts:
            out.extend(self._need(p, present))
        return out


def _names(xml_path: str) -> tuple[str, ...]:
    return tuple(_STRIP_INDEX.sub("", s) for s in xml_path.split("/") if s)


@lru_cache(maxsize=8)
def _xsd_index(path: str, _stamp: int) -> XsdIndex:
    return XsdIndex(etree.parse(path, safe_parser()).getroot())


def xsd_index(xsd: str | Path) -> XsdIndex:
    path = Path(xsd)
    return _xsd_index(str(path.resolve()), path.stat().st_mtime_ns)


def validate_report(
    xml: str | Path | bytes,
    xsd: str | Path,
    *,
    report: Report | None = None,
    profile: FiuProfile | None = None,
) -> list[Violation]:
    """Every violation of `xml` against `xsd` (and, given the model and profile, the
    profile's mandatory fields), each mapped to the report field and its source."""
    schema = load_schema(xsd)
    try:
        if isinstance(xml, bytes):
            doc = etree.ElementTree(etree.fromstring(xml, safe_parser()))
        else:
            doc = etree.parse(str(xml), safe_parser())
    except etree.XMLSyntaxError as exc:
        return [Violation(f"not well-formed XML: {exc}", check="xml")]
    violations: list[Violation] = []
    dtd: Any = doc.docinfo.internalDTD
    if dtd is not None and list(dtd.entities()):
        # unexpanded entity references make libxml2's schema check fail internally
        return [Violation("the document declares entities; goAML reports must not", check="xml")]
    if not schema.validate(doc):
        index = xsd_index(xsd)
        complete = missing_elements(doc, index, report)
        covered = {v.element.rsplit("/", 1)[0] for v in complete if v.element}
        for entry in cast(Iterable[Any], schema.error_log):
            if _is_missing_error(str(entry.message)):
                parent = _missing_parent(entry.path or "", str(entry.message))
                if parent in covered:
                    continue  # the walk below lists it, with everything libxml2 skipped
            violations.extend(_xsd_violations(entry, report, index))
        violations.extend(complete)
    violations.extend(code_violations(doc, report))
    if report is not None and profile is not None:
        violations.extend(mandatory_violations(report, profile))
    return violations


# -- XSD error → model field ---------------------------------------------------------

_WRAPPERS = {
    "phones": ("phone", "phones"),
    "addresses": ("address", "addresses"),
    "report_parties": ("report_party", "report_parties"),
    "involved_parties": ("party", "involved_parties"),
    "report_indicators": ("indicator", "indicators"),
}
_RENAMES = {
    "transaction": "transactions",
    "t_from": "from_party",
    "t_from_my_client": "from_party",
    "t_to": "to_party",
    "t_to_my_client": "to_party",
    "person_my_client": "person",
    "account_my_client": "account",
    "entity_my_client": "entity",
    "t_person": "person",
    "t_entity": "entity",
    "identification": "identifications",
    "signatory": "signatories",
}
_LISTS = {"transactions", "identifications", "signatories"}
_SIDE_PREFIX = re.compile(
    r"^(from|to)_(funds_code|funds_comment|foreign_currency|person|entity|account|country)$"
)
_SEGMENT = re.compile(r"^([^\[\]]+)(?:\[(\d+)\])?$")
_STRIP_INDEX = re.compile(r"\[\d+\]$")


def element_to_field(name: str) -> str:
    """The model field an element name stands for (`from_person` → `person`)."""
    side = _SIDE_PREFIX.match(name)
    if side:
        return side.group(2)
    if name in _WRAPPERS:
        return _WRAPPERS[name][1]
    return _RENAMES.get(name, name)


def field_for_path(xml_path: str) -> str:
    """`/report/transaction[3]/t_from/from_person/phones/phone[2]/tph_number` →
    `transactions[2].from_party.person.phones[1].tph_number` (model indices start at 0)."""
    segments = [s for s in xml_path.split("/") if s]
    if segments and segments[0] == "report":
        segments = segments[1:]
    out: list[str] = []
    i = 0
    while i < len(segments):
        match = _SEGMENT.match(segments[i])
        name, index = (match.group(1), match.group(2)) if match else (segments[i], None)
        if name == "activity":
            out.append("activity")
            i += 1
            continue
        if name in _WRAPPERS:
            item_name, field = _WRAPPERS[name]
            nxt = _SEGMENT.match(segments[i + 1]) if i + 1 < len(segments) else None
            if nxt and nxt.group(1) == item_name:
                out.append(f"{field}[{int(nxt.group(2) or 1) - 1}]")
                i += 2
            else:
                out.append(field)
                i += 1
            continue
        field = element_to_field(name)
        if field in _LISTS:
            out.append(f"{field}[{int(index or 1) - 1}]")
        else:
            out.append(field)
        i += 1
    return ".".join(out)


_EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")
_ELEMENT = re.compile(r"^Element '([^']+)'")
_VALUE = re.compile(
    r"(?:The value )?'([^']*)' is not (?:a valid value|accepted|facet-valid|an element)"
)


def _is_missing_error(message: str) -> bool:
    return "Missing child element" in message or "This element is not expected" in message


def _missing_parent(path: str, message: str) -> str:
    return path if "Missing child element" in message else path.rsplit("/", 1)[0]


def missing_elements(
    doc: etree._ElementTree, index: XsdIndex, report: Report | None
) -> list[Violation]:
    """Every required element missing anywhere in the document. libxml2 stops checking an
    element's children at its first content error; this walk does not, so a report lists
    every missing field at once."""
    found: list[Violation] = []
    for el in doc.getroot().iter():
        if not isinstance(el.tag, str):
            continue
        path = doc.getpath(el)
        names = _names(path)
        if index.type_at(names) is None:
            continue
        present = {c.tag for c in el if isinstance(c.tag, str)}
        for alternatives in index.missing(names, present):
            base = field_for_path(path)
            fields = [element_to_field(n) for n in alternatives]
            joined = "|".join(dict.fromkeys(fields))
            field = f"{base}.{joined}" if base else joined
            text = (
                "missing"
                if len(set(fields)) == 1
                else "missing: needs one of " + ", ".join(dict.fromkeys(fields))
            )
            found.append(
                _located(report, f"{path}/{alternatives[0]}", text, None, _line(el), field=field)
            )
    return found


def _line(el: etree._Element) -> int | None:
    line: Any = el.sourceline
    return line if isinstance(line, int) else None


def _xsd_violations(entry: Any, report: Report | None, index: XsdIndex) -> list[Violation]:
    path = entry.path or ""
    message = str(entry.message)
    line = entry.line or None
    expected = _EXPECTED.search(message)
    if "Missing child element" in message or "This element is not expected" in message:
        parent = path if "Missing child element" in message else path.rsplit("/", 1)[0]
        if "This element is not expected" in message and not expected:
            found = _ELEMENT.match(message)
            return [
                _located(
                    report,
                    path,
                    f"unexpected element {found.group(1) if found else ''}",
                    None,
                    line,
                )
            ]
        names = [n.strip() for n in (expected.group(1).split(",") if expected else [])]
        if not names:
            return [_located(report, path, message, None, line)]
        required = index.required_children(parent)
        if required:
            needed = [n for n in names if required.get(n)]
            names = needed or names
        base = field_for_path(parent)
        fields = [element_to_field(n) for n in names]
        if len(fields) == 1:
            field = f"{base}.{fields[0]}" if base else fields[0]
            text = "missing"
        else:
            field = f"{base}.{'|'.join(fields)}" if base else "|".join(fields)
            text = "missing: needs one of " + ", ".join(fields)
        return [_located(report, f"{parent}/{names[0]}", text, None, line, field=field)]
    value_match = _VALUE.search(message)
    value = value_match.group(1) if value_match else None
    text = message.split(": ", 1)[1] if ": " in message else message
    return [_located(report, path, f"invalid value: {text}", value, line)]


def _located(
    report: Report | None,
    xml_path: str,
    message: str,
    value: str | None,
    line: int | None,
    *,
    field: str | None = None,
) -> Violation:
    model_field = field if field is not None else field_for_path(xml_path)
    note = _note_for(report, model_field) if report is not None else None
    if note:
        message = f"{message}: {note}"
    return Violation(
        message=message,
        field=model_field or None,
        element=xml_path or None,
        source=source_of_field(model_field),
        record=record_of_field(report, model_field) if report is not None else None,
        value=value,
        line=line,
    )


def _note_for(report: Report, field: str) -> str | None:
    """The builder's note on why `field` (or its nearest parent) is empty."""
    probe = field
    while probe:
        if probe in report.notes:
            return report.notes[probe]
        probe = probe.rsplit(".", 1)[0] if "." in probe else ""
    for name in field.split("|"):
        if name in report.notes:
            return report.notes[name]
    return None


def record_of_field(report: Report | None, field: str) -> str | None:
    """`txn T-17, party P-3` for a field inside a transaction or a report party."""
    if report is None or not field:
        return None
    parts: list[str] = []
    m = re.match(r"^transactions\[(\d+)\](?:\.(from_party|to_party))?", field)
    if m:
        i = int(m.group(1))
        if i < len(report.transactions):
            txn = report.transactions[i]
            parts.append(f"txn {txn.transactionnumber}")
            side = getattr(txn, m.group(2)) if m.group(2) else None
            if side is not None and side.party_id:
                parts.append(f"party {side.party_id}")
    m = re.match(r"^activity\.report_parties\[(\d+)\]", field)
    if m and report.activity is not None:
        i = int(m.group(1))
        if i < len(report.activity.report_parties):
            party = report.activity.report_parties[i]
            parts.append(f"party {party.party_id}" if party.party_id else f"report party {i + 1}")
    if report.case_id and not parts:
        parts.append(f"case {report.case_id}")
    return ", ".join(parts) or None


# -- profile mandatory fields ---------------------------------------------------------


_COUNTRY_ELEMENTS = frozenset(
    {
        "country_code",
        "nationality1",
        "nationality2",
        "nationality3",
        "residence",
        "passport_country",
        "issue_country",
        "incorporation_country_code",
        "from_country",
        "to_country",
        "country",
    }
)
_CURRENCY_ELEMENTS = frozenset({"currency_code", "currency_code_local", "foreign_currency_code"})
_ISO_COUNTRY = re.compile(r"^[A-Z]{2}$")
_ISO_CURRENCY = re.compile(r"^[A-Z]{3}$")


def code_violations(doc: Any, report: Report | None) -> list[Violation]:
    """Country and currency values that are not ISO codes. The structure XSD leaves the
    FIU's code lists out, so without this an FIU would be the first to see 'Pakistan'."""
    found = []
    for el in doc.iter():
        name = el.tag if isinstance(el.tag, str) else ""
        text = (el.text or "").strip()
        if name in _COUNTRY_ELEMENTS and not _ISO_COUNTRY.match(text):
            what = "an ISO 3166 alpha-2 country code"
        elif name in _CURRENCY_ELEMENTS and not _ISO_CURRENCY.match(text):
            what = "an ISO 4217 currency code"
        else:
            continue
        line = el.sourceline or None
        found.append(
            _located(report, doc.getpath(el), f"invalid value: {text!r} is not {what}", text, line)
        )
    return [replace(v, check="codes") for v in found]


def mandatory_violations(report: Report, profile: FiuProfile) -> list[Violation]:
    """Fields the profile makes mandatory that the report leaves empty."""
    found: list[Violation] = []
    for path in profile.mandatory:
        for concrete in _missing_paths(report, path.split("."), ""):
            found.append(
                Violation(
                    message=f"missing (mandatory in profile {profile.name})",
                    field=concrete,
                    source=source_of_field(concrete),
                    record=record_of_field(report, concrete),
                    check="profile",
                )
            )
    flagged = {v.field for v in found}
    return [
        v
        for v in found
        if not any(
            v.field != other and (v.field or "").startswith(f"{other}.") for other in flagged
        )
    ]


def _missing_paths(obj: Any, parts: list[str], prefix: str) -> list[str]:
    if not parts:
        return []
    part, rest = parts[0], parts[1:]
    name = part.removesuffix("[]")
    here = f"{prefix}.{name}" if prefix else name
    value = getattr(obj, name, None)
    if part.endswith("[]"):
        out: list[str] = []
        for i, item in enumerate(value or []):
            out.extend(_missing_paths(item, rest, f"{here}[{i}]"))
        return out  # an empty list has nothing to check (a SAR has no transactions)
    if value is None or value == "" or value == []:
        return [here if not rest else f"{here}.{'.'.join(p.removesuffix('[]') for p in rest)}"]
    return _missing_paths(value, rest, here)
