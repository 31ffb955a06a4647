"""US OFAC lists in the `sdnList` XML format: `SDN.XML` and the consolidated non-SDN list
(`CONSOLIDATED.XML`), same schema.

Official files: https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/
SDN.XML and .../CONSOLIDATED.XML. Each `sdnEntry` becomes `ofac:<uid>`; `akaList/aka`
keeps its `category` (strong/weak) and `type` (a.k.a./f.k.a./n.k.a.); `idList/id` with
`idType` `Digital Currency Address - XBT` becomes a `crypto_wallet` identifier.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from cftwatch.errors import ListFormatError
from cftwatch.lists._xml import child_text, children, iter_records, line_of
from cftwatch.lists.model import Entity, ParsedList, entities_to_table
from cftwatch.lists.ofac_common import (
    ID_LABELS,
    UN_REF,
    add_identifier_clause,
    add_ofac_dob,
    add_wallet,
    ofac_entity_id,
    ofac_schema,
)

SDN_LIST_ID = "ofac-sdn"
NONSDN_LIST_ID = "ofac-nonsdn"


def parse_ofac_xml(path: str | Path, list_id: str = SDN_LIST_ID) -> ParsedList:
    """Parse an OFAC `sdnList` XML file (streaming)."""
    file = Path(path)
    entities: list[Entity] = []
    warnings: list[str] = []
    published: datetime | None = None
    declared: int | None = None
    for elem, _root in iter_records(file, {"sdnEntry", "publshInformation"}, {"sdnList"}):
        if elem.tag.endswith("publshInformation"):
            published = _publish_date(child_text(elem, "Publish_Date"))
            count = child_text(elem, "Record_Count")
            declared = int(count) if count and count.isdigit() else None
            continue
        entities.append(_entry(elem, file, list_id))
    if not entities:
        raise ListFormatError.at("no sdnEntry records: empty list", file=str(file))
    if declared is not None and declared != len(entities):
        raise ListFormatError.at(
            f"Record_Count says {declared} entries but the file holds {len(entities)} "
            "(incomplete file)",
            file=str(file),
            field="Record_Count",
            value=declared,
        )
    return ParsedList(
        list_id,
        entities_to_table(entities),
        published=published,
        warnings=warnings,
        files=[str(file)],
        format="ofac-xml",
    )


def _publish_date(text: str | None) -> datetime | None:
    if not text:
        return None
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _name(elem: etree._Element) -> str | None:
    first, last = child_text(elem, "firstName"), child_text(elem, "lastName")
    if first and last:
        return f"{last}, {first}"
    return last or first


def _entry(elem: etree._Element, file: Path, list_id: str) -> Entity:
    uid = child_text(elem, "uid")
    if not uid:
        raise ListFormatError.at(
            "sdnEntry without uid", file=str(file), record=line_of(elem), field="uid"
        )
    entity = Entity(list_id, uid, ofac_schema(child_text(elem, "sdnType")))
    entity.entity_id = ofac_entity_id(uid)
    entity.add_name(_name(elem), "strong", "primary")
    remarks = child_text(elem, "remarks")
    title = child_text(elem, "title")
    entity.remarks = (
        "; ".join(x for x in (f"Title: {title}" if title else None, remarks) if x) or None
    )
    if remarks:
        for ref in UN_REF.findall(remarks):
            entity.add_linked_ref(f"un:{ref}")
    for holder in children(elem, "programList"):
        for program in children(holder, "program"):
            entity.add_program(program.text)
    for holder in children(elem, "akaList"):
        for aka in children(holder, "aka"):
            kind = (child_text(aka, "type") or "a.k.a.").lower()
            quality = (child_text(aka, "category") or "strong").lower()
            entity.add_name(
                _name(aka),
                "weak" if quality == "weak" else "strong",
                "fka" if kind == "f.k.a." else "alias",
            )
    for holder in children(elem, "dateOfBirthList"):
        for item in children(holder, "dateOfBirthItem"):
            text = child_text(item, "dateOfBirth")
            if text:
                add_ofac_dob(entity, text)
    for holder in children(elem, "placeOfBirthList"):
        for item in children(holder, "placeOfBirthItem"):
            entity.add_birth_place(child_text(item, "placeOfBirth"))
    for tag, item_tag, adder in (
        ("nationalityList", "nationality", entity.add_nationality),
        ("citizenshipList", "citizenship", entity.add_nationality),
    ):
        for holder in children(elem, tag):
            for item in children(holder, item_tag):
                adder(child_text(item, "country"))
    for holder in children(elem, "addressList"):
        for addr in children(holder, "address"):
            country = child_text(addr, "country")
            parts = [
                child_text(addr, t)
                for t in ("address1", "address2", "address3", "city", "stateOrProvince")
            ]
            parts += [child_text(addr, "postalCode"), country]
            kept = [p for p in parts if p]
            entity.add_address(", ".join(kept) if kept else None)
            entity.add_country(country)
    for holder in children(elem, "idList"):
        for ident in children(holder, "id"):
            _add_id(entity, ident)
    for vessel in children(elem, "vesselInfo"):
        entity.add_identifier("call_sign", child_text(vessel, "callSign"))
        entity.add_country(child_text(vessel, "vesselFlag"))
    return entity


def _add_id(entity: Entity, ident: etree._Element) -> None:
    id_type = child_text(ident, "idType") or ""
    number = child_text(ident, "idNumber")
    if not number:
        return
    country = child_text(ident, "idCountry")
    if id_type.startswith("Digital Currency Address - "):
        add_wallet(entity, id_type.rsplit("-", 1)[-1].strip(), number)
        return
    label = id_type.strip().rstrip(":")
    if label in ID_LABELS:
        rest = f"{number} ({country})" if country else number
        issued = child_text(ident, "issueDate")
        expires = child_text(ident, "expirationDate")
        if issued:
            rest += f" issued {issued}"
        if expires:
            rest += f" expires {expires}"
        add_identifier_clause(entity, label, rest)
