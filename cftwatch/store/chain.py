"""The audit log's hash chain: each row carries the hash of the row before it, so an
edited, deleted or reordered row breaks the chain at that row (`verify_chain`).

The hash covers every column of the row and the previous row's hash, as canonical JSON
(sorted keys, the project's one encoder), so it is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from cftwatch.jsontext import canonical_json

GENESIS = "0" * 64
"""The `prev_hash` of the first row of a store's audit log."""

HASHED_COLUMNS = (
    "id",
    "at",
    "user",
    "actor",
    "case_id",
    "entity_type",
    "entity_id",
    "action",
    "field",
    "before",
    "after",
)


def _at_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)


def row_hash(row: Mapping[str, Any], prev_hash: str) -> str:
    """The hash of one audit row given the previous row's hash."""
    payload = {c: row.get(c) for c in HASHED_COLUMNS}
    payload["at"] = _at_text(payload["at"])
    payload["prev_hash"] = prev_hash
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def chain_rows(rows: Iterable[dict[str, Any]], prev_hash: str) -> list[dict[str, Any]]:
    """`rows` (in id order) with `prev_hash` and `row_hash` filled in, continuing a chain."""
    out = []
    for row in rows:
        digest = row_hash(row, prev_hash)
        out.append({**row, "prev_hash": prev_hash, "row_hash": digest})
        prev_hash = digest
    return out


def first_break(rows: Iterable[Mapping[str, Any]]) -> tuple[int, str] | None:
    """(id, why) of the first row whose chain link is wrong, or None when the chain holds.
    `rows` are every audit row in id order."""
    expected_prev = GENESIS
    for row in rows:
        rid = int(row["id"])
        if row.get("prev_hash") != expected_prev:
            return rid, (
                "its prev_hash is not the hash of the row before it "
                "(a row before it was deleted, or this one was moved or edited)"
            )
        if row.get("row_hash") != row_hash(row, expected_prev):
            return rid, "its content does not match its hash (the row was edited)"
        expected_prev = str(row["row_hash"])
    return None
