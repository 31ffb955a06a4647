"""What the two OFAC formats share: the identifier labels OFAC uses (in CSV remarks and in
XML `idType`), remark-clause parsing, date phrases and entity ids.

OFAC entries get `entity_id` `ofac:<ent_num/uid>` whichever file they come from (SDN CSV,
SDN XML, consolidated non-SDN XML): the number is OFAC's own, unique across its lists.
"""

from __future__ import annotations

import re
from typing import Any

from cftwatch.lists.model import Entity, birth_date, birth_range

ID_LABELS: dict[str, str] = {
    "Passport": "passport",
    "Diplomatic Passport": "passport",
    "National ID No.": "national_id",
    "Identification Number": "national_id",
    "Personal ID Card": "national_id",
    "Citizen's Card Number": "national_id",
    "National Foreign ID Number": "national_id",
    "Cedula No.": "national_id",
    "C.U.R.P.": "national_id",
    "D.N.I.": "national_id",
    "Numero de Identidad": "national_id",
    "Turkish Identification Number": "national_id",
    "Kenyan ID No.": "national_id",
    "Electoral Registry No.": "national_id",
    "Credencial electoral": "national_id",
    "I.F.E.": "national_id",
    "SSN": "national_id",
    "Residency Number": "residency_permit",
    "Birth Certificate Number": "birth_certificate",
    "Driver's License No.": "drivers_license",
    "Tax ID No.": "tax_id",
    "R.F.C.": "tax_id",
    "RFC": "tax_id",
    "NIT #": "tax_id",
    "RUC #": "tax_id",
    "RIF #": "tax_id",
    "V.A.T. Number": "tax_id",
    "C.U.I.T.": "tax_id",
    "C.U.I.": "tax_id",
    "Italian Fiscal Code": "tax_id",
    "Registration Number": "registration",
    "Registration ID": "registration",
    "Business Registration Number": "registration",
    "Business Registration Document #": "registration",
    "Business Number": "registration",
    "Company Number": "registration",
    "UK Company Number": "registration",
    "Commercial Registry Number": "registration",
    "Government Gazette Number": "registration",
    "Folio Mercantil No.": "registration",
    "Matricula Mercantil No": "registration",
    "C.R. No.": "registration",
    "Trade License No.": "registration",
    "Unified Social Credit Code (USCC)": "registration",
    "United Social Credit Code Certificate (USCCC)": "registration",
    "Legal Entity Number": "lei",
    "Economic Register Number (CBLS)": "registration",
    "Chamber of Commerce Number": "registration",
    "Central Registration System Number": "registration",
    "Certificate of Incorporation Number": "registration",
    "Public Registration Number": "registration",
    "Enterprise Number": "registration",
    "Registered Charity No.": "registration",
    "D-U-N-S Number": "duns",
    "SWIFT/BIC": "swift_bic",
    "BIK (RU)": "bik",
    "ISIN": "isin",
    "Vessel Registration Identification": "imo",
    "Identification Number IMO": "imo",
    "MMSI": "mmsi",
    "Aircraft Manufacturer's Serial Number (MSN)": "aircraft_msn",
    "Aircraft Tail Number": "aircraft_tail",
    "Aircraft Mode S Transponder Code": "aircraft_mode_s",
    "Email Address": "email",
    "Website": "website",
    "Phone Number": "phone",
}
"""OFAC identifier label → identifier type; labels not here stay in `remarks` only."""

_LABELS_LONGEST_FIRST = sorted(ID_LABELS, key=len, reverse=True)
_WALLET = re.compile(r"^Digital Currency Address - ([A-Za-z0-9]+)\s+(\S+)")
_ALIAS = re.compile(r"^(a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*'(.+)'$", re.IGNORECASE)
_ID_VALUE = re.compile(
    r"^(?P<number>.+?)(?:\s+\((?P<country>[^()]+)\))?(?P<tail>\s+(?:issued|expires)\b.*)?$"
)
UN_REF = re.compile(r"\b([A-Z]{2}[ie]\.\d{3})\b")
"""UN permanent reference numbers (QDi.422, TAe.010, KPi.033)."""


