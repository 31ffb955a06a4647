"""Blocking index: which listed names are worth scoring for a query.

Keys per name token: the canonical token, its skeleton (survives transliteration), the
consonants Arabic script writes for it (an unvowelled Urdu spelling meets the Latin one) and
its character trigrams (survive typos), the word without an article or connector written onto
it (Alharamain, Khuddamul), plus the acronym (with and without organisation words: BLA) and
each title. Whole-token keys alone miss
queries whose typos touch every word, so candidates are ranked by the summed rarity of the
keys they share and the best `max_candidates` are scored. Built once per list version and
saved next to the workspace database as data, never as code: one NumPy `.npz` file (read
with `allow_pickle=False`) holding the entities as Arrow IPC bytes, the postings as integer
arrays and the names as JSON, with a SHA-256 of its content. A file that is a pickle, is
from another list version, fails its hash or does not hang together is rebuilt, not used.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import threading
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from cftwatch.screening.normalize import (
    NormalizedName,
    name_forms,
    normalize_name,
    script_key,
    skeleton,
)

_UNSEEN: Any = object()

__all__ = ["INDEX_FORMAT", "ListedName", "NameIndex", "build_index", "rules_digest"]

INDEX_FORMAT = 7
INDEX_SUFFIX = ".npz"
#: Keys shared by more names than this are too common to block on (e.g. trigram "ham").
MAX_POSTING = 4000
#: Trigram keys are many per query, so a lower cap keeps blocking cheap.
MAX_GRAM_POSTING = 600


@dataclass(frozen=True)
class ListedName:
    entity_row: int
    name: NormalizedName
    quality: str


#: Articles and connectors written onto a word ("Alharamain", "Khuddamul"): the word
#: without them is a key too, so a joined spelling meets the listed separate one.
_JOINED_HEADS = ("al", "el")
_JOINED_TAILS = ("ul", "ud", "ur", "us", "e", "i")


def _token_keys(token: str) -> list[str]:
    # k: the consonants Arabic script writes, so "mjhd" finds Mujahid and not every M-J-D
    keys = ["t:" + token, "s:" + skeleton(token), "k:" + script_key(token)]
    padded = f"^{token}$"
    keys.extend("g:" + padded[i : i + 3] for i in range(len(padded) - 2))
    for stem in _connector_free(token):
        keys.extend(("t:" + stem, "s:" + skeleton(stem)))
    return keys


def _connector_free(token: str) -> list[str]:
    """The word without an article written before it or a connector written after it."""
    out = []
    if token[:2] in _JOINED_HEADS and len(token) >= 7:
        out.append(token[2:])
    for tail in _JOINED_TAILS:
        if token.endswith(tail) and len(token) - len(tail) >= 5:
            out.append(token[: -len(tail)])
    return out


def name_keys(name: NormalizedName) -> set[str]:
    keys: set[str] = set()
    for token, kind in zip(name.tokens, name.kinds, strict=True):
        if kind in ("name", "generic"):
            keys.update(_token_keys(token))
        elif kind == "honorific":
            keys.add("h:" + token)  # "Hafiz Muhammad Saeed" before every other Muhammad Saeed
    if len(name.tokens) == 1:
        keys.add("a:" + name.tokens[0])
    elif name.acronym:
        keys.add("a:" + name.acronym)
        # the acronym with the organisation words too: Balochistan Liberation Army is BLA
        if "generic" in name.kinds:
            keys.add("a:" + "".join(t[0] for t in name.tokens))
    return keys


@dataclass
class NameIndex:
    """Listed names, their entity rows, token document frequencies and key postings."""

    version: str
    entities: list[dict[str, Any]]
    names: list[ListedName]
    postings: dict[str, np.ndarray]
    token_df: Counter[str] = field(default_factory=Counter)
    table: pa.Table | None = None
    """The entities as built from (kept so saving them round-trips exactly)."""
    ties: dict[int, dict[int, str]] = field(default_factory=dict)
    """Entity row -> {entity row the lists tie to it: why} (`tied_entries`): a match on one
    is a match on the others, so a name only one of them lists reaches them all."""
    core_keys: list[str] = field(default_factory=list)
    """Per listed name, its identifying parts sorted (`core_key`): the shortlist's
    order-free comparison, built once and saved so no process recomputes it."""
    script_keys: list[str] = field(default_factory=list)
    """Per listed name, the consonants Arabic script writes for those parts (`script_sort_key`)."""
    _blocking: dict[str, tuple[np.ndarray, float] | None] = field(
        default_factory=dict, repr=False, compare=False
    )
    """Per key, its posting and weight as `candidates` uses them (filled as keys are met)."""
    _local: threading.local = field(default_factory=threading.local, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.core_keys) != len(self.names):
            self.core_keys = [core_key(n.name) for n in self.names]
        if len(self.script_keys) != len(self.names):
            self.script_keys = [script_sort_key(n.name) for n in self.names]

    def idf(self, token: str) -> float:
        n = max(len(self.names), 1)
        return math.log((n + 1) / (self.token_df.get(token, 0) + 1)) + 1.0

    def _key_blocking(self, key: str) -> tuple[np.ndarray, float] | None:
        """A key's posting and weight (its rarity), or None for a key too common to block on."""
        posting = self.postings.get(key)
        if posting is None or len(posting) > (MAX_GRAM_POSTING if key[0] == "g" else MAX_POSTING):
            return None
        weight = math.log(max(len(self.names), 1) / len(posting)) + 1.0
        return posting, weight * 0.35 if key[0] == "g" else weight

    def candidates(self, query: NormalizedName, limit: int) -> list[int]:
        """Listed-name rows sharing the rarest keys with the query, best first; of rows
        that tie, the lower row first (also where the tie straddles `limit`)."""
        keys = name_keys(query)
        for expansion in query.expansions:
            keys |= name_keys(expansion)
        arrays, weights, lengths = [], [], []
        # in sorted order: the sums (and so their ties) do not follow the hash seed
        for key in sorted(keys):
            blocking = self._blocking.get(key, _UNSEEN)
            if blocking is _UNSEEN:
                blocking = self._blocking[key] = self._key_blocking(key)
            if blocking is not None:
                arrays.append(blocking[0])
                weights.append(blocking[1])
                lengths.append(len(blocking[0]))
        if not arrays:
            return []
        # sum the key weights per listed name into a zeroed buffer kept per thread (a fresh
        # array of every name per query costs more in page faults than the sums); every key
        # weight is > 0, so the names hit are exactly the positive sums, in row order
        hit = np.concatenate(arrays)
        summed = self._scratch()
        try:
            np.add.at(summed, hit, np.repeat(weights, lengths))
            rows = np.flatnonzero(summed > 0)
            scores = summed[rows]
        finally:
            summed[hit] = 0.0
        if len(rows) > limit:
            # every row scoring at least the limit-th best score, then the best `limit` of
            # those by score and row
            keep = scores >= np.partition(scores, len(scores) - limit)[len(scores) - limit]
            rows, scores = rows[keep], scores[keep]
        return rows[np.lexsort((rows, -scores))[:limit]].tolist()

    def _scratch(self) -> np.ndarray:
        """This thread's zeroed float buffer of one slot per listed name."""
        buf: np.ndarray | None = getattr(self._local, "buf", None)
        if buf is None or len(buf) != len(self.names):
            buf = self._local.buf = np.zeros(len(self.names))
        return buf

    def save(self, path: Path) -> None:
        """Write the index as data to `path` (suffix `.npz`), atomically."""
        target = path.with_suffix(INDEX_SUFFIX)
        target.parent.mkdir(parents=True, exist_ok=True)
        arrays = _index_arrays(self)
        tmp = target.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, digest=_digest_array(arrays), **arrays)  # type: ignore[arg-type]
        tmp.replace(target)

    @classmethod
    def load(cls, path: Path) -> NameIndex | None:
        """The index saved at `path` (suffix `.npz`), or None when there is none or it
        cannot be trusted: not our format, another list version, a content hash that does
        not match, or postings that point outside the names."""
        target = path.with_suffix(INDEX_SUFFIX)
        try:
            with np.load(target, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            if not np.array_equal(arrays.pop("digest"), _digest_array(arrays)):
                return None
            index = _index_from_arrays(arrays)
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, pa.ArrowException):
            return None
        # the file is named index-<list version>[-<rules digest>]: the list version must match
        expected = target.stem.removeprefix("index-")
        if expected != target.stem and index.version != expected.split("-")[0]:
            return None
        return index


