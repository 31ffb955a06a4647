"""Pakistan NACTA Fourth Schedule (Anti-Terrorism Act 1997) proscribed persons, as CSV.

Layout (the one NACTA's list is commonly exported in): `name, fatherName, cnic, province,
district`, one person per row; header names are matched loosely (`Father Name`, `CNIC`).
Names may carry aliases (`Aamir Bilal alias Babu Jhangvee`). CNICs are normalised to 13
digits (with or without dashes); placeholders (`0000123456789`, blanks, `NIL`, wrong
length) are kept but flagged `usable=false`, so screening never matches on them.

Entity ids: `pk-nacta:<CNIC>` when the CNIC is usable and unique in the file, else
`pk-nacta:h<hash of name, father's name, district>`: stable across versions either way.
There is no official machine-readable URL, so this list is loaded from a file only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

from cftwatch.errors import ListFormatError
from cftwatch.lists.model import Entity, ParsedList, clean_text, entities_to_table, normalize_cnic

LIST_ID = "pk-nacta"
PROGRAM = "PK ATA 1997 Fourth Schedule"
_COLUMNS = {
    "name": ("name", "fullname", "personname"),
    "father": ("fathername", "father", "fathersname", "so", "sonof"),
    "cnic": ("cnic", "cnicno", "cnicnumber", "nic", "nicno"),
    "province": ("province", "provinceregion"),
    "district": ("district",),
}
_ALIAS = re.compile(r"\s+(?:alias|aka|a\.k\.a\.|@)\s+", re.IGNORECASE)


def _key(header: str) -> str:
    return re.sub(r"[^a-z]", "", header.lower())


def split_aliases(name: str) -> list[str]:
    """`Aamir Bilal alias Babu Jhangvee` → [Aamir Bilal, Babu Jhangvee]."""
    return [p.strip(" ,") for p in _ALIAS.split(name) if p.strip(" ,")]


def parse_nacta(path: str | Path) -> ParsedList:
    file = Path(path)
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ListFormatError.at(f"not UTF-8 text: {exc}", file=str(file)) from exc
    except OSError as exc:
        raise ListFormatError.at(f"cannot read file: {exc}", file=str(file)) from exc
    if not text.strip():
        raise ListFormatError.at("empty file", file=str(file))
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    col = _header_columns(file, header)
    people: list[tuple[int, Entity, str | None]] = []
    warnings: list[str] = []
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) < len(header):
            raise ListFormatError.at(
                f"expected {len(header)} fields, found {len(fields)} (truncated file?)",
                file=str(file),
                record=line,
                value=",".join(fields)[:80],
            )
        entity, cnic = _person(file, line, fields, col, warnings)
        people.append((line, entity, cnic))
    if not people:
        raise ListFormatError.at("no persons in the file: empty list", file=str(file))
    _assign_refs(file, people, warnings)
    if len(warnings) > 50:
        warnings = [*warnings[:50], f"... and {len(warnings) - 50} more"]
    return ParsedList(
        LIST_ID,
        entities_to_table(e for _l, e, _c in people),
        published=None,
        warnings=warnings,
        files=[str(file)],
        format="pk-nacta-csv",
    )


def _header_columns(file: Path, header: list[str]) -> dict[str, int]:
    """Field -> column index, matching header names loosely; the three key columns required."""
    keys = [_key(h) for h in header]
    col: dict[str, int] = {}
    for field, names in _COLUMNS.items():
        for i, k in enumerate(keys):
            if k in names:
                col[field] = i
                break
    missing = [f for f in ("name", "father", "cnic") if f not in col]
    if missing:
        raise ListFormatError.at(
            "header must name the columns name, fatherName, cnic (province, district optional)",
            file=str(file),
            record=1,
            field=", ".join(missing),
            value=",".join(header)[:80],
        )
    return col


def _person(
    file: Path, line: int, fields: list[str], col: dict[str, int], warnings: list[str]
) -> tuple[Entity, str | None]:
    """One row as a Person (id assigned later), with its CNIC when usable."""

    def get(field: str) -> str | None:
        i = col.get(field)
        return clean_text(fields[i]) if i is not None and i < len(fields) else None

    name = get("name")
    if not name:
        raise ListFormatError.at("row without a name", file=str(file), record=line, field="name")
    entity = Entity(LIST_ID, "", "Person")
    parts = split_aliases(name)
    entity.add_name(parts[0], "strong", "primary")
    for alias in parts[1:]:
        entity.add_name(alias, "strong", "alias")
    entity.add_father_name(get("father"))
    raw_cnic = get("cnic")
    digits, usable = normalize_cnic(raw_cnic)
    if raw_cnic:
        entity.add_identifier(
            "cnic", raw_cnic, country="PK", usable=usable, normalized=digits or raw_cnic
        )
        if not usable:
            warnings.append(f"{file.name} line {line}: CNIC {raw_cnic!r} is not usable")
    province, district = get("province"), get("district")
    entity.add_address(", ".join(p for p in (district, province, "Pakistan") if p))
    entity.add_country("PK")
    entity.add_program(PROGRAM)
    return entity, digits if usable else None


def _assign_refs(
    file: Path, people: list[tuple[int, Entity, str | None]], warnings: list[str]
) -> None:
    """Ref = the CNIC when usable and unique in the file, else a hash of name, father, place."""
    seen_cnic: dict[str, int] = {}
    for _line, _e, cnic in people:
        if cnic:
            seen_cnic[cnic] = seen_cnic.get(cnic, 0) + 1
    used: set[str] = set()
    for line, entity, cnic in people:
        if cnic and seen_cnic[cnic] == 1:
            ref = cnic
        else:
            blob = "|".join(
                [
                    entity.primary_name.lower(),
                    *(f.lower() for f in entity.father_names),
                    *entity.addresses,
                ]
            )
            ref = "h" + hashlib.sha1(blob.encode("utf-8")).hexdigest()[:12]
        if ref in used:
            warnings.append(f"{file.name} line {line}: duplicate person {entity.primary_name!r}")
            ref = f"{ref}-{line}"
        used.add(ref)
        entity.list_ref = ref
        entity.entity_id = f"{LIST_ID}:{ref}"
