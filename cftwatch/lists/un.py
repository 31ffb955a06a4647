"""UN Security Council Consolidated List (XML, root `<CONSOLIDATED_LIST>`).

Official file: https://scsanctions.un.org/resources/xml/en/consolidated.xml. Each
`INDIVIDUAL` / `ENTITY` becomes one entity `un:<REFERENCE_NUMBER>` (e.g. `un:QDi.422`).
Alias `QUALITY` Good → strong, Low → weak; entity aliases marked `a.k.a.` are strong and
`f.k.a.` are former names. Dates of birth keep their type: EXACT (full date or year only),
APPROXIMATELY (circa) and BETWEEN (a FROM_YEAR/TO_YEAR range).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from cftwatch.errors import ListFormatError
from cftwatch.lists._xml import child_text, children, iter_records, line_of, local, text_of
from cftwatch.lists.model import (
    Entity,
    ParsedList,
    birth_date,
    birth_range,
    entities_to_table,
    parse_day,
)

LIST_ID = "un"

UN_PROGRAMS: dict[str, str] = {
    "Al-Qaida": "UN 1267 ISIL (Da'esh) and Al-Qaida",
    "Taliban": "UN 1988 Taliban",
    "DPRK": "UN 1718 DPRK",
    "Iran": "UN 2231 Iran",
    "Iraq": "UN 1518 Iraq",
    "Libya": "UN 1970 Libya",
    "Somalia": "UN 2713 Al-Shabaab",
    "DRC": "UN 1533 Democratic Republic of the Congo",
    "Sudan": "UN 1591 Sudan",
    "SouthSudan": "UN 2206 South Sudan",
    "CAR": "UN 2127 Central African Republic",
    "Yemen": "UN 2140 Yemen",
    "GB": "UN 2048 Guinea-Bissau",
    "Haiti": "UN 2653 Haiti",
}
"""`UN_LIST_TYPE` → sanctions regime (resolution and name)."""

_FATHER = re.compile(r"[Ff]ather[’']s name is ([^.;,\n]+)")
"""UN comments state fathers' names in prose; screening uses them (Pakistani records do)."""

_ALIAS_QUALITY = {
    "good": ("strong", "alias"),
    "low": ("weak", "alias"),
    "a.k.a.": ("strong", "alias"),
    "f.k.a.": ("strong", "fka"),
}


def parse_un(path: str | Path) -> ParsedList:
    """Parse the UN consolidated XML (streaming)."""
    file = Path(path)
    entities: list[Entity] = []
    warnings: list[str] = []
    published: datetime | None = None
    seen: set[str] = set()
    for elem, root in iter_records(file, {"INDIVIDUAL", "ENTITY"}, {"CONSOLIDATED_LIST"}):
        if published is None:
            published = _generated(root.get("dateGenerated"))
        entity = _record(elem, file)
        if entity.list_ref in seen:
            warnings.append(f"{file.name}: reference {entity.list_ref} listed twice; kept both")
            entity.entity_id = f"un:{entity.list_ref}#{len(entities)}"
        seen.add(entity.list_ref)
        entities.append(entity)
    if not entities:
        raise ListFormatError.at("no INDIVIDUAL or ENTITY records: empty list", file=str(file))
    return ParsedList(
        LIST_ID,
        entities_to_table(entities),
        published=published,
        warnings=warnings,
        files=[str(file)],
        format="un-xml",
    )