def core_key(name: NormalizedName) -> str:
    """A name's identifying parts in sorted order (all its parts where none identifies)."""
    return " ".join(sorted(name.core_tokens)) or name.key


def script_sort_key(name: NormalizedName) -> str:
    """The consonants Arabic script writes for a name's identifying parts, sorted."""
    return " ".join(sorted(script_key(t) for t in name.core_tokens))


def _json_array(value: Any) -> np.ndarray:
    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)


def _from_json_array(array: np.ndarray) -> Any:
    return json.loads(array.tobytes().decode("utf-8"))


def _name_to_json(name: NormalizedName) -> list[Any]:
    return [
        name.original,
        list(name.tokens),
        list(name.kinds),
        name.acronym,
        [_name_to_json(e) for e in name.expansions],
    ]


def _name_from_json(item: list[Any]) -> NormalizedName:
    original, tokens, kinds, acronym, expansions = item
    if len(tokens) != len(kinds):
        raise ValueError("tokens and kinds differ in length")
    return NormalizedName(
        str(original),
        tuple(str(t) for t in tokens),
        tuple(str(k) for k in kinds),
        str(acronym),
        tuple(_name_from_json(e) for e in expansions),
    )


def _ipc_array(table: pa.Table) -> np.ndarray:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return np.frombuffer(sink.getvalue().to_pybytes(), dtype=np.uint8)


