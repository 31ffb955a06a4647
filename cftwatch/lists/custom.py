"""Custom lists: proscribed organisations (e.g. NACTA's First Schedule), a regulator's
circular, or an institution's own watch list, as CSV or Excel (.xlsx, first sheet).

Format (one row per listed subject; header names are case-insensitive; only `name` is
required; several values in one cell are separated by `;`):

| column | meaning |
|---|---|
| `ref` | the list's own reference; stable across versions (default: a hash of type+name) |
| `name` | primary name |
| `type` | person, organization (default), legal_entity, vessel, wallet |
| `aliases` / `weak_aliases` | strong / weak alternative names |
| `original_script` | the name in its own script (Urdu, Arabic, ...) |
| `birth_date` | `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, a range `YYYY/YYYY`, `~` prefix for circa |
| `birth_place` | place of birth |
| `nationality` / `country` | country names or ISO codes |
| `father_name` | father's name |
| `cnic` | Pakistani CNIC (13 digits, dashes allowed; placeholders flagged unusable) |
| `passport` / `national_id` | document numbers |
| `wallet` | crypto wallet addresses, optionally `USDT:address` |
| `address` | one address per `;` |
| `program` | legal basis / programme (e.g. `ATA 1997 First Schedule`) |
| `listed_on` | `YYYY-MM-DD` |
| `un_ref` | UN reference of the same subject (links clusters) |
| `remarks` | free text |

`cftwatch lists load FILE --source custom --name proscribed-orgs` stores it as list
`custom:proscribed-orgs`; entity ids are `custom:proscribed-orgs:<ref>`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from cftwatch.errors import InputError, ListFormatError
from cftwatch.lists.model import (
    Entity,
    ParsedList,
    birth_date,
    birth_range,
    clean_text,
    entities_to_table,
    normalize_cnic,
    parse_day,
)

COLUMNS = (
    "ref",
    "name",
    "type",
    "aliases",
    "weak_aliases",
    "original_script",
    "birth_date",
    "birth_place",
    "nationality",
    "country",
    "father_name",
    "cnic",
    "passport",
    "national_id",
    "wallet",
    "address",
    "program",
    "listed_on",
    "un_ref",
    "remarks",
)
_SCHEMAS = {
    "person": "Person",
    "individual": "Person",
    "organization": "Organization",
    "organisation": "Organization",
    "entity": "Organization",
    "legal_entity": "LegalEntity",
    "legalentity": "LegalEntity",
    "vessel": "Vessel",
    "wallet": "CryptoWallet",
    "cryptowallet": "CryptoWallet",
}
_NAME_OK = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


def _multi(value: str | None) -> list[str]:
    if not value:
        return []
    return [p.strip() for p in value.split(";") if p.strip()]


def _read_rows(file: Path) -> list[tuple[int, dict[str, str | None]]]:
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            wb = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError) as exc:
            raise ListFormatError.at(
                f"not a readable .xlsx workbook: {exc}", file=str(file)
            ) from exc
        try:
            raw: list[list[Any]] = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        finally:
            wb.close()
        table = [["" if c is None else str(c) for c in r] for r in raw]
    else:
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ListFormatError.at(f"not UTF-8 text: {exc}", file=str(file)) from exc
        table = list(csv.reader(io.StringIO(text)))
    if not table or not any(c.strip() for c in table[0]):
        raise ListFormatError.at("empty file", file=str(file))
    header = [h.strip().lower().replace(" ", "_") for h in table[0]]
    if "name" not in header:
        raise ListFormatError.at(
            "header must have a `name` column (see the custom list format in docs/lists.md)",
            file=str(file),
            record=1,
            value=",".join(table[0])[:80],
        )
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise ListFormatError.at(
            f"unknown column(s); known: {', '.join(COLUMNS)}",
            file=str(file),
            record=1,
            field=", ".join(unknown),
        )
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        rows.append(
            (
                line,
                {
                    h: clean_text(cells[i]) if i < len(cells) else None
                    for i, h in enumerate(header)
                    if h
                },
            )
        )
    return rows


def parse_custom(path: str | Path, list_name: str) -> ParsedList:
    """Parse a custom list file as list `custom:<list_name>`."""
    name = list_name.strip().lower()
    if not _NAME_OK.match(name):
        raise InputError.at(
            "list name: lower-case letters, digits, '-', '_' or '.', up to 63 characters",
            field="name",
            value=list_name,
        )
    file = Path(path)
    list_id = f"custom:{name}"
    entities: list[Entity] = []
    seen: set[str] = set()
    for line, row in _read_rows(file):
        entities.append(_custom_entity(file, list_id, line, row, seen))
    if not entities:
        raise ListFormatError.at("no rows: empty list", file=str(file))
    return ParsedList(
        list_id,
        entities_to_table(entities),
        published=None,
        warnings=[],
        files=[str(file)],
        format="custom",
    )


def _custom_entity(
    file: Path, list_id: str, line: int, row: dict[str, str | None], seen: set[str]
) -> Entity:
    """One row of a custom list as an entity (ref from the `ref` column or a name hash,
    unique in the file: `seen` collects them)."""
    primary = row.get("name")
    if not primary:
        raise ListFormatError.at("row without a name", file=str(file), record=line, field="name")
    kind = (row.get("type") or "organization").lower()
    if kind not in _SCHEMAS:
        raise ListFormatError.at(
            f"unknown type (choose {', '.join(sorted(set(_SCHEMAS)))})",
            file=str(file),
            record=line,
            field="type",
            value=kind,
        )
    schema = _SCHEMAS[kind]
    ref = row.get("ref") or hashlib.sha1(f"{schema}|{primary.lower()}".encode()).hexdigest()[:12]
    if ref in seen:
        raise ListFormatError.at(
            "duplicate ref", file=str(file), record=line, field="ref", value=ref
        )
    seen.add(ref)
    entity = Entity(list_id, ref, schema, entity_id=f"{list_id}:{ref}")
    entity.add_name(primary, "strong", "primary")
    for alias in _multi(row.get("aliases")):
        entity.add_name(alias, "strong", "alias")
    for alias in _multi(row.get("weak_aliases")):
        entity.add_name(alias, "weak", "alias")
    for original in _multi(row.get("original_script")):
        entity.add_name(original, "strong", "original_script")
    _add_birth_dates(entity, file, line, _multi(row.get("birth_date")))
    for place in _multi(row.get("birth_place")):
        entity.add_birth_place(place)
    for country in _multi(row.get("nationality")):
        entity.add_nationality(country)
    for country in _multi(row.get("country")):
        entity.add_country(country)
    for father in _multi(row.get("father_name")):
        entity.add_father_name(father)
    _add_identifiers(entity, row)
    for address in _multi(row.get("address")):
        entity.add_address(address)
    for program in _multi(row.get("program")):
        entity.add_program(program)
    listed = row.get("listed_on")
    if listed:
        entity.listed_on = parse_day(listed)
        if entity.listed_on is None:
            raise ListFormatError.at(
                "not a date (YYYY-MM-DD)",
                file=str(file),
                record=line,
                field="listed_on",
                value=listed,
            )
    for un_ref in _multi(row.get("un_ref")):
        entity.add_linked_ref(f"un:{un_ref}")
    entity.remarks = row.get("remarks")
    return entity


def _add_birth_dates(entity: Entity, file: Path, line: int, texts: list[str]) -> None:
    """`YYYY-MM-DD`, `YYYY-MM`, `YYYY` or a `YYYY/YYYY` range; a leading `~` means circa."""
    for text in texts:
        circa = text.startswith("~")
        text = text.lstrip("~").strip()
        if "/" in text and not re.match(r"^\d{1,2}/", text):
            start, end = text.split("/", 1)
            value = birth_range(start, end, circa)
        else:
            value = birth_date(text, circa)
        if value is None:
            raise ListFormatError.at(
                "not a date (YYYY-MM-DD, YYYY-MM, YYYY or YYYY/YYYY)",
                file=str(file),
                record=line,
                field="birth_date",
                value=text,
            )
        entity.add_birth_date(value)


def _add_identifiers(entity: Entity, row: dict[str, str | None]) -> None:
    """CNICs (normalised, flagged when unusable), passports, national ids, crypto wallets."""
    for cnic in _multi(row.get("cnic")):
        digits, usable = normalize_cnic(cnic)
        entity.add_identifier("cnic", cnic, country="PK", usable=usable, normalized=digits or cnic)
    for number in _multi(row.get("passport")):
        entity.add_identifier("passport", number)
    for number in _multi(row.get("national_id")):
        entity.add_identifier("national_id", number)
    for wallet in _multi(row.get("wallet")):
        currency, _, address = wallet.rpartition(":")
        entity.add_identifier("crypto_wallet", address, note=currency.upper() or None)
