"""UK OFSI Consolidated List of financial sanctions targets (`ConList.xlsx`, 2022 format).

Official file: https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.xlsx.
Sheet `Data`: row 1 `Last Updated, dd/mm/yyyy`, row 2 the header, then one row per name
(and per date of birth) of a target; rows sharing a `Group ID` are one target →
`uk:<Group ID>`. `Alias Type` Primary name / Primary name variation / AKA / FKA and
`Alias Quality` Good / Low give each name's quality. `(UN Ref):QDi.422` in
`Other Information` links the target to the UN entry (`linked_refs` `un:QDi.422`).
Read with openpyxl in read-only (streaming) mode.
"""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from cftwatch.errors import ListFormatError
from cftwatch.lists.model import Entity, ParsedList, birth_date, entities_to_table, parse_day

LIST_ID = "uk"
REQUIRED = ("Name 6", "Group ID", "Group Type", "Alias Type")
_NUMBERED = re.compile(r"\(\d+\)")
_UN_REF = re.compile(r"\(UN Ref\):\s*([A-Za-z]{2}[ie]\.\d+)")
_SCHEMAS = {"individual": "Person", "entity": "Organization", "ship": "Vessel"}


def _split(value: Any) -> list[str]:
    """`(1) AB123 (2) CD456` → [AB123, CD456]; a plain value → [value]."""
    if value is None:
        return []
    text = str(value).strip()
    if not text:
        return []
    parts = [p.strip(" ;,") for p in _NUMBERED.split(text)]
    return [p for p in parts if p]


def refuse_xml_declarations(file: Path) -> None:
    """Refuse a workbook whose XML parts declare a DTD (entities): openpyxl's parser would
    expand them, so `&az;` in sharedStrings.xml would change a name. Only each part's
    prolog is read (up to its root element)."""
    try:
        with zipfile.ZipFile(file) as zf:
            for member in zf.namelist():
                if not member.endswith((".xml", ".rels")):
                    continue
                with zf.open(member) as fh:
                    doctype = _doctype(fh)
                if doctype is not None:
                    raise ListFormatError.at(
                        "an XML part of the workbook declares a DTD (entities are not allowed)",
                        file=f"{file}:{member}",
                        record=1,
                        field="DOCTYPE",
                        value=doctype,
                    )
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ListFormatError.at(
            f"not a readable .xlsx workbook (truncated or wrong format): {exc}", file=str(file)
        ) from exc


def _doctype(fh: Any) -> str | None:
    try:
        for _, elem in etree.iterparse(
            fh, events=("start",), resolve_entities=False, no_network=True, load_dtd=False
        ):
            info = elem.getroottree().docinfo
            if info.doctype or info.internalDTD is not None:
                return str(info.doctype or "<!DOCTYPE>")
            return None
    except etree.XMLSyntaxError:
        return None  # malformed: openpyxl reports it
    return None


def parse_uk(path: str | Path) -> ParsedList:
    """Parse the OFSI ConList workbook."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    file = Path(path)
    refuse_xml_declarations(file)
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError) as exc:
        raise ListFormatError.at(
            f"not a readable .xlsx workbook (truncated or wrong format): {exc}", file=str(file)
        ) from exc
    try:
        sheet = workbook["Data"] if "Data" in workbook.sheetnames else workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        published: datetime | None = None
        header: list[str] | None = None
        line = 0
        for row in rows:
            line += 1
            cells = [str(c).strip() if c is not None else "" for c in row]
            if cells and cells[0].lower() == "last updated" and len(cells) > 1:
                day = parse_day(cells[1])
                published = datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
                continue
            if "Group ID" in cells:
                header = cells
                break
            if line > 5:
                break
        if header is None or any(col not in header for col in REQUIRED):
            raise ListFormatError.at(
                f"no header row with {', '.join(REQUIRED)}: not an OFSI ConList workbook",
                file=str(file),
                record=line,
            )
        col = {name: i for i, name in enumerate(header) if name}
        groups: dict[str, Entity] = {}
        try:
            for row in rows:
                line += 1
                if not any(c is not None and str(c).strip() for c in row):
                    continue
                _add_row(groups, row, col, file, line)
        except (zipfile.BadZipFile, EOFError, OSError, KeyError) as exc:
            raise ListFormatError.at(
                f"workbook ends unexpectedly (truncated): {exc}", file=str(file), record=line
            ) from exc
    finally:
        workbook.close()
    if not groups:
        raise ListFormatError.at("no targets in the workbook: empty list", file=str(file))
    return ParsedList(
        LIST_ID,
        entities_to_table(groups.values()),
        published=published,
        warnings=[],
        files=[str(file)],
        format="uk-ofsi-xlsx",
    )


def _add_row(
    groups: dict[str, Entity],
    row: tuple[Any, ...],
    col: dict[str, int],
    file: Path,
    line: int,
) -> None:
    def get(name: str) -> str | None:
        i = col.get(name)
        if i is None or i >= len(row) or row[i] is None:
            return None
        text = str(row[i]).strip()
        return text or None

    group_id = get("Group ID")
    if not group_id:
        raise ListFormatError.at(
            "row without Group ID", file=str(file), record=line, field="Group ID"
        )
    if group_id.endswith(".0"):
        group_id = group_id[:-2]
    entity = groups.get(group_id)
    if entity is None:
        kind = (get("Group Type") or "").lower()
        entity = Entity(LIST_ID, group_id, _SCHEMAS.get(kind, "LegalEntity"))
        entity.listed_on = parse_day(get("Listed On"))
        other = get("Other Information")
        entity.remarks = other
        for ref in _UN_REF.findall(other or ""):
            entity.add_linked_ref(f"un:{ref}")
        groups[group_id] = entity
    given = [get(f"Name {i}") for i in range(1, 6)]
    full = " ".join(p for p in [*given, get("Name 6")] if p)
    alias_type = (get("Alias Type") or "").lower()
    quality_text = (get("Alias Quality") or "").lower()
    quality = "weak" if quality_text.startswith("low") else "strong"
    if alias_type == "primary name":
        entity.add_name(full, "strong", "primary")
    elif alias_type == "fka":
        entity.add_name(full, quality, "fka")
    else:
        entity.add_name(full, quality, "alias")
    entity.add_name(
        get("Name Non-Latin Script"),
        "strong",
        "original_script",
        lang=get("Non-Latin Script Language"),
    )
    entity.add_birth_date(birth_date(get("DOB")))
    entity.add_birth_place(
        ", ".join(p for p in (get("Town of Birth"), get("Country of Birth")) if p)
    )
    for nationality in _split(get("Nationality")):
        entity.add_nationality(nationality)
    passport_note = get("Passport Details")
    for number in _split(get("Passport Number")):
        entity.add_identifier("passport", number, note=passport_note)
    id_note = get("National Identification Details")
    for number in _split(get("National Identification Number")):
        entity.add_identifier("national_id", number, note=id_note)
    address = [get(f"Address {i}") for i in range(1, 7)] + [get("Post/Zip Code"), get("Country")]
    entity.add_address(", ".join(p for p in address if p) or None)
    for country in _split(get("Country")):
        entity.add_country(country)
    entity.add_program(get("Regime"))
