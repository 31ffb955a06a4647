"""Shared pieces of the CSV readers: header checks and a DuckDB `read_csv` relation that
reads every column as text, by position, with each record's line number."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from cftwatch.errors import InputError
from cftwatch.ingest._core import Check, literal_path

CURRENCIES_FILE = Path(__file__).with_name("currencies.csv")

MAX_RECORD_BYTES = 1_000_000
"""The longest line a CSV reader accepts. A payment record is a few hundred bytes; a longer
line is refused by name (DuckDB's reader would fail with the whole line in its message, or
silently drop a huge last record)."""

_SCAN_CHUNK = 1 << 22
_CODECS = {"utf-8": "utf-8", "utf8": "utf-8", "latin-1": "latin-1", "utf-16": "utf-16"}


def currency_names() -> dict[str, str]:
    """Currency names as AMLworld writes them -> ISO 4217 or crypto codes (package data)."""
    with CURRENCIES_FILE.open(encoding="utf-8", newline="") as fh:
        return {row["name"]: row["code"] for row in csv.DictReader(fh)}


def read_header(path: Path, delimiter: str = ",", encoding: str = "utf-8") -> list[str]:
    """The first line of a CSV file, split into fields (an empty file is an error)."""
    # A UTF-8 byte-order mark (Excel exports) is not part of the first column's name.
    enc = "utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding
    try:
        with path.open(encoding=enc, newline="") as fh:
            first = fh.readline()
    except UnicodeDecodeError as exc:
        raise InputError.at(f"not {encoding} text: {exc.reason}", file=str(path), record=1) from exc
    if not first.strip():
        raise InputError.at("empty file: no header line", file=str(path), record=1)
    return next(csv.reader(io.StringIO(first), delimiter=delimiter))


def check_csv_bytes(
    path: Path, encoding: str = "utf-8", max_record: int = MAX_RECORD_BYTES
) -> None:
    """Refuse, naming the line, a file that is not text in `encoding` or that has a line
    longer than `max_record` bytes: one streaming pass before DuckDB reads it."""
    codec = _CODECS[encoding.lower()]
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    line, line_start, offset = 1, 0, 0
    with path.open("rb") as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                at = max(0, min(exc.start, len(chunk)))
                bad = chunk[at : at + 1].hex() or "?"
                raise InputError.at(
                    f"not {encoding} text: byte 0x{bad} at offset {offset + at} ({exc.reason})",
                    file=str(path),
                    record=line + chunk.count(b"\n", 0, at),
                    field="encoding",
                    value=encoding,
                ) from exc
            if codec != "utf-16":
                line, line_start = _check_lines(path, chunk, offset, line, line_start, max_record)
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise InputError.at(
            f"not {encoding} text: the file ends inside a character ({exc.reason})",
            file=str(path),
            record=line,
            field="encoding",
            value=encoding,
        ) from exc


def _check_lines(
    path: Path, chunk: bytes, offset: int, line: int, line_start: int, max_record: int
) -> tuple[int, int]:
    """(line number, offset of its start) after `chunk`; InputError at a line too long."""
    ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
    if ends.size:
        starts = np.concatenate(([line_start - offset], ends[:-1] + 1))
        lengths = ends - starts
        longest = int(np.argmax(lengths))
        if lengths[longest] > max_record:
            _too_long(path, line + longest, int(lengths[longest]), max_record)
        line += int(ends.size)
        line_start = offset + int(ends[-1]) + 1
    if offset + len(chunk) - line_start > max_record:
        _too_long(path, line, offset + len(chunk) - line_start, max_record)
    return line, line_start


def _too_long(path: Path, line: int, size: int, max_record: int) -> None:
    raise InputError.at(
        f"record longer than the limit of {max_record:,} bytes (at least {size:,})",
        file=str(path),
        record=line,
        field="record",
    )


def require_header(path: Path, found: list[str], expected: list[str], fmt: str) -> None:
    """Fail (whatever --on-error says) when the header is not the format's header."""
    if [h.strip() for h in found] == expected:
        return
    missing = [h for h in expected if h not in found]
    if missing:
        reason = f"not the {fmt} header: missing column(s) {', '.join(missing)}"
    else:
        reason = f"not the {fmt} header: expected {','.join(expected)}"
    raise InputError.at(reason, file=str(path), record=1, field="header", value=",".join(found))


def read_csv_relation(
    path: Path,
    n_columns: int,
    *,
    header: bool = True,
    delimiter: str = ",",
    quote: str = '"',
    encoding: str = "utf-8",
) -> tuple[str, dict[str, Any]]:
    """`read_csv(...)` with columns c0..c(N-1) as VARCHAR and the record's line as `_line`,
    and its parameters (`$csv_path`, `$csv_delim`, `$csv_quote`, `$csv_encoding`).

    Lines are counted from 1 including the header, for one record per line (a quoted field
    spanning lines shifts the count). A short record is padded with NULLs that the checks
    refuse (null_padding); an extra column `cN` catches records with too many fields
    (`too_many_fields`). Neither aborts the read.
    """
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_columns + 1)) + "}"
    enc = _CODECS[encoding.lower()]
    check_csv_bytes(path, encoding)
    skip = 1 if header else 0
    sql = (
        f"(SELECT *, ordinality + {skip} AS _line FROM read_csv("
        f"$csv_path, header=false, skip={skip}, columns={columns}, "
        "delim=$csv_delim, quote=$csv_quote, auto_detect=false, "
        "null_padding=true, strict_mode=false, encoding=$csv_encoding, "
        f"max_line_size={4 * MAX_RECORD_BYTES}) WITH ORDINALITY)"
    )
    params = {
        "csv_path": literal_path(path),
        "csv_delim": delimiter,
        "csv_quote": quote,
        "csv_encoding": enc,
    }
    return sql, params


def raw_line_sql(n_columns: int) -> str:
    """The record rebuilt from its fields (for the rejects table), joined by `$csv_delim`."""
    parts = ", ".join(f"coalesce(c{i}, '')" for i in range(n_columns))
    return f"concat_ws($csv_delim, {parts}, c{n_columns})"


def too_many_fields(n_columns: int) -> Check:
    """Refuse a record with more fields than the header (its data would be misplaced)."""
    return Check(
        "record",
        f"c{n_columns}",
        f"c{n_columns} IS NOT NULL",
        f"more than {n_columns} fields",
    )
