"""YAML column mappings: how an arbitrary CSV export becomes canonical transactions.

A mapping names, for each canonical column, the CSV column (by header name or 0-based
position) that fills it, plus how to read timestamps (strptime formats, time zone),
decimals (separator, thousands mark), currency (fixed or per row) and channels (value map).
`load_mapping` checks everything it can without the data and reports every problem with the
file, the YAML key path and the value.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cftwatch import schema as cs
from cftwatch.errors import MappingError, Problem
from cftwatch.vocab import CHANNELS
from cftwatch.yamlconfig import load_yaml

MAPPABLE = [
    c
    for c in cs.column_names(cs.TRANSACTIONS)
    if c not in ("source_format", "source_ref", "load_id")
]
"""Canonical columns a mapping may fill."""

REQUIRED = ("ts", "amount")
TOP_KEYS = {
    "columns",
    "delimiter",
    "header",
    "encoding",
    "quote",
    "decimal",
    "thousands",
    "timestamp_format",
    "timestamp_unit",
    "epoch",
    "timezone",
    "currency",
    "channel",
    "channel_map",
    "labels",
    "source_format",
}
ENCODINGS = ("utf-8", "latin-1", "utf-16")
_ISO_CCY = re.compile(r"^[A-Z][A-Z0-9]{2,4}$")
_DIRECTIVE = re.compile(r"%[a-zA-Z]")


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones() - {"Factory", "localtime"}) | {"UTC"}


TIMESTAMP_UNITS_US = {
    "microseconds": 1,
    "milliseconds": 1_000,
    "seconds": 1_000_000,
    "minutes": 60_000_000,
    "hours": 3_600_000_000,
    "days": 86_400_000_000,
}
"""`timestamp_unit`: timestamps given as a number of these since `epoch`, in microseconds."""
DEFAULT_EPOCH = "1970-01-01"

Column = str | int
"""A CSV column: its header name, or its 0-based position."""


@dataclass(frozen=True)
class Mapping:
    """A validated column mapping (see README: mapping file format)."""

    path: str
    columns: dict[str, Column]
    delimiter: str = ","
    header: bool = True
    encoding: str = "utf-8"
    quote: str = '"'
    decimal: str = "."
    thousands: str | None = None
    timestamp_formats: tuple[str, ...] = ()
    timestamp_unit: str | None = None
    epoch: str = DEFAULT_EPOCH
    timezone: str = "UTC"
    currency: str | None = None
    channel: str | None = None
    channel_map: dict[str, str] = field(default_factory=dict)
    labels: dict[str, Column] = field(default_factory=dict)
    source_format: str = "csv"

    @property
    def has_offset(self) -> bool:
        """True when the timestamp formats read a UTC offset (%z) themselves."""
        return any("%z" in f for f in self.timestamp_formats)


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file; MappingError lists every problem found."""
    # yamlconfig types its error as ConfigError; MappingError is its InputError sibling.
    document = load_yaml(path, MappingError, "mapping file")
    return parse_mapping(document.data, document.source)


def parse_mapping(raw: Any, where: str = "<mapping>") -> Mapping:
    """Validate an already-parsed mapping document; MappingError lists every problem."""
    raw, problems, bad = open_document(raw, where, TOP_KEYS)
    columns = mapped_columns(raw.get("columns"), MAPPABLE, REQUIRED, "canonical", bad)
    text = _text_options(raw, columns, bad)
    formats = _timestamp_formats(raw, bad)
    unit, epoch = _epoch_options(raw, bool(formats), bad)
    tz = _timezone(raw, bad)
    currency = _currency(raw, columns, bad)
    channel, channel_map = _channels(raw, columns, bad)
    labels = _labels(raw, bad)
    source_format = source_format_of(raw, bad)
    if problems:
        raise MappingError(problems)
    return Mapping(
        path=where,
        columns=columns,
        **text,
        timestamp_formats=tuple(formats),
        timestamp_unit=unit,
        epoch=epoch,
        timezone=str(tz),
        currency=currency,
        channel=channel,
        channel_map=channel_map,
        labels=labels,
        source_format=source_format,
    )


Bad = Callable[..., None]
"""`bad(key, reason, value=None)`: records one problem of a mapping document."""


