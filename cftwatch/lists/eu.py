"""EU consolidated financial sanctions list (FSF XML, `xmlFullSanctionsList_1_1`).

UNTESTED AGAINST A LIVE FILE: no copy of the EU file was available when this was written.
The parser follows the EU's published structure (root `export` with `generationDate`;
`sanctionEntity` with `@logicalId`, `@euReferenceNumber`, `@unitedNationId`;
`subjectType@code` person/enterprise; `nameAlias@wholeName/@firstName/@middleName/
@lastName/@strong/@nameLanguage`; `birthdate@birthdate/@year/@circa` (and
`@yearRangeFrom/@yearRangeTo` where given); `citizenship@countryIso2Code`;
`identification@number/@identificationTypeCode/@countryIso2Code`; `address`;
`regulation@programme`), and is tested on a fixture written from that structure.

Each entry becomes `eu:<logicalId>`; a `unitedNationId` becomes `linked_refs` `un:<ref>`,
so the EU and UN entries of one person cluster together.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from cftwatch.errors import ListFormatError
from cftwatch.lists._xml import children, iter_records, line_of
from cftwatch.lists.model import (
    Entity,
    ParsedList,
    birth_date,
    birth_range,
    entities_to_table,
    parse_day,
    script_of,
)

LIST_ID = "eu"
_SCHEMAS = {"person": "Person", "enterprise": "Organization", "vessel": "Vessel"}
_ID_TYPES = {
    "passport": "passport",
    "id": "national_id",
    "nationalid": "national_id",
    "tax": "tax_id",
    "fiscalcode": "tax_id",
    "regnumber": "registration",
    "imo": "imo",
    "swiftbic": "swift_bic",
}


def _attr(elem: etree._Element, name: str) -> str | None:
    value = elem.get(name)
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def parse_eu(path: str | Path) -> ParsedList:
    """Parse the EU FSF XML (streaming)."""
    file = Path(path)
    entities: list[Entity] = []
    published: datetime | None = None
    for elem, root in iter_records(file, {"sanctionEntity"}, {"export"}):
        if published is None and root.get("generationDate"):
            try:
                published = datetime.fromisoformat(root["generationDate"].replace("Z", "+00:00"))
                published = published.astimezone(UTC)
            except ValueError:
                published = None
        entities.append(_entry(elem, file))
    if not entities:
        raise ListFormatError.at("no sanctionEntity records: empty list", file=str(file))
    return ParsedList(
        LIST_ID,
        entities_to_table(entities),
        published=published,
        warnings=[],
        files=[str(file)],
        format="eu-fsf-xml",
    )


def _entry(elem: etree._Element, file: Path) -> Entity:
    logical_id = _attr(elem, "logicalId")
    if not logical_id:
        raise ListFormatError.at(
            "sanctionEntity without logicalId",
            file=str(file),
            record=line_of(elem),
            field="logicalId",
        )
    code = ""
    for subject in children(elem, "subjectType"):
        code = (_attr(subject, "code") or "").lower()
    entity = Entity(
        LIST_ID,
        _attr(elem, "euReferenceNumber") or logical_id,
        _SCHEMAS.get(code, "LegalEntity"),
        entity_id=f"eu:{logical_id}",
    )
    un_ref = _attr(elem, "unitedNationId")
    if un_ref:
        entity.add_linked_ref(f"un:{un_ref}")
    remarks = [r.text.strip() for r in children(elem, "remark") if r.text and r.text.strip()]
    entity.remarks = "\n".join(remarks) or None
    listed: list[str] = []
    for regulation in children(elem, "regulation"):
        entity.add_program(_attr(regulation, "programme"))
        if _attr(regulation, "publicationDate"):
            listed.append(_attr(regulation, "publicationDate") or "")
    if listed:
        entity.listed_on = parse_day(min(listed))
    _add_names(entity, elem)
    for citizenship in children(elem, "citizenship"):
        entity.add_nationality(
            _attr(citizenship, "countryIso2Code") or _attr(citizenship, "countryDescription")
        )
    _add_births(entity, elem)
    for ident in children(elem, "identification"):
        kind = (_attr(ident, "identificationTypeCode") or "other").lower()
        entity.add_identifier(
            _ID_TYPES.get(kind, "other"),
            _attr(ident, "number") or _attr(ident, "latinNumber"),
            country=_attr(ident, "countryIso2Code"),
            note=_attr(ident, "identificationTypeDescription"),
        )
    for address in children(elem, "address"):
        parts = [
            _attr(address, t)
            for t in ("street", "poBox", "city", "zipCode", "region", "place", "countryDescription")
        ]
        entity.add_address(", ".join(p for p in parts if p) or None)
        entity.add_country(
            _attr(address, "countryIso2Code") or _attr(address, "countryDescription")
        )
    return entity


def _add_names(entity: Entity, elem: etree._Element) -> None:
    """Each nameAlias: the first is the primary name, non-Latin ones original script."""
    for alias in children(elem, "nameAlias"):
        whole = _attr(alias, "wholeName") or " ".join(
            p
            for p in (
                _attr(alias, "firstName"),
                _attr(alias, "middleName"),
                _attr(alias, "lastName"),
            )
            if p
        )
        strong = (_attr(alias, "strong") or "true").lower() != "false"
        name_type = "primary" if not entity.primary_name else "alias"
        if name_type == "alias" and script_of(whole) != "Latn":
            name_type = "original_script"
        entity.add_name(
            whole, "strong" if strong else "weak", name_type, lang=_attr(alias, "nameLanguage")
        )


def _add_births(entity: Entity, elem: etree._Element) -> None:
    """Birth dates (a date, a year or a year range) and birth places."""
    for born in children(elem, "birthdate"):
        circa = (_attr(born, "circa") or "false").lower() == "true"
        lo, hi = _attr(born, "yearRangeFrom"), _attr(born, "yearRangeTo")
        if lo and hi:
            entity.add_birth_date(birth_range(lo, hi, circa))
        else:
            entity.add_birth_date(
                birth_date(_attr(born, "birthdate") or _attr(born, "year"), circa)
            )
        place = ", ".join(
            p
            for p in (_attr(born, "city"), _attr(born, "place"), _attr(born, "countryDescription"))
            if p
        )
        entity.add_birth_place(place or None)
