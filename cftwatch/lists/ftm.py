"""FollowTheMoney (FtM) JSON lines: export the active lists, import them back.

Each list entity becomes one FtM entity (`Person`, `Organization`, `LegalEntity`, `Vessel`,
`Airplane`, `CryptoWallet`) with FtM property names (`name`, `alias`, `weakAlias`,
`previousName`, `birthDate`, `birthPlace`, `nationality`, `country`, `fatherName`,
`idNumber`, `passportNumber`, `taxNumber`, `registrationNumber`, `imoNumber`, `address`,
`program`, `topics: [sanction]`, `notes`, `sourceUrl`), plus a `Sanction` entity (authority,
`authorityId` = the list reference, `unscId`, `program`, `listingDate`) and one
`CryptoWallet` per wallet address (`publicKey`, `currency`, `holder`). `datasets` carries
the list id. This is the shape OpenSanctions publishes, so the files load into Aleph,
nomenklatura and yente.

FtM has no place for a date's precision range or `circa`, a name's script, or an
identifier's usability: an approximate date exports as its year, a range as its years
(up to 12), and an unusable identifier (a placeholder CNIC) is not exported at all.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from cftwatch.errors import InputError, ListFormatError
from cftwatch.jsontext import dumps
from cftwatch.lists.model import (
    ASSOCIATE_PREFIX,
    Entity,
    ParsedList,
    birth_date,
    entities_to_table,
    parse_day,
    script_of,
)
from cftwatch.lists.store import ListVersion, active_entities, list_versions, store_parsed
from cftwatch.workspace import Workspace

AUTHORITIES = {
    "un": "United Nations Security Council",
    "ofac-sdn": "US Treasury Office of Foreign Assets Control (SDN list)",
    "ofac-nonsdn": "US Treasury Office of Foreign Assets Control (non-SDN consolidated list)",
    "uk": "UK HM Treasury Office of Financial Sanctions Implementation",
    "eu": "European Union (Council of the EU)",
    "pk-nacta": "Pakistan National Counter Terrorism Authority (Fourth Schedule)",
}
_ID_PROPERTY = {
    "passport": "passportNumber",
    "tax_id": "taxNumber",
    "registration": "registrationNumber",
    "lei": "leiCode",
    "swift_bic": "swiftBic",
    "imo": "imoNumber",
    "mmsi": "mmsi",
    "call_sign": "callSign",
    "email": "email",
    "website": "website",
    "phone": "phone",
    "duns": "dunsCode",
}
_PROPERTY_ID = {v: k for k, v in _ID_PROPERTY.items()}
_THING_SCHEMAS = (
    "Person",
    "Organization",
    "LegalEntity",
    "Company",
    "Vessel",
    "Airplane",
    "CryptoWallet",
)
_LIST_ID_OK = re.compile(r"^(un|ofac-sdn|ofac-nonsdn|uk|eu|pk-nacta|custom:[a-z0-9_.-]+)$")


def _ftm_dates(items: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for b in items or []:
        value = str(b.get("value") or "")
        if "/" in value:
            lo, hi = b.get("date_from"), b.get("date_to")
            if isinstance(lo, date) and isinstance(hi, date) and hi.year - lo.year <= 11:
                out.extend(str(y) for y in range(lo.year, hi.year + 1))
            elif isinstance(lo, date):
                out.append(str(lo.year))
        elif value:
            out.append(value[:4] if b.get("circa") else value)
    return list(dict.fromkeys(out))


def entity_to_ftm(row: dict[str, Any], source_url: str | None = None) -> list[dict[str, Any]]:
    """The FtM entities (thing, sanction, wallets) for one `LIST_ENTITIES` row."""
    props: dict[str, list[str]] = defaultdict(list)
    eid = row["entity_id"]
    schema = row["schema"]
    _name_props(row, props)
    if schema == "Person":
        props["birthDate"] = _ftm_dates(row.get("birth_dates") or [])
        props["birthPlace"] = list(row.get("birth_places") or [])
        props["fatherName"] = list(row.get("father_names") or [])
        props["nationality"] = [c.lower() for c in row.get("nationalities") or [] if len(c) == 2]
    props["country"] = [c.lower() for c in row.get("countries") or [] if len(c) == 2]
    wallets = _identifier_props(row, props)
    props["address"] = list(row.get("addresses") or [])
    props["program"] = list(row.get("programs") or [])
    props["topics"] = ["sanction"]
    if row.get("remarks"):
        props["notes"] = [row["remarks"]]
    if source_url:
        props["sourceUrl"] = [source_url]
    thing = {
        "id": eid,
        "schema": schema,
        "properties": {k: list(dict.fromkeys(v)) for k, v in props.items() if v},
        "datasets": [row["list_id"]],
        "target": True,
    }
    return [thing, _sanction(row, source_url), *wallets]


def _name_props(row: dict[str, Any], props: dict[str, list[str]]) -> None:
    """Names by FtM property: name, previousName, weakAlias, alias."""
    for n in row.get("names") or []:
        if n["name_type"] == "primary" or n["name"] == row["primary_name"]:
            key = "name"
        elif n["name_type"] == "fka":
            key = "previousName"
        elif n["quality"] == "weak":
            key = "weakAlias"
        else:
            key = "alias"
        props[key].append(n["name"])
    if row["primary_name"] not in props["name"]:
        props["name"].insert(0, row["primary_name"])


def _identifier_props(row: dict[str, Any], props: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Usable identifiers as properties; a non-wallet's crypto wallets as wallet entities."""
    eid = row["entity_id"]
    wallets: list[dict[str, Any]] = []
    for ident in row.get("identifiers") or []:
        if ident.get("usable") is False:
            continue
        if ident["type"] == "crypto_wallet":
            if row["schema"] == "CryptoWallet":
                props["publicKey"].append(ident["value"])
                if ident.get("note"):
                    props["currency"].append(ident["note"])
                continue
            wallets.append(
                {
                    "id": f"{eid}-wallet-{ident['normalized']}",
                    "schema": "CryptoWallet",
                    "properties": {
                        "publicKey": [ident["value"]],
                        "currency": [ident["note"]] if ident.get("note") else [],
                        "holder": [eid],
                        "topics": ["sanction"],
                    },
                    "datasets": [row["list_id"]],
                }
            )
            continue
        props[_ID_PROPERTY.get(ident["type"], "idNumber")].append(ident["value"])
    return wallets