def open_document(
    raw: Any, where: str, top_keys: Collection[str]
) -> tuple[dict[Any, Any], list[Problem], Bad]:
    """The opening every mapping parser shares: (the top-level dict, its problem list,
    `bad` adding a problem naming `where` and the key). A document that is not a mapping
    is refused at once; each unknown top-level key is a problem."""
    problems: list[Problem] = []

    def bad(key: str, reason: str, value: Any = None) -> None:
        problems.append(Problem(reason, file=where, field=key, value=value))

    if not isinstance(raw, dict):
        raise MappingError.at("expected a YAML mapping at the top level", file=where, value=raw)
    for key in raw:
        if key not in top_keys:
            bad(str(key), f"unknown key (allowed: {', '.join(sorted(top_keys))})")
    return raw, problems, bad


def source_format_of(raw: dict[Any, Any], bad: Bad) -> str:
    """The `source_format` key (default `csv`): a short lower-case name."""
    source_format = raw.get("source_format", "csv")
    if not isinstance(source_format, str) or not re.match(r"^[a-z0-9_:-]+$", source_format):
        bad("source_format", "expected a short lower-case name", source_format)
    return str(source_format)


def mapped_columns(
    cols_raw: Any, names: Sequence[str], required: Sequence[str], table: str, bad: Bad
) -> dict[str, Column]:
    """The `columns:` key: each of `names` it maps to a CSV column (header name or 0-based
    position), every one of `required` mapped; `table` names the columns in messages
    (`canonical`, `parties`)."""
    columns: dict[str, Column] = {}
    if not isinstance(cols_raw, dict) or not cols_raw:
        bad("columns", f"required: a mapping of {table} column -> CSV column", cols_raw)
        return columns
    for name, col in cols_raw.items():
        key = f"columns.{name}"
        if name not in names:
            what = "a canonical column" if table == "canonical" else f"a column of {table}"
            bad(key, f"not {what} (one of {', '.join(names)})")
        elif _column_ok(col):
            columns[str(name)] = col
        else:
            bad(key, "expected a CSV header name or a 0-based column position", col)
    for name in required:
        if name not in cols_raw:
            bad(f"columns.{name}", "required column is not mapped")
    return columns


def _text_options(raw: dict[Any, Any], columns: dict[str, Column], bad: Any) -> dict[str, Any]:
    """How the CSV text is written: delimiter, quote, header, encoding, number format."""
    delimiter = raw.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        bad("delimiter", "expected one character", delimiter)
    quote = raw.get("quote", '"')
    if not isinstance(quote, str) or len(quote) != 1:
        bad("quote", "expected one character", quote)
    elif quote == delimiter:
        bad("quote", "the quote character must differ from the delimiter", quote)
    header = raw.get("header", True)
    if not isinstance(header, bool):
        bad("header", "expected true or false", header)
    elif not header:
        for name, col in columns.items():
            if isinstance(col, str):
                bad(f"columns.{name}", "a file without a header needs column positions", col)
    encoding = str(raw.get("encoding", "utf-8")).lower().replace("utf8", "utf-8")
    if encoding not in ENCODINGS:
        bad("encoding", f"unsupported encoding (choose {', '.join(ENCODINGS)})", encoding)
    decimal = raw.get("decimal", ".")
    if decimal not in (".", ","):
        bad("decimal", "decimal separator must be '.' or ','", decimal)
    thousands = raw.get("thousands")
    if thousands is not None and (
        not isinstance(thousands, str) or len(thousands) != 1 or thousands == decimal
    ):
        bad("thousands", "expected one character, not the decimal separator", thousands)
    return {
        "delimiter": delimiter,
        "quote": quote,
        "header": header,
        "encoding": encoding,
        "decimal": decimal,
        "thousands": thousands,
    }


def _timestamp_formats(raw: dict[Any, Any], bad: Any) -> list[str]:
    fmts_raw = raw.get("timestamp_format", [])
    fmts = [fmts_raw] if isinstance(fmts_raw, str) else fmts_raw
    formats: list[str] = []
    if not isinstance(fmts, list):
        bad("timestamp_format", "expected a strptime format or a list of them", fmts_raw)
        return formats
    for i, f in enumerate(fmts):
        if not isinstance(f, str) or not _DIRECTIVE.search(f):
            bad(f"timestamp_format[{i}]", "not a strptime format (e.g. %d/%m/%Y %H:%M)", f)
        else:
            formats.append(f)
    if formats and len({"%z" in f for f in formats}) > 1:
        bad("timestamp_format", "either every format reads a %z offset or none does", fmts)
    return formats