def _from_ipc_array(array: np.ndarray) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(array.tobytes())).read_all()


def _names_table(index: NameIndex) -> pa.Table:
    """The listed names as columns (one Arrow table: no JSON object per name to parse)."""
    names = [n.name for n in index.names]
    return pa.table(
        {
            "entity_row": pa.array([n.entity_row for n in index.names], pa.int32()),
            "quality": pa.array([n.quality for n in index.names], pa.string()),
            "original": pa.array([n.original for n in names], pa.string()),
            "tokens": pa.array([list(n.tokens) for n in names], pa.list_(pa.string())),
            "kinds": pa.array([list(n.kinds) for n in names], pa.list_(pa.string())),
            "acronym": pa.array([n.acronym for n in names], pa.string()),
            # expansions are few: JSON where there are any, "" where none
            "expansions": pa.array(
                [
                    json.dumps([_name_to_json(e) for e in n.expansions], ensure_ascii=False)
                    if n.expansions
                    else ""
                    for n in names
                ],
                pa.string(),
            ),
            "core_key": pa.array(index.core_keys, pa.string()),
            "script_key": pa.array(index.script_keys, pa.string()),
        }
    )


def _names_from_table(table: pa.Table) -> tuple[list[ListedName], list[str], list[str]]:
    cols = {c: table.column(c).to_pylist() for c in table.column_names}
    names = []
    for row, quality, original, tokens, kinds, acronym, expansions in zip(
        cols["entity_row"],
        cols["quality"],
        cols["original"],
        cols["tokens"],
        cols["kinds"],
        cols["acronym"],
        cols["expansions"],
        strict=True,
    ):
        if len(tokens) != len(kinds):
            raise ValueError("tokens and kinds differ in length")
        extra = tuple(_name_from_json(e) for e in json.loads(expansions)) if expansions else ()
        name = NormalizedName(str(original), tuple(tokens), tuple(kinds), str(acronym), extra)
        names.append(ListedName(int(row), name, str(quality)))
    return names, [str(k) for k in cols["core_key"]], [str(k) for k in cols["script_key"]]


