"""Blocking index: which listed names are worth scoring for a query.

Keys per name token: the canonical token, its skeleton (survives transliteration) and its
character trigrams (survive typos), plus the organisation acronym. Whole-token keys alone miss
queries whose typos touch every word, so candidates are ranked by the summed rarity of the
keys they share and the best `max_candidates` are scored. Built once per list version and
pickled next to the workspace database.
"""

from __future__ import annotations

import hashlib
import math
import pickle
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from cftwatch.screening.normalize import NormalizedName, name_forms, normalize_name, skeleton

__all__ = ["INDEX_FORMAT", "ListedName", "NameIndex", "build_index"]

INDEX_FORMAT = 2
#: Keys shared by more names than this are too common to block on (e.g. trigram "ham").
MAX_POSTING = 4000
#: Trigram keys are many per query, so a lower cap keeps blocking cheap.
MAX_GRAM_POSTING = 600


@dataclass(frozen=True)
class ListedName:
    entity_row: int
    name: NormalizedName
    quality: str


def _token_keys(token: str) -> list[str]:
    keys = ["t:" + token, "s:" + skeleton(token)]
    padded = f"^{token}$"
    keys.extend("g:" + padded[i : i + 3] for i in range(len(padded) - 2))
    return keys


def name_keys(name: NormalizedName) -> set[str]:
    keys: set[str] = set()
    for token, kind in zip(name.tokens, name.kinds, strict=True):
        if kind in ("name", "generic"):
            keys.update(_token_keys(token))
    if len(name.tokens) == 1:
        keys.add("a:" + name.tokens[0])
    elif name.acronym:
        keys.add("a:" + name.acronym)
    return keys


@dataclass
class NameIndex:
    """Listed names, their entity rows, token document frequencies and key postings."""

    version: str
    entities: list[dict[str, Any]]
    names: list[ListedName]
    postings: dict[str, np.ndarray]
    token_df: Counter[str] = field(default_factory=Counter)

    def idf(self, token: str) -> float:
        n = max(len(self.names), 1)
        return math.log((n + 1) / (self.token_df.get(token, 0) + 1)) + 1.0

    def candidates(self, query: NormalizedName, limit: int) -> list[int]:
        """Listed-name rows sharing the rarest keys with the query, best first."""
        n = max(len(self.names), 1)
        keys = name_keys(query)
        for expansion in query.expansions:
            keys |= name_keys(expansion)
        arrays, weights = [], []
        for key in keys:
            posting = self.postings.get(key)
            if posting is None or len(posting) > (
                MAX_GRAM_POSTING if key[0] == "g" else MAX_POSTING
            ):
                continue
            weight = math.log(n / len(posting)) + 1.0
            if key[0] == "g":
                weight *= 0.35
            arrays.append(posting)
            weights.append(np.full(len(posting), weight))
        if not arrays:
            return []
        # sum the key weights per listed name over the (few thousand) postings hit, not
        # over every listed name
        rows, inverse = np.unique(np.concatenate(arrays), return_inverse=True)
        scores = np.bincount(inverse, np.concatenate(weights), minlength=len(rows))
        order = np.arange(len(rows))
        if len(rows) > limit:
            order = np.argpartition(scores, -limit)[-limit:]
        order = order[np.lexsort((rows[order], -scores[order]))]
        return [int(r) for r in rows[order]]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump((INDEX_FORMAT, self), fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> NameIndex | None:
        try:
            with path.open("rb") as fh:
                fmt, index = pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError):
            return None
        return index if fmt == INDEX_FORMAT and isinstance(index, NameIndex) else None


def table_version(entities: pa.Table) -> str:
    """A digest of the entity ids and source versions: changes whenever a list changes."""
    digest = hashlib.sha256()
    cols = entities.select(["entity_id", "source_version"]).to_pylist()
    for row in sorted(cols, key=lambda r: r["entity_id"]):
        digest.update(f"{row['entity_id']}|{row['source_version']}\n".encode())
    return digest.hexdigest()[:16]


def build_index(entities: pa.Table) -> NameIndex:
    rows = entities.to_pylist()
    names: list[ListedName] = []
    posting_lists: dict[str, list[int]] = defaultdict(list)
    token_df: Counter[str] = Counter()
    for e_row, entity in enumerate(rows):
        seen: set[str] = set()
        listed = list(entity.get("names") or [])
        if entity.get("primary_name"):
            listed.insert(0, {"name": entity["primary_name"], "quality": "strong"})
        for item in listed:
            text = item.get("name") or ""
            for form in (text, *name_forms(text)):
                norm = normalize_name(form)
                if norm.is_empty or norm.key in seen:
                    continue
                seen.add(norm.key)
                row = len(names)
                names.append(ListedName(e_row, norm, item.get("quality") or "strong"))
                token_df.update(set(norm.tokens))
                for key in name_keys(norm):
                    posting_lists[key].append(row)
    arrays = {k: np.asarray(v, dtype=np.int32) for k, v in posting_lists.items()}
    return NameIndex(table_version(entities), rows, names, arrays, token_df)
