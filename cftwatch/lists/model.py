"""The in-memory shape every list parser fills: one `Entity` per listed person, organisation,
vessel or wallet, turned into `LIST_ENTITIES` Arrow rows by `entities_to_table`.

Parsers differ only in how they read their format; names, dates, identifiers and countries
are normalised here, once, so the UN, OFAC, UK and EU entries of one person look alike.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.lists.countries import country_code
from cftwatch.lists.names import clean_listed_name

SCHEMAS = ("Person", "Organization", "LegalEntity", "Vessel", "CryptoWallet", "Airplane")
"""FtM schemata a list entity can have (Airplane is kept as LegalEntity in the table)."""

ASSOCIATE_PREFIX = "linked_to:"
"""`linked_refs` entries with this prefix name an associate (OFAC `Linked To:`), not the
same subject; every other entry (`un:QDi.422`) is the same subject on another list and
joins the two into one cluster."""


@dataclass
class Entity:
    """One listed subject while a parser builds it; `to_row` gives the canonical row."""

    list_id: str
    list_ref: str
    schema: str
    primary_name: str = ""
    entity_id: str | None = None
    names: list[dict[str, Any]] = field(default_factory=list)
    birth_dates: list[dict[str, Any]] = field(default_factory=list)
    birth_places: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    father_names: list[str] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    listed_on: date | None = None
    linked_refs: list[str] = field(default_factory=list)
    remarks: str | None = None
    #: Name fields as listed where `clean_listed_name` changed them (kept in the remarks).
    listed_texts: list[str] = field(default_factory=list)

    # -- adders: each ignores empty values and duplicates -------------------------

    def add_name(
        self,
        name: str | None,
        quality: str = "strong",
        name_type: str = "alias",
        lang: str | None = None,
        script: str | None = None,
    ) -> None:
        text = clean_text(name)
        if not text:
            return
        cleaned = clean_listed_name(text)
        if cleaned.changed:
            _add_unique(self.listed_texts, text)
        for country in cleaned.countries:
            self.add_country(country)
        for father in cleaned.father_names:
            self.add_father_name(father)
        for year in cleaned.birth_years:
            self.add_birth_date(birth_date(year))
        for i, part in enumerate(cleaned.names):
            extra_type = "alias" if name_type == "primary" else name_type
            self._add_one_name(
                part, quality, name_type if i == 0 else extra_type, lang, script if i == 0 else None
            )

    def _add_one_name(
        self, text: str, quality: str, name_type: str, lang: str | None, script: str | None
    ) -> None:
        if not self.primary_name and name_type == "primary":
            self.primary_name = text
        for existing in self.names:
            if existing["name"] == text:
                # A name listed twice keeps its strongest reading.
                if quality == "strong" and existing["quality"] == "weak":
                    existing["quality"] = "strong"
                return
        self.names.append(
            {
                "name": text,
                "quality": quality,
                "name_type": name_type,
                "script": script or script_of(text),
                "lang": lang,
            }
        )

    def add_birth_date(self, value: dict[str, Any] | None) -> None:
        if value and value not in self.birth_dates:
            self.birth_dates.append(value)

    def add_nationality(self, name: str | None) -> None:
        _add_unique(self.nationalities, country_code(name))

    def add_country(self, name: str | None) -> None:
        _add_unique(self.countries, country_code(name))

    def add_birth_place(self, place: str | None) -> None:
        _add_unique(self.birth_places, clean_text(place))

    def add_father_name(self, name: str | None) -> None:
        _add_unique(self.father_names, clean_text(name))

    def add_address(self, address: str | None) -> None:
        _add_unique(self.addresses, clean_text(address))

    def add_program(self, program: str | None) -> None:
        _add_unique(self.programs, clean_text(program))

    def add_linked_ref(self, ref: str | None) -> None:
        _add_unique(self.linked_refs, clean_text(ref))

    def add_identifier(
        self,
        id_type: str,
        value: str | None,
        country: str | None = None,
        note: str | None = None,
        usable: bool = True,
        normalized: str | None = None,
    ) -> None:
        text = clean_text(value)
        if not text:
            return
        code = country_code(country) if country else None
        if id_type in ("national_id", "cnic") and (code == "PK" or id_type == "cnic"):
            digits, ok = normalize_cnic(text)
            if digits and len(digits) == 13 and digits.isdigit():
                # A Pakistani national id of 13 digits is a CNIC: compare it as one.
                id_type, normalized, usable = "cnic", digits, usable and ok
        ident = {
            "type": id_type,
            "value": text,
            "normalized": normalized if normalized is not None else normalize_id(id_type, text),
            "country": code,
            "note": clean_text(note),
            "usable": usable,
        }
        for existing in self.identifiers:
            if existing["type"] == id_type and existing["normalized"] == ident["normalized"]:
                return
        self.identifiers.append(ident)

    def to_row(self, source_version: str = "") -> dict[str, Any]:
        primary = self.primary_name or (self.names[0]["name"] if self.names else self.list_ref)
        return {
            "entity_id": self.entity_id or f"{self.list_id}:{self.list_ref}",
            "schema": self.schema,
            "primary_name": primary,
            "names": self.names,
            "birth_dates": self.birth_dates,
            "birth_places": self.birth_places,
            "nationalities": self.nationalities,
            "countries": self.countries,
            "father_names": self.father_names,
            "identifiers": self.identifiers,
            "addresses": self.addresses,
            "programs": self.programs,
            "list_id": self.list_id,
            "list_ref": self.list_ref,
            "listed_on": self.listed_on,
            "linked_refs": self.linked_refs,
            "remarks": self._remarks_with_listed_texts(),
            "source_version": source_version,
        }

    def _remarks_with_listed_texts(self) -> str | None:
        notes = [f"Name as listed: {t}" for t in self.listed_texts]
        return "\n".join(r for r in (self.remarks, *notes) if r) or None


@dataclass
class ParsedList:
    """What a parser returns: the entities, the publication date the file states, and
    everything odd it noticed (never silently dropped)."""

    list_id: str
    entities: pa.Table
    published: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    format: str = ""

    @property
    def count(self) -> int:
        return self.entities.num_rows


def entities_to_table(entities: Iterable[Entity], source_version: str = "") -> pa.Table:
    rows = [e.to_row(source_version) for e in entities]
    return pa.Table.from_pylist(rows, schema=cs.LIST_ENTITIES)


# -- text ---------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def clean_text(value: object) -> str | None:
    """Collapse whitespace, drop OFAC's `-0-` null marker and empty strings."""
    if value is None:
        return None
    text = _SPACE.sub(" ", str(value)).strip()
    if not text or text == "-0-":
        return None
    return unicodedata.normalize("NFC", text)