def _index_arrays(index: NameIndex) -> dict[str, np.ndarray]:
    table = index.table if index.table is not None else pa.Table.from_pylist(index.entities)
    keys = sorted(index.postings)
    lengths = np.asarray([len(index.postings[k]) for k in keys], dtype=np.int64)
    meta = {
        "format": INDEX_FORMAT,
        "version": index.version,
        "keys": keys,
        "token_df": dict(index.token_df),
        "ties": [
            [i, j, _TIE_WHY.index(why)] for i, tied in index.ties.items() for j, why in tied.items()
        ],
    }
    rows = [index.postings[k] for k in keys]
    return {
        "meta": _json_array(meta),
        "entities": _ipc_array(table),
        "names": _ipc_array(_names_table(index)),
        "posting_rows": np.concatenate(rows).astype(np.int32) if rows else np.zeros(0, np.int32),
        "posting_lengths": lengths,
    }


def _digest_array(arrays: dict[str, np.ndarray]) -> np.ndarray:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        digest.update(name.encode())
        digest.update(str(arrays[name].dtype).encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return np.frombuffer(digest.digest(), dtype=np.uint8)


def _index_from_arrays(arrays: dict[str, np.ndarray]) -> NameIndex:
    """Rebuild an index from its saved arrays, checking that the parts fit together."""
    meta = _from_json_array(arrays["meta"])
    if meta.get("format") != INDEX_FORMAT:
        raise ValueError("another index format")
    table = _from_ipc_array(arrays["entities"])
    entities = table.to_pylist()
    names, core_keys, script_keys = _names_from_table(_from_ipc_array(arrays["names"]))
    if any(not 0 <= n.entity_row < len(entities) for n in names):
        raise ValueError("a name points outside the entities")
    rows, lengths, keys = arrays["posting_rows"], arrays["posting_lengths"], meta["keys"]
    if rows.dtype != np.int32 or len(lengths) != len(keys) or int(lengths.sum()) != len(rows):
        raise ValueError("postings do not add up")
    if len(rows) and (int(rows.min()) < 0 or int(rows.max()) >= len(names)):
        raise ValueError("a posting points outside the names")
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(lengths) else lengths
    postings = {
        str(k): rows[int(a) : int(a) + int(n)]
        for k, a, n in zip(keys, starts, lengths, strict=True)
    }
    token_df = Counter({str(k): int(v) for k, v in meta["token_df"].items()})
    if len(core_keys) != len(names) or len(script_keys) != len(names):
        raise ValueError("the name keys do not match the names")
    ties: dict[int, dict[int, str]] = defaultdict(dict)
    for i, j, why in meta["ties"]:
        if not (0 <= int(i) < len(entities) and 0 <= int(j) < len(entities)):
            raise ValueError("a tie points outside the entities")
        ties[int(i)][int(j)] = _TIE_WHY[int(why)]
    return NameIndex(
        str(meta["version"]),
        entities,
        names,
        postings,
        token_df,
        table,
        dict(ties),
        core_keys,
        script_keys,
    )


def rules_digest(data_dir: Path | None = None) -> str:
    """A digest of the index format and every screening data file (titles, places, name
    frequencies…): a saved index built under other normalisation data is not reused."""
    if data_dir is None:
        return _package_rules_digest()
    digest = hashlib.sha256(f"format {INDEX_FORMAT}\n".encode())
    for path in sorted(p for p in data_dir.iterdir() if p.is_file()):
        digest.update(f"{path.name}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]


@functools.cache
def _package_rules_digest() -> str:
    return rules_digest(Path(str(resources.files("cftwatch.screening").joinpath("data"))))


def table_version(entities: pa.Table) -> str:
    """A digest of the entity ids and source versions: changes whenever a list changes."""
    digest = hashlib.sha256()
    cols = entities.select(["entity_id", "source_version"]).to_pylist()
    for row in sorted(cols, key=lambda r: r["entity_id"]):
        digest.update(f"{row['entity_id']}|{row['source_version']}\n".encode())
    return digest.hexdigest()[:16]


#: `linked_refs` entries with this prefix name an associate (OFAC "Linked To:"), another
#: subject: never followed (the lists stage's `ASSOCIATE_PREFIX`).
_ASSOCIATE_PREFIX = "linked_to:"
_ORG_SCHEMAS = {"Organization", "LegalEntity", "Company"}
#: At most this many organisation entries may carry a name that ties entries (a UN entry,
#: its UK and EU copies and OFAC's).
MAX_TIE_CARRIERS = 4
#: Why two entries are tied, as the explanation says it (saved by position).
_TIE_WHY = (
    "the same subject by the lists' own reference",
    "whose name this entry lists",
    "which lists this entry's name",
)


def _listed_items(entity: dict[str, Any]) -> list[dict[str, Any]]:
    listed = list(entity.get("names") or [])
    if entity.get("primary_name"):
        listed.insert(0, {"name": entity["primary_name"], "quality": "strong"})
    return listed


def tied_entries(rows: list[dict[str, Any]]) -> dict[int, dict[int, str]]:
    """Entity row -> {other entity row: why the lists tie them}, from the lists' own data:
    a same-subject reference (a UK or OFAC entry's UN reference) joins whole clusters, and
    an organisation entry that lists another organisation entry's primary name as one of
    its names (OFAC's "Aid Organization of the Ulema" a.k.a. "Al Rashid Trust") is tied to
    that entry alone (not transitively: branches of one charity stay apart). Persons are
    never tied by a name: a shared name is not the same person."""
    row_of = {e["entity_id"]: i for i, e in enumerate(rows)}
    parent = list(range(len(rows)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, entity in enumerate(rows):
        for ref in entity.get("linked_refs") or []:
            j = row_of.get(ref)
            if j is not None and not ref.startswith(_ASSOCIATE_PREFIX):
                parent[max(find(i), find(j))] = min(find(i), find(j))
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(rows)):
        clusters[find(i)].append(i)
    ties: dict[int, dict[int, str]] = defaultdict(dict)
    for members in clusters.values():
        for i in members:
            for j in members:
                if i != j:
                    ties[i][j] = _TIE_WHY[0]
    orgs = [i for i, e in enumerate(rows) if (e.get("schema") or "") in _ORG_SCHEMAS]
    strong: dict[int, set[str]] = {
        i: {
            normalize_name(item.get("name") or "").key
            for item in _listed_items(rows[i])
            if item.get("quality") != "weak"
        }
        for i in orgs
    }
    carriers: Counter[str] = Counter(key for keys in strong.values() for key in keys)
    by_primary: dict[str, list[int]] = defaultdict(list)
    for i in orgs:
        primary = normalize_name(rows[i].get("primary_name") or "")
        # a name many entries carry ("Ansar al-Sharia", the branches of one charity) names
        # a family of entries, not one subject: it ties none of them
        many = carriers[primary.key] > MAX_TIE_CARRIERS
        if len(primary.tokens) >= 2 and primary.core_tokens and not many:
            by_primary[primary.key].append(i)
    for i in orgs:
        for key in sorted(strong[i]):
            for j in by_primary.get(key, ()):
                if j != i and j not in ties[i]:
                    ties[i][j] = _TIE_WHY[1]
                    ties[j].setdefault(i, _TIE_WHY[2])
    return ties


def build_index(entities: pa.Table, follow_ties: bool = True) -> NameIndex:
    """The index over `entities`; with `follow_ties`, which entries the lists tie together
    (`tied_entries`): "Khuddam-ul-Islam" is only on OFAC's Jaish-i-Mohammed entry, which
    the UN entry of the same name never mentions."""
    rows = entities.to_pylist()
    names: list[ListedName] = []
    posting_lists: dict[str, list[int]] = defaultdict(list)
    token_df: Counter[str] = Counter()
    for e_row, entity in enumerate(rows):
        seen: set[str] = set()
        for item in _listed_items(entity):
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
    ties = dict(tied_entries(rows)) if follow_ties else {}
    return NameIndex(table_version(entities), rows, names, arrays, token_df, entities, ties)
