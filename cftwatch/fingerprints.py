"""Fingerprints: digests of what matching compares, shared by the lists stage (which
stores them) and screening (which keys analyst judgements on them). Pure functions."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from cftwatch.jsontext import canonical_json

MATCH_FIELDS = (
    "schema",
    "primary_name",
    "names",
    "birth_dates",
    "birth_places",
    "nationalities",
    "countries",
    "father_names",
    "identifiers",
)
"""The entity fields whose change invalidates an analyst's judgement on a match."""


def entity_fingerprint(row: Mapping[str, Any]) -> str:
    """SHA-256 of an entity's matching-relevant fields (`MATCH_FIELDS`), order-independent.

    Screening stores it with each judgement: while the fingerprint is unchanged, an
    analyst's decision on a (customer, entity) pair still applies.
    """
    canon: dict[str, Any] = {}
    for name in MATCH_FIELDS:
        value = row.get(name)
        if name == "names":
            value = sorted({(n.get("name") or "", n.get("quality") or "") for n in (value or [])})
        elif name == "birth_dates":
            value = sorted(
                {(str(b.get("value") or ""), bool(b.get("circa"))) for b in (value or [])}
            )
        elif name == "identifiers":
            value = sorted(
                {
                    (i.get("type") or "", i.get("normalized") or i.get("value") or "")
                    for i in (value or [])
                    if i.get("usable") is not False
                }
            )
        elif isinstance(value, list):
            value = sorted({str(v) for v in value})
        canon[name] = value
    blob = canonical_json(canon)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