def _sanction(row: dict[str, Any], source_url: str | None) -> dict[str, Any]:
    """The FtM Sanction for a listed entity: authority, ids, programme, date, links."""
    eid = row["entity_id"]
    un_refs = [r.split(":", 1)[1] for r in row.get("linked_refs") or [] if r.startswith("un:")]
    if row["list_id"] == "un":
        un_refs = [row["list_ref"], *un_refs]
    sanction_props: dict[str, list[str]] = {
        "entity": [eid],
        "authority": [AUTHORITIES.get(row["list_id"], row["list_id"])],
        "authorityId": [row["list_ref"]],
        "program": list(row.get("programs") or []),
    }
    if un_refs:
        sanction_props["unscId"] = list(dict.fromkeys(un_refs))
    if row.get("listed_on"):
        sanction_props["listingDate"] = [str(row["listed_on"])]
    if source_url:
        sanction_props["sourceUrl"] = [source_url]
    associates = [
        r[len(ASSOCIATE_PREFIX) :]
        for r in row.get("linked_refs") or []
        if r.startswith(ASSOCIATE_PREFIX)
    ]
    if associates:
        sanction_props["summary"] = ["Linked to: " + "; ".join(associates)]
    return {
        "id": f"{eid}-sanction",
        "schema": "Sanction",
        "properties": sanction_props,
        "datasets": [row["list_id"]],
    }


def iter_ftm(ws: Workspace, sources: list[str] | None = None) -> Iterator[dict[str, Any]]:
    urls = {v.version_id: v.source_url for v in list_versions(ws) if v.active}
    table = active_entities(ws, sources)
    for batch in table.to_batches(max_chunksize=2000):
        for row in batch.to_pylist():
            yield from entity_to_ftm(row, urls.get(row["source_version"]))


def export_ftm(ws: Workspace, out: str | Path | IO[str], sources: list[str] | None = None) -> int:
    """Write the active lists as FtM JSON lines to a path, `-` (stdout) or a text stream.
    Returns the number of FtM entities written."""
    count = 0
    if isinstance(out, str | Path) and str(out) != "-":
        with open(out, "w", encoding="utf-8") as fh:
            return export_ftm(ws, fh, sources)
    stream: IO[str] = sys.stdout if not hasattr(out, "write") else out  # type: ignore[assignment]
    for item in iter_ftm(ws, sources):
        stream.write(dumps(item, sort_keys=True) + "\n")
        count += 1
    return count