_SCRIPTS = (
    (0x0370, 0x03FF, "Grek"),
    (0x0400, 0x052F, "Cyrl"),
    (0x0530, 0x058F, "Armn"),
    (0x0590, 0x05FF, "Hebr"),
    (0x0600, 0x06FF, "Arab"),
    (0x0750, 0x077F, "Arab"),
    (0x08A0, 0x08FF, "Arab"),
    (0x0900, 0x097F, "Deva"),
    (0x0E00, 0x0E7F, "Thai"),
    (0x10A0, 0x10FF, "Geor"),
    (0x1000, 0x109F, "Mymr"),
    (0x1100, 0x11FF, "Hang"),
    (0x3040, 0x30FF, "Jpan"),
    (0x4E00, 0x9FFF, "Hani"),
    (0xAC00, 0xD7AF, "Hang"),
    (0xFB50, 0xFDFF, "Arab"),
    (0xFE70, 0xFEFF, "Arab"),
)


def script_of(text: str) -> str:
    """ISO 15924 code of the first non-Latin letter's script, else `Latn`."""
    for ch in text:
        cp = ord(ch)
        if cp < 0x0370:
            continue
        for lo, hi, code in _SCRIPTS:
            if lo <= cp <= hi:
                return code
    return "Latn"


# -- identifiers --------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_CNIC_DIGITS = re.compile(r"\D")


def normalize_id(id_type: str, value: str) -> str:
    """Comparable form of an identifier: upper-case letters and digits only. Wallet
    addresses keep their case (base58 is case-sensitive) except hex (0x...) ones."""
    if id_type == "crypto_wallet":
        compact = value.strip().split()[0] if value.strip() else value
        return compact.lower() if compact.lower().startswith("0x") else compact
    if id_type == "cnic":
        return _CNIC_DIGITS.sub("", value)
    return _NON_ALNUM.sub("", value).upper()


