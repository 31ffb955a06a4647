"""Column mappings for customer files: how a KYC export becomes `parties` or `accounts` rows.

The same YAML format as a transaction mapping (`mapping.py`): `columns:` names, for each
canonical column, the CSV column (header name or 0-based position) that fills it, with the
same `delimiter`, `header`, `encoding`, `quote`, `decimal` and `thousands` keys. Customer
files add `date_format` (strptime formats for dates; ISO dates otherwise), `list_separator`
(for beneficial owners, default `;`) and `national_id_type` (the identifier type the
national id is recorded under in `parties.identifiers`, default `cnic`).

`CustomerTable` records say, per table, its key, its required columns and how each value is
read and checked; `convert_row` turns one CSV record into a canonical row or a list of
problems naming the field.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.errors import MappingError, Problem
from cftwatch.ingest.mapping import (
    Column,
    _text_options,
    mapped_columns,
    open_document,
    source_format_of,
)
from cftwatch.vocab import ACCOUNT_TYPES, PARTY_TYPES
from cftwatch.yamlconfig import load_yaml

TOP_KEYS = {
    "columns",
    "delimiter",
    "header",
    "encoding",
    "quote",
    "decimal",
    "thousands",
    "date_format",
    "list_separator",
    "national_id_type",
    "source_format",
}
TRUE_VALUES = ("1", "true", "t", "yes", "y")
FALSE_VALUES = ("0", "false", "f", "no", "n")
KINDS = {"person": "person", "individual": "person", "organization": "organization"}
KINDS["organisation"] = "organization"
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CURRENCY = re.compile(r"^[A-Z][A-Z0-9]{2,4}$")
_BIRTH = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_PHONE_DIGITS = re.compile(r"^\+?[0-9][0-9 ()-]{5,24}$")
_NOT_MAPPED = ("source_ref", "load_id", "identifiers")


@dataclass(frozen=True)
class CustomerTable:
    """One customer table that `cftwatch ingest <name>` loads."""

    name: str
    schema: pa.Schema
    key: str
    required: tuple[str, ...]
    summary: str

    @property
    def mappable(self) -> list[str]:
        return [c for c in cs.column_names(self.schema) if c not in _NOT_MAPPED]


CUSTOMER_TABLES: dict[str, CustomerTable] = {
    t.name: t
    for t in (
        CustomerTable(
            "parties",
            cs.PARTIES,
            "party_id",
            ("party_id", "name"),
            "customers and counterparties (KYC file) through a YAML column mapping",
        ),
        CustomerTable(
            "accounts",
            cs.ACCOUNTS,
            "account_id",
            ("account_id",),
            "accounts and wallets, their holders, KYC levels and limits, through a mapping",
        ),
    )
}
"""The customer tables `cftwatch ingest parties|accounts FILE --mapping M` fills."""


@dataclass(frozen=True)
class CustomerMapping:
    """A validated customer-file mapping."""

    path: str
    table: CustomerTable
    columns: dict[str, Column]
    delimiter: str = ","
    header: bool = True
    encoding: str = "utf-8"
    quote: str = '"'
    decimal: str = "."
    thousands: str | None = None
    date_formats: tuple[str, ...] = ()
    list_separator: str = ";"
    national_id_type: str = "cnic"
    source_format: str = "csv"


def load_customer_mapping(path: str | Path, table: str) -> CustomerMapping:
    """Read and validate a mapping for `table` (parties or accounts); MappingError lists
    every problem with the file, the YAML key and the value."""
    document = load_yaml(path, MappingError, "mapping file")
    return parse_customer_mapping(document.data, CUSTOMER_TABLES[table], document.source)


def parse_customer_mapping(raw: Any, table: CustomerTable, where: str) -> CustomerMapping:
    raw, problems, bad = open_document(raw, where, TOP_KEYS)
    columns = mapped_columns(raw.get("columns"), table.mappable, table.required, table.name, bad)
    text = _text_options(raw, columns, bad)
    fmts_raw = raw.get("date_format", [])
    fmts = [fmts_raw] if isinstance(fmts_raw, str) else fmts_raw
    if not isinstance(fmts, list) or not all(isinstance(f, str) and "%" in f for f in fmts):
        bad("date_format", "expected a strptime format (e.g. %d/%m/%Y) or a list of them", fmts)
        fmts = []
    sep = raw.get("list_separator", ";")
    if not isinstance(sep, str) or len(sep) != 1 or sep == text["delimiter"]:
        bad("list_separator", "expected one character, not the delimiter", sep)
    id_type = raw.get("national_id_type", "cnic")
    if not isinstance(id_type, str) or not re.match(r"^[a-z][a-z0-9_:]*$", id_type):
        bad("national_id_type", "expected a short lower-case identifier type", id_type)
    source_format = source_format_of(raw, bad)
    if problems:
        raise MappingError(problems)
    return CustomerMapping(
        path=where,
        table=table,
        columns=columns,
        **text,
        date_formats=tuple(fmts),
        list_separator=sep,
        national_id_type=id_type,
        source_format=source_format,
    )


# -- values -----------------------------------------------------------------------------

Reader = Callable[[str, CustomerMapping], Any]
"""Reads one non-empty, stripped text value; raises ValueError with the reason."""


def _choice(choices: dict[str, str] | tuple[str, ...]) -> Reader:
    allowed = dict(choices) if isinstance(choices, dict) else {c: c for c in choices}

    def read(text: str, m: CustomerMapping) -> str:
        value = allowed.get(text.lower())
        if value is None:
            raise ValueError(f"expected one of {', '.join(sorted(set(allowed.values())))}")
        return value

    return read


def _pattern(regex: re.Pattern[str], reason: str, upper: bool = False) -> Reader:
    def read(text: str, m: CustomerMapping) -> str:
        value = text.upper() if upper else text
        if not regex.match(value):
            raise ValueError(reason)
        return value

    return read


def _ip(text: str, m: CustomerMapping) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError("not an IPv4 or IPv6 address") from None


def _date(text: str, m: CustomerMapping) -> dt.date:
    for fmt in m.date_formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if not m.date_formats:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"not a date ({' or '.join(m.date_formats) or 'YYYY-MM-DD'})")


def _bool(text: str, m: CustomerMapping) -> bool:
    low = text.lower()
    if low in TRUE_VALUES:
        return True
    if low in FALSE_VALUES:
        return False
    raise ValueError("expected true/false, yes/no or 1/0")


def _money(text: str, m: CustomerMapping) -> Decimal:
    value = text.replace(m.thousands, "") if m.thousands else text
    if m.decimal == ",":
        value = value.replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError("not a decimal amount") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("expected a non-negative amount")
    if abs(amount) >= Decimal(10) ** 16:
        raise ValueError("amount too large (16 integer digits at most)")
    return amount.quantize(Decimal("0.00000001"))


def _names(text: str, m: CustomerMapping) -> list[str]:
    return [v.strip() for v in text.split(m.list_separator) if v.strip()]


def _text(text: str, m: CustomerMapping) -> str:
    return text


READERS: dict[str, Reader] = {
    "kind": _choice(KINDS),
    "party_type": _choice(PARTY_TYPES),
    "account_type": _choice(ACCOUNT_TYPES),
    "country": _pattern(_COUNTRY, "expected an ISO 3166-1 alpha-2 country code", upper=True),
    "nationality": _pattern(_COUNTRY, "expected an ISO 3166-1 alpha-2 country code", upper=True),
    "currency": _pattern(_CURRENCY, "expected an ISO 4217 currency code", upper=True),
    "birth_date": _pattern(_BIRTH, "expected YYYY-MM-DD, YYYY-MM or YYYY"),
    "phone": _pattern(_PHONE_DIGITS, "not a phone number"),
    "ip_address": _ip,
}
"""Readers of columns whose values are checked beyond their Arrow type."""


def _reader_for(column: str, typ: pa.DataType) -> Reader:
    if column in READERS:
        return READERS[column]
    if pa.types.is_date(typ):
        return _date
    if pa.types.is_boolean(typ):
        return _bool
    if pa.types.is_decimal(typ):
        return _money
    if pa.types.is_list(typ):
        return _names
    return _text


def convert_row(
    values: dict[str, str | None], m: CustomerMapping, file: str, line: int, names: dict[str, str]
) -> tuple[dict[str, Any], list[Problem]]:
    """One CSV record (canonical column -> raw text) as a canonical row, or its problems.
    `names` gives each canonical column's CSV column name, for the messages."""
    row: dict[str, Any] = {}
    problems: list[Problem] = []
    for column, raw in values.items():
        text = (raw or "").strip()
        if not text:
            row[column] = None
            if column in m.table.required:
                problems.append(Problem("missing value", file, line, names[column]))
            continue
        try:
            row[column] = _reader_for(column, m.table.schema.field(column).type)(text, m)
        except ValueError as exc:
            problems.append(Problem(str(exc), file, line, names[column], text))
    if m.table.name == "parties" and row.get("national_id"):
        row["identifiers"] = [{"type": m.national_id_type, "value": row["national_id"]}]
    return row, problems


__all__ = [
    "CUSTOMER_TABLES",
    "CustomerMapping",
    "CustomerTable",
    "convert_row",
    "load_customer_mapping",
    "parse_customer_mapping",
]