def ofac_entity_id(number: str) -> str:
    return f"ofac:{number}"


def ofac_schema(sdn_type: str | None) -> str:
    kind = (sdn_type or "").strip().lower()
    return {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane"}.get(
        kind, "Organization"
    )


def split_programs(text: str | None) -> list[str]:
    """`FTO] [SDGT` (CSV's bracket-joined list) → [FTO, SDGT]."""
    if not text:
        return []
    return [p.strip(" []") for p in re.split(r"\]\s*\[", text) if p.strip(" []-0")]


def add_ofac_dob(entity: Entity, text: str) -> None:
    """`10 Jul 1968`, `1968`, `circa 1961`, `01 Jan 1943 to 31 Dec 1943`, `1957 to 1959`."""
    t = text.strip().rstrip(".")
    circa = False
    if t.lower().startswith("circa"):
        circa, t = True, t[5:].strip()
    if " to " in t:
        start, end = t.split(" to ", 1)
        entity.add_birth_date(birth_range(start, end, circa))
    else:
        entity.add_birth_date(birth_date(t, circa))


def add_identifier_clause(entity: Entity, label: str, rest: str) -> None:
    """One `Passport BW1332961 (Pakistan) expires 23 Jul 2011`-style identifier."""
    m = _ID_VALUE.match(rest.strip())
    if not m:
        return
    number = m.group("number").strip()
    country = m.group("country")
    tail = (m.group("tail") or "").strip() or None
    id_type = ID_LABELS[label]
    if id_type == "imo":
        number = number.replace("IMO", "").strip()
    note = label if id_type not in ("passport", "tax_id", "email", "website", "phone") else None
    if note and tail:
        note = f"{note}; {tail}"
    entity.add_identifier(id_type, number, country=country, note=note or tail)


def add_wallet(entity: Entity, currency: str, address: str) -> None:
    entity.add_identifier("crypto_wallet", address, note=currency.upper())


def match_label(clause: str) -> tuple[str, str] | None:
    for label in _LABELS_LONGEST_FIRST:
        if clause.startswith(label + " ") or clause.startswith(label + ":"):
            return label, clause[len(label) :].lstrip(" :")
    return None


def parse_remarks(entity: Entity, remarks: str | None) -> dict[str, Any]:
    """Pull DOB, POB, nationality, citizenship, identifiers, wallets, aliases (remarks
    a.k.a.s are OFAC's weak aliases), `Linked To:` and UN references out of CSV remarks.
    Returns what was found, for counting."""
    found: dict[str, Any] = {"linked_to": []}
    if not remarks:
        return found
    for ref in UN_REF.findall(remarks):
        entity.add_linked_ref(f"un:{ref}")
    clauses = [c.strip() for c in remarks.split(";")]
    for raw in clauses:
        clause = raw[:-1] if raw.endswith(".") and not raw.endswith("a.k.a.") else raw
        clause = clause.strip()
        if clause.startswith("alt. "):
            clause = clause[5:].strip()
        if not clause:
            continue
        alias = _ALIAS.match(clause)
        if alias:
            name_type = "alias" if alias.group(1).lower() == "a.k.a." else "fka"
            if alias.group(1).lower() == "n.k.a.":
                name_type = "alias"
            entity.add_name(alias.group(2), "weak", name_type)
            continue
        head, _, rest = clause.partition(" ")
        if head == "DOB":
            add_ofac_dob(entity, rest)
        elif head == "POB":
            entity.add_birth_place(rest)
        elif head in ("nationality", "citizen"):
            entity.add_nationality(rest)
        elif clause.startswith("Linked To:"):
            found["linked_to"].append(clause[len("Linked To:") :].strip())
        elif clause.startswith("Digital Currency Address - "):
            wallet = _WALLET.match(clause)
            if wallet:
                add_wallet(entity, wallet.group(1), wallet.group(2))
        else:
            labelled = match_label(clause)
            if labelled:
                add_identifier_clause(entity, *labelled)
    return found
