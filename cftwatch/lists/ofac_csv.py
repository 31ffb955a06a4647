"""US OFAC SDN list, CSV set: `sdn.csv` (primary rows) + `alt.csv` (aliases) + `add.csv`
(addresses), joined on `ent_num`.

Official files: https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/
SDN.CSV, ALT.CSV, ADD.CSV. They have no header, use `-0-` for null and end with a
Ctrl-Z (0x1A) byte. Columns:

* sdn: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT,
  Vess_flag, Vess_owner, Remarks
* alt: ent_num, alt_num, alt_type (aka/fka/nka), alt_name, alt_remarks
* add: ent_num, add_num, Address, City/State/Province/Postal Code, Country, Add_remarks

`alt.csv` holds OFAC's strong aliases; the weak ones are written in the remarks
(`a.k.a. 'BNC'`). Aliases or addresses whose `ent_num` has no primary row are reported in
the warnings (never silently dropped): with a newer alt.csv than sdn.csv they are entries
designated after the sdn.csv was published.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from cftwatch.errors import ListFormatError
from cftwatch.lists.model import ASSOCIATE_PREFIX, Entity, ParsedList, entities_to_table
from cftwatch.lists.ofac_common import (
    ofac_entity_id,
    ofac_schema,
    parse_remarks,
    split_programs,
)

LIST_ID = "ofac-sdn"
SDN_COLUMNS = 12
ALT_COLUMNS = 5
ADD_COLUMNS = 6


def find_companions(sdn_path: Path) -> tuple[Path | None, Path | None]:
    """alt.csv and add.csv beside an sdn.csv: `alt.csv`/`add.csv`, or the same name with
    `sdn` replaced (`ofac_sdn_2024.csv` → `ofac_alt_*.csv`)."""
    folder = sdn_path.parent

    def pick(kind: str) -> Path | None:
        exact = [folder / f"{kind}.csv", folder / f"{kind.upper()}.CSV"]
        for candidate in exact:
            if candidate.is_file() and candidate != sdn_path:
                return candidate
        stem = sdn_path.name.lower()
        if "sdn" in stem:
            prefix = stem.split("sdn", 1)[0]
            matches = sorted(
                p
                for p in folder.iterdir()
                if p.is_file()
                and p.suffix.lower() == ".csv"
                and p.name.lower().startswith(f"{prefix}{kind}")
            )
            if matches:
                return matches[-1]
        return None

    return pick("alt"), pick("add")


def _rows(path: Path, width: int) -> Iterator[tuple[int, list[str]]]:
    """Yield (line, fields) of an OFAC CSV, refusing a file that is not this layout."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListFormatError.at(f"cannot read file: {exc}", file=str(path)) from exc
    stripped = data.rstrip(b"\x1a\r\n\t ")
    if not stripped:
        raise ListFormatError.at("empty file", file=str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    ends_cleanly = data.rstrip(b" \t").endswith((b"\n", b"\x1a"))
    reader = csv.reader(io.StringIO(text.replace("\x1a", "")), strict=False)
    last: tuple[int, list[str]] | None = None
    for fields in reader:
        line = reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        if last is not None:
            yield last
        if len(fields) != width or not fields[0].strip().isdigit():
            raise ListFormatError.at(
                f"expected {width} fields starting with a numeric ent_num, found "
                f"{len(fields)} (truncated file or not an OFAC {path.name} layout)",
                file=str(path),
                record=line,
                value=",".join(fields)[:80],
            )
        last = (line, fields)
    if last is not None:
        if not ends_cleanly:
            raise ListFormatError.at(
                "file ends in the middle of a record (truncated download)",
                file=str(path),
                record=last[0],
            )
        yield last


def _value(text: str) -> str | None:
    t = text.strip()
    return None if not t or t == "-0-" else t


def parse_ofac_csv(
    sdn_path: str | Path, alt_path: str | Path | None = None, add_path: str | Path | None = None
) -> ParsedList:
    """Parse an sdn.csv with its alt.csv and add.csv (found beside it when not given)."""
    sdn = Path(sdn_path)
    found_alt, found_add = find_companions(sdn)
    alt = Path(alt_path) if alt_path else found_alt
    add = Path(add_path) if add_path else found_add
    warnings: list[str] = []
    entities: dict[str, Entity] = {}
    linked: dict[str, list[str]] = {}
    for _line, f in _rows(sdn, SDN_COLUMNS):
        ent_num = f[0].strip()
        schema = ofac_schema(_value(f[2]))
        entity = Entity(LIST_ID, ent_num, schema, entity_id=ofac_entity_id(ent_num))
        entity.add_name(_value(f[1]), "strong", "primary")
        for program in split_programs(_value(f[3])):
            entity.add_program(program)
        remarks = _value(f[11])
        extra = []
        if _value(f[4]):
            extra.append(f"Title: {_value(f[4])}")
        if schema == "Vessel":
            if _value(f[5]):
                entity.add_identifier("call_sign", _value(f[5]))
            entity.add_country(_value(f[9]))
            for label, idx in (("Vessel type", 6), ("Tonnage", 7), ("GRT", 8), ("Owner", 10)):
                if _value(f[idx]):
                    extra.append(f"{label}: {_value(f[idx])}")
        entity.remarks = "; ".join([*extra, remarks] if remarks else extra) or None
        found = parse_remarks(entity, remarks)
        linked[ent_num] = found["linked_to"]
        entities[ent_num] = entity
    if not entities:
        raise ListFormatError.at("no SDN rows: empty list", file=str(sdn))
    orphans: dict[str, set[str]] = defaultdict(set)
    if alt is not None:
        for _line, f in _rows(alt, ALT_COLUMNS):
            ent_num = f[0].strip()
            target = entities.get(ent_num)
            if target is None:
                orphans["alt"].add(ent_num)
                continue
            alt_type = (_value(f[2]) or "aka").lower()
            target.add_name(_value(f[3]), "strong", "fka" if alt_type == "fka" else "alias")
    else:
        warnings.append(f"{sdn.name}: no alt.csv beside it; strong aliases not loaded")
    if add is not None:
        for _line, f in _rows(add, ADD_COLUMNS):
            ent_num = f[0].strip()
            target = entities.get(ent_num)
            if target is None:
                orphans["add"].add(ent_num)
                continue
            country = _value(f[4])
            parts = [p for p in (_value(f[2]), _value(f[3]), country) if p]
            target.add_address(", ".join(parts) if parts else None)
            target.add_country(country)
    else:
        warnings.append(f"{sdn.name}: no add.csv beside it; addresses not loaded")
    for kind, missing in sorted(orphans.items()):
        ids = sorted(missing, key=int)
        shown = ", ".join(ids[:20]) + (", ..." if len(ids) > 20 else "")
        warnings.append(
            f"{kind}.csv: {len(ids)} ent_num(s) have no primary row in {sdn.name} "
            f"(entries newer than the sdn.csv?): {shown}"
        )
    _resolve_links(entities, linked, warnings)
    return ParsedList(
        LIST_ID,
        entities_to_table(entities.values()),
        published=None,
        warnings=warnings,
        files=[str(p) for p in (sdn, alt, add) if p is not None],
        format="ofac-csv",
    )


_NAME_KEY = re.compile(r"[^0-9A-Z]+")


def _name_key(name: str) -> str:
    return _NAME_KEY.sub(" ", name.upper()).strip()


def _resolve_links(
    entities: dict[str, Entity], linked: dict[str, list[str]], warnings: list[str]
) -> None:
    """`Linked To: LASHKAR E-TAYYIBA` → `linked_to:ofac:7140` (an association, not the same
    entity), by the linked entry's primary name; unresolved names are kept as text."""
    by_name: dict[str, str] = {}
    for ent_num, entity in entities.items():
        by_name.setdefault(_name_key(entity.primary_name), ent_num)
    unresolved = 0
    for ent_num, names in linked.items():
        for name in names:
            target = by_name.get(_name_key(name))
            if target is not None and target != ent_num:
                entities[ent_num].add_linked_ref(f"{ASSOCIATE_PREFIX}{ofac_entity_id(target)}")
            else:
                unresolved += 1
                entities[ent_num].add_linked_ref(f"{ASSOCIATE_PREFIX}{name}")
    if unresolved:
        warnings.append(
            f"{unresolved} 'Linked To:' name(s) did not resolve to an entry of this file; "
            "kept as text"
        )
