"""Shared pieces of the CSV readers: header checks and a DuckDB `read_csv` relation that
reads every column as text, by position, with each record's line number."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from cftwatch.errors import InputError
from cftwatch.ingest._core import Check

CURRENCIES_FILE = Path(__file__).with_name("currencies.csv")


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
    enc = {"utf-8": "utf-8", "utf8": "utf-8", "latin-1": "latin-1", "utf-16": "utf-16"}[
        encoding.lower()
    ]
    skip = 1 if header else 0
    sql = (
        f"(SELECT *, ordinality + {skip} AS _line FROM read_csv("
        f"$csv_path, header=false, skip={skip}, columns={columns}, "
        "delim=$csv_delim, quote=$csv_quote, auto_detect=false, "
        "null_padding=true, strict_mode=false, encoding=$csv_encoding) WITH ORDINALITY)"
    )
    params = {
        "csv_path": str(path),
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