def _generated(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def _record(elem: etree._Element, file: Path) -> Entity:
    kind = local(elem.tag)
    ref = child_text(elem, "REFERENCE_NUMBER")
    if not ref:
        raise ListFormatError.at(
            "record without REFERENCE_NUMBER",
            file=str(file),
            record=line_of(elem),
            field="REFERENCE_NUMBER",
        )
    person = kind == "INDIVIDUAL"
    entity = Entity(LIST_ID, ref, "Person" if person else "Organization")
    parts = [
        child_text(elem, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
    ]
    entity.add_name(" ".join(p for p in parts if p), "strong", "primary")
    entity.add_name(child_text(elem, "NAME_ORIGINAL_SCRIPT"), "strong", "original_script")
    list_type = child_text(elem, "UN_LIST_TYPE")
    if list_type:
        entity.add_program(UN_PROGRAMS.get(list_type, f"UN {list_type}"))
    entity.listed_on = parse_day(child_text(elem, "LISTED_ON"))
    remarks = [child_text(elem, "COMMENTS1")]
    for label, tag in (("Title", "TITLE"), ("Designation", "DESIGNATION")):
        for holder in children(elem, tag):
            values = [t for t in (text_of(v) for v in children(holder, "VALUE")) if t]
            if values:
                remarks.append(f"{label}: {'; '.join(values)}")
    entity.remarks = "\n".join(r for r in remarks if r) or None
    for father in _FATHER.findall(entity.remarks or ""):
        entity.add_father_name(father)
    for holder in children(elem, "NATIONALITY"):
        for value in children(holder, "VALUE"):
            entity.add_nationality(text_of(value))
    alias_tag = "INDIVIDUAL_ALIAS" if person else "ENTITY_ALIAS"
    for alias in children(elem, alias_tag):
        quality_text = (child_text(alias, "QUALITY") or "").lower()
        quality, name_type = _ALIAS_QUALITY.get(quality_text, ("weak", "alias"))
        entity.add_name(child_text(alias, "ALIAS_NAME"), quality, name_type)
        entity.add_birth_date(birth_date(child_text(alias, "DATE_OF_BIRTH")))
        entity.add_birth_place(
            _join(child_text(alias, "CITY_OF_BIRTH"), child_text(alias, "COUNTRY_OF_BIRTH"))
        )
    for dob in children(elem, "INDIVIDUAL_DATE_OF_BIRTH"):
        _add_dob(entity, dob)
    for pob in children(elem, "INDIVIDUAL_PLACE_OF_BIRTH"):
        entity.add_birth_place(
            _join(
                child_text(pob, "CITY"),
                child_text(pob, "STATE_PROVINCE"),
                child_text(pob, "COUNTRY"),
            )
        )
    addr_tag = "INDIVIDUAL_ADDRESS" if person else "ENTITY_ADDRESS"
    for addr in children(elem, addr_tag):
        country = child_text(addr, "COUNTRY")
        line = _join(
            child_text(addr, "STREET"),
            child_text(addr, "CITY"),
            child_text(addr, "STATE_PROVINCE"),
            child_text(addr, "ZIP_CODE"),
            country,
        )
        note = child_text(addr, "NOTE")
        entity.add_address(f"{line} ({note})" if line and note else line)
        entity.add_country(country)
    for doc in children(elem, "INDIVIDUAL_DOCUMENT"):
        _add_document(entity, doc)
    return entity


def _add_dob(entity: Entity, dob: etree._Element) -> None:
    kind = (child_text(dob, "TYPE_OF_DATE") or "EXACT").upper()
    date_text = child_text(dob, "DATE") or child_text(dob, "YEAR")
    if kind == "BETWEEN":
        entity.add_birth_date(birth_range(child_text(dob, "FROM_YEAR"), child_text(dob, "TO_YEAR")))
    else:
        entity.add_birth_date(birth_date(date_text, circa=kind == "APPROXIMATELY"))


def _add_document(entity: Entity, doc: etree._Element) -> None:
    number = child_text(doc, "NUMBER")
    if not number:
        return
    kind = (child_text(doc, "TYPE_OF_DOCUMENT") or "").strip()
    kind2 = child_text(doc, "TYPE_OF_DOCUMENT2")
    country = child_text(doc, "ISSUING_COUNTRY") or child_text(doc, "COUNTRY_OF_ISSUE")
    lowered = kind.lower()
    if "passport" in lowered:
        id_type = "passport"
    elif "national identification" in lowered or "identity" in lowered:
        id_type = "national_id"
    else:
        id_type = "other"
    notes = [
        n
        for n in (
            kind if id_type == "other" else None,
            kind2,
            _prefixed("issued", child_text(doc, "DATE_OF_ISSUE")),
            _prefixed("in", child_text(doc, "CITY_OF_ISSUE")),
            child_text(doc, "NOTE"),
        )
        if n
    ]
    entity.add_identifier(id_type, number, country=country, note="; ".join(notes) or None)


def _prefixed(prefix: str, value: str | None) -> str | None:
    return f"{prefix} {value}" if value else None


def _join(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return ", ".join(kept) if kept else None