def _timezone(raw: dict[Any, Any], bad: Any) -> Any:
    tz = raw.get("timezone", "UTC")
    try:
        ZoneInfo(str(tz))
        known = str(tz) in _time_zones()  # not `posixrules`, a tz file but no zone
    except (ZoneInfoNotFoundError, ValueError):
        known = False
    if not known:
        bad("timezone", "unknown IANA time zone (e.g. Asia/Karachi)", tz)
    return tz


def _currency(raw: dict[Any, Any], columns: dict[str, Column], bad: Any) -> Any:
    currency = raw.get("currency")
    if currency is not None and (not isinstance(currency, str) or not _ISO_CCY.match(currency)):
        bad("currency", "expected an ISO 4217 code such as PKR", currency)
    if currency is not None and "currency" in columns:
        bad("currency", "give a fixed currency or a currency column, not both", currency)
    if currency is None and "currency" not in columns and isinstance(raw.get("columns"), dict):
        bad("columns.currency", "map a currency column or set a fixed top-level currency")
    return currency


def _channels(
    raw: dict[Any, Any], columns: dict[str, Column], bad: Any
) -> tuple[Any, dict[str, str]]:
    channel = raw.get("channel")
    if channel is not None and channel not in CHANNELS:
        bad("channel", f"not a channel (one of {', '.join(CHANNELS)})", channel)
    cmap_raw = raw.get("channel_map", {}) or {}
    channel_map: dict[str, str] = {}
    if not isinstance(cmap_raw, dict):
        bad("channel_map", "expected a mapping of source value -> channel", cmap_raw)
        return channel, channel_map
    for k, v in cmap_raw.items():
        if v not in CHANNELS:
            bad(f"channel_map.{k}", f"not a channel (one of {', '.join(CHANNELS)})", v)
        else:
            channel_map[str(k)] = str(v)
    if channel_map and "channel" not in columns:
        bad("channel_map", "a channel_map needs columns.channel to map from")
    return channel, channel_map


def _labels(raw: dict[Any, Any], bad: Any) -> dict[str, Column]:
    labels_raw = raw.get("labels", {}) or {}
    labels: dict[str, Column] = {}
    if not isinstance(labels_raw, dict):
        bad("labels", "expected a mapping of label name -> CSV column", labels_raw)
        return labels
    for k, v in labels_raw.items():
        if _column_ok(v):
            labels[str(k)] = v
        else:
            bad(f"labels.{k}", "expected a CSV header name or a 0-based column position", v)
    return labels


def _epoch_options(raw: dict[Any, Any], has_formats: bool, bad: Any) -> tuple[str | None, str]:
    """`timestamp_unit` (days, hours, seconds, ...) and `epoch` (an ISO date or datetime in
    the mapping's time zone): timestamps written as numbers, such as days since 2017-01-01."""
    unit = raw.get("timestamp_unit")
    epoch_raw = raw.get("epoch")
    if unit is not None and unit not in TIMESTAMP_UNITS_US:
        bad("timestamp_unit", f"expected one of {', '.join(TIMESTAMP_UNITS_US)}", unit)
        unit = None
    if unit is not None and has_formats:
        bad("timestamp_unit", "give timestamp_format or timestamp_unit, not both", unit)
    if epoch_raw is None:
        return unit, DEFAULT_EPOCH
    if raw.get("timestamp_unit") is None:
        bad("epoch", "an epoch needs timestamp_unit (e.g. days)", epoch_raw)
    if isinstance(epoch_raw, dt.datetime | dt.date):  # YAML reads 2017-01-01 as a date
        return unit, epoch_raw.isoformat()
    try:
        parsed = dt.datetime.fromisoformat(str(epoch_raw))
    except ValueError:
        bad("epoch", "expected an ISO date or datetime such as 2017-01-01", epoch_raw)
        return unit, DEFAULT_EPOCH
    if parsed.tzinfo is not None:
        bad("epoch", "give the epoch without an offset; `timezone` says which zone", epoch_raw)
    return unit, parsed.isoformat()


def _column_ok(col: Any) -> bool:
    if isinstance(col, bool):
        return False
    if isinstance(col, int):
        return col >= 0
    return isinstance(col, str) and bool(col.strip())
