"""Screening a file of names: a CSV of customers or counterparties, its columns named by a
small YAML mapping (`name: full_name`, `birth_date: dob`, `identifiers: [cnic, passport]`).

    queries = read_name_queries(Path("customers.csv"), read_name_mapping(Path("map.yaml")))
    for query, matches in screen_queries(screener, queries):
        ...
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cftwatch.errors import ConfigError, InputError
from cftwatch.screening.kyc import kyc_name_and_father
from cftwatch.screening.notes import with_query_notes
from cftwatch.screening.screener import Match, Screener, make_query
from cftwatch.yamlconfig import load_yaml

__all__ = [
    "QUERY_FIELDS",
    "NameQuery",
    "read_name_mapping",
    "read_name_queries",
    "screen_file",
    "screen_queries",
]

QUERY_FIELDS = ("name", "kind", "birth_date", "country", "identifiers", "father_name", "id")
"""The keys a mapping may have; each names a CSV column (`identifiers`: one or a list)."""

DEFAULT_MAPPING: dict[str, Any] = {"name": "name"}
"""Without a mapping file, the names are in a column called `name`."""


@dataclass(frozen=True)
class NameQuery:
    """One name to screen, with what is known about it (empty values are None)."""

    name: str | None
    kind: str | None = None
    birth_date: str | None = None
    country: str | None = None
    identifiers: tuple[str, ...] = ()
    father_name: str | None = None
    id: str | None = None


def read_name_mapping(path: Path | None) -> dict[str, Any]:
    """The mapping YAML (query field -> CSV column), or the default one when `path` is None."""
    if path is None:
        return dict(DEFAULT_MAPPING)
    data = load_yaml(path, what="mapping").data
    if not isinstance(data, dict) or "name" not in data:
        raise ConfigError.at("mapping needs a `name:` column", file=str(path), field="name")
    unknown = set(data) - set(QUERY_FIELDS)
    if unknown:
        raise ConfigError.at(
            f"unknown mapping keys; allowed: {', '.join(QUERY_FIELDS)}",
            file=str(path),
            field=",".join(sorted(unknown)),
        )
    return data


def _query_from_row(row: Mapping[str, str | None], mapping: Mapping[str, Any]) -> NameQuery:
    values: dict[str, Any] = {}
    for key, column in mapping.items():
        if key == "identifiers":
            cols = column if isinstance(column, list) else [column]
            values[key] = tuple(str(row[c]) for c in cols if row.get(c))
        else:
            values[key] = row.get(str(column)) or None
    return NameQuery(**values)


def read_name_queries(path: Path, mapping: Mapping[str, Any]) -> list[NameQuery]:
    """Every row of a CSV (UTF-8, with or without BOM) as a query, through `mapping`."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError.at(f"cannot read CSV: {exc}", file=str(path)) from None
    if rows and mapping["name"] not in rows[0]:
        raise InputError.at(
            "name column not in the file", file=str(path), field="name", value=mapping["name"]
        )
    return [_query_from_row(row, mapping) for row in rows]


#: Rows screened together (on the screener's worker processes) before their results go out.
BATCH_ROWS = 4000


def screen_queries(
    screener: Screener, queries: Iterable[NameQuery], threshold: float | None = None
) -> Iterator[tuple[NameQuery, list[Match]]]:
    """Each query with its matches at or above `threshold`, best first, in input order; a
    father's name written into a person's name field (S/O, son of) is screened as one.
    Rows go in batches of `BATCH_ROWS` to `Screener.screen_many` (two processes)."""
    batch: list[NameQuery] = []
    for q in queries:
        batch.append(q)
        if len(batch) >= BATCH_ROWS:
            yield from _screen_batch(screener, batch, threshold)
            batch = []
    yield from _screen_batch(screener, batch, threshold)


def _screen_batch(
    screener: Screener, batch: list[NameQuery], threshold: float | None
) -> Iterator[tuple[NameQuery, list[Match]]]:
    parsed = [kyc_name_and_father(q.name, q.father_name, q.kind) for q in batch]
    made = [
        make_query(name, q.kind, q.birth_date, q.country, q.identifiers, father)
        for q, (name, father) in zip(batch, parsed, strict=True)
    ]
    results = screener.screen_many(made, threshold)
    for q, (name, father), matches in zip(batch, parsed, results, strict=True):
        yield q, with_query_notes(matches, name, father, father != q.father_name)


def screen_file(
    screener: Screener,
    path: Path,
    mapping: Path | None = None,
    threshold: float | None = None,
) -> list[tuple[NameQuery, list[Match]]]:
    """Screen every row of a CSV file (columns named by the `mapping` YAML)."""
    queries = read_name_queries(path, read_name_mapping(mapping))
    return list(screen_queries(screener, queries, threshold))