def normalize_cnic(value: str | None) -> tuple[str | None, bool]:
    """(13-digit CNIC, usable) from a Pakistani CNIC written with or without dashes.

    Placeholders are kept but flagged unusable: a CNIC cannot start with 0 (the first digit
    is the province), all-same digits or a 123456789 run are fillers, and anything that is
    not 13 digits is not a CNIC at all.
    """
    text = clean_text(value)
    if not text or text.upper() in {"NIL", "NONE", "N/A", "NA"}:
        return None, False
    digits = _CNIC_DIGITS.sub("", text)
    if len(digits) != 13 or not re.fullmatch(r"[\d\s-]+", text):
        return (digits or text), False
    placeholder = (
        digits[0] == "0"
        or len(set(digits)) == 1
        or "123456789" in digits
        or digits.startswith("00000")
    )
    return digits, not placeholder


# -- dates --------------------------------------------------------------------------

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_name) if m})
_MONTHS["sept"] = 9


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _span(year: int, month: int | None = None, day: int | None = None) -> tuple[date, date]:
    if month and day:
        d = date(year, month, day)
        return d, d
    if month:
        return date(year, month, 1), _end_of_month(year, month)
    return date(year, 1, 1), date(year, 12, 31)


def _fmt(year: int, month: int | None, day: int | None) -> str:
    if month and day:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if month:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DMY_TEXT = re.compile(r"^(?:(\d{1,2})\s+)?([A-Za-z]{3,9})\.?\s+(\d{4})$")
_DMY_SLASH = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def parse_date_parts(text: str | None) -> tuple[int, int | None, int | None] | None:
    """(year, month, day) from `1968-07-10`, `1968`, `10 Jul 1968`, `Jul 1968` or
    `10/07/1968` (day first, `00` for unknown parts); None if it is not a date."""
    if text is None:
        return None
    t = text.strip().rstrip(".")
    if not t:
        return None
    m = _ISO.match(t)
    if m:
        y, mo, d = int(m.group(1)), _int(m.group(2)), _int(m.group(3))
    else:
        m = _DMY_TEXT.match(t)
        if m:
            mo = _MONTHS.get(m.group(2).lower())
            if mo is None:
                return None
            y, d = int(m.group(3)), _int(m.group(1))
        else:
            m = _DMY_SLASH.match(t)
            if not m:
                return None
            d, mo, y = _int(m.group(1)), _int(m.group(2)), int(m.group(3))
    if y < 1000 or (mo is not None and not 1 <= mo <= 12):
        return None
    if not mo:
        mo, d = None, None
    if d is not None and (mo is None or not 1 <= d <= calendar.monthrange(y, mo)[1]):
        d = None
    return y, mo, d


def _int(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    n = int(value)
    return n or None


def birth_date(text: str | None, circa: bool = False) -> dict[str, Any] | None:
    """A `birth_dates` item for one listed date (any precision)."""
    parts = parse_date_parts(text)
    if parts is None:
        return None
    lo, hi = _span(*parts)
    return {"value": _fmt(*parts), "date_from": lo, "date_to": hi, "circa": circa}


def birth_range(start: str | None, end: str | None, circa: bool = False) -> dict[str, Any] | None:
    """A `birth_dates` item for a range (`1957 to 1959`, UN `BETWEEN`): value `from/to`."""
    a, b = parse_date_parts(start), parse_date_parts(end)
    if a is None or b is None:
        return birth_date(start, circa) or birth_date(end, circa)
    lo, _ = _span(*a)
    _, hi = _span(*b)
    if hi < lo:
        lo, hi = _span(*b)[0], _span(*a)[1]
    return {"value": f"{_fmt(*a)}/{_fmt(*b)}", "date_from": lo, "date_to": hi, "circa": circa}


def parse_day(text: str | None) -> date | None:
    """A full date (listing dates); None when any part is missing."""
    parts = parse_date_parts(text) if text else None
    if not parts or parts[1] is None or parts[2] is None:
        return None
    return date(parts[0], parts[1], parts[2])


def _add_unique(target: list[str], value: str | None) -> None:
    if value and value not in target:
        target.append(value)