def _lines(path: str | Path | IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    if hasattr(path, "read"):
        stream: IO[str] = path  # type: ignore[assignment]
        name = getattr(stream, "name", "<stream>")
        yield from _decode(stream, str(name))
        return
    file = Path(str(path))
    try:
        with open(file, encoding="utf-8") as fh:
            yield from _decode(fh, str(file))
    except OSError as exc:
        raise ListFormatError.at(f"cannot read file: {exc}", file=str(file)) from exc


def _decode(stream: IO[str], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ListFormatError.at(
                f"not a JSON line (truncated file?): {exc.msg}", file=name, record=number
            ) from exc
        if not isinstance(item, dict) or "schema" not in item or "id" not in item:
            raise ListFormatError.at(
                "not an FtM entity (needs id and schema)", file=name, record=number
            )
        yield number, item


def _list_id_for(item: dict[str, Any], override: str | None) -> str:
    if override:
        return override
    for dataset in item.get("datasets") or []:
        if _LIST_ID_OK.match(str(dataset)):
            return str(dataset)
    dataset = str((item.get("datasets") or ["ftm"])[0]).lower()
    return "custom:" + re.sub(r"[^a-z0-9_.-]", "-", dataset)[:60]


def read_ftm(path: str | Path | IO[str], list_name: str | None = None) -> dict[str, ParsedList]:
    """Parse FtM JSON lines into one `ParsedList` per list (dataset)."""
    override = f"custom:{list_name}" if list_name else None
    things: dict[str, dict[str, Any]] = {}
    sanctions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    wallets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    file_name = str(getattr(path, "name", path))
    for _number, item in _lines(path):
        schema = item["schema"]
        props = item.get("properties") or {}
        if schema == "Sanction":
            for target in props.get("entity") or []:
                sanctions[target].append(props)
        elif schema == "CryptoWallet" and props.get("holder"):
            for holder in props["holder"]:
                wallets[holder].append(props)
        elif schema in _THING_SCHEMAS:
            things[item["id"]] = item
    by_list: dict[str, list[Entity]] = defaultdict(list)
    for eid, item in things.items():
        entity = _thing_to_entity(eid, item, sanctions.get(eid, []), wallets.get(eid, []), override)
        by_list[entity.list_id].append(entity)
    if not by_list:
        raise ListFormatError.at(
            "no FtM Person/Organization/... entities in the file", file=file_name
        )
    return {
        list_id: ParsedList(list_id, entities_to_table(ents), files=[], format="ftm")
        for list_id, ents in by_list.items()
    }


def _thing_to_entity(
    eid: str,
    item: dict[str, Any],
    sanctions: list[dict[str, Any]],
    wallets: list[dict[str, Any]],
    override: str | None,
) -> Entity:
    props: dict[str, list[str]] = item.get("properties") or {}
    list_id = _list_id_for(item, override)
    ref = next((s["authorityId"][0] for s in sanctions if s.get("authorityId")), None)
    if ref is None:
        ref = eid.split(":", 1)[1] if eid.startswith(list_id.split(":", 1)[0] + ":") else eid
    schema = item["schema"] if item["schema"] != "Company" else "Organization"
    entity = Entity(list_id, ref, schema, entity_id=eid if not override else f"{list_id}:{ref}")
    names = props.get("name") or []
    for i, name in enumerate(names):
        entity.add_name(name, "strong", "primary" if i == 0 else "alias")
    for name in props.get("alias") or []:
        entity.add_name(name, "strong", "alias" if script_of(name) == "Latn" else "original_script")
    for name in props.get("weakAlias") or []:
        entity.add_name(name, "weak", "alias")
    for name in props.get("previousName") or []:
        entity.add_name(name, "strong", "fka")
    for value in props.get("birthDate") or []:
        entity.add_birth_date(birth_date(value))
    for place in props.get("birthPlace") or []:
        entity.add_birth_place(place)
    for father in props.get("fatherName") or []:
        entity.add_father_name(father)
    for code in props.get("nationality") or []:
        entity.add_nationality(code)
    for key in ("country", "jurisdiction", "flag"):
        for code in props.get(key) or []:
            entity.add_country(code)
    for key, values in props.items():
        if key in _PROPERTY_ID:
            for value in values:
                entity.add_identifier(_PROPERTY_ID[key], value)
    for value in props.get("idNumber") or []:
        countries = entity.nationalities or entity.countries
        entity.add_identifier("national_id", value, country=countries[0] if countries else None)
    own_currency = next(iter(props.get("currency") or []), None)
    for value in props.get("publicKey") or []:
        entity.add_identifier("crypto_wallet", value, note=own_currency)
    for wallet in wallets:
        currency = next(iter(wallet.get("currency") or []), None)
        for value in wallet.get("publicKey") or []:
            entity.add_identifier("crypto_wallet", value, note=currency)
    for address in props.get("address") or []:
        entity.add_address(address)
    for program in props.get("program") or []:
        entity.add_program(program)
    for sanction in sanctions:
        for program in sanction.get("program") or []:
            entity.add_program(program)
        for listing in sanction.get("listingDate") or []:
            entity.listed_on = entity.listed_on or parse_day(listing)
        for un_ref in sanction.get("unscId") or []:
            if not (list_id == "un" and un_ref == ref):
                entity.add_linked_ref(f"un:{un_ref}")
        for summary in sanction.get("summary") or []:
            if summary.startswith("Linked to: "):
                for name in summary[len("Linked to: ") :].split("; "):
                    entity.add_linked_ref(f"{ASSOCIATE_PREFIX}{name}")
    notes = props.get("notes") or []
    entity.remarks = "\n".join(notes) or None
    return entity


def import_ftm(
    ws: Workspace,
    path: str | Path | IO[str],
    *,
    list_name: str | None = None,
    force: bool = False,
) -> list[ListVersion]:
    """Load FtM JSON lines as new versions of the lists they name (their `datasets`; other
    datasets become `custom:<dataset>`, or all go to `custom:<list_name>`)."""
    if list_name is not None and not re.match(r"^[a-z0-9][a-z0-9_.-]{0,62}$", list_name):
        raise InputError.at("invalid list name", field="name", value=list_name)
    parsed = read_ftm(path, list_name)
    file_path = None if hasattr(path, "read") else str(path)
    out = []
    for pl in parsed.values():
        if file_path:
            pl.files = [file_path]
        out.append(store_parsed(ws, pl, force=force))
    return out
