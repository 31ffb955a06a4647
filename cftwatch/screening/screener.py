"""The matcher: a blocking index over a list-entities Arrow table plus the explainable scorer.

Pure: no workspace, no store. Build once per list version, screen many names. The workspace
operations that read `list_entities` and write hits and alerts live in `screening.runs`.
"""

from __future__ import annotations

import functools
import gc
import multiprocessing as mp
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
from rapidfuzz import fuzz, process

from cftwatch.errors import InputError, NotFoundError
from cftwatch.fingerprints import entity_fingerprint
from cftwatch.screening.bound import Terms, name_terms, qualifier_headroom, score_bound
from cftwatch.screening.crowding import NameGroups
from cftwatch.screening.index import (
    ListedName,
    NameIndex,
    build_index,
    core_key,
    script_sort_key,
)
from cftwatch.screening.kyc import kyc_name_and_father
from cftwatch.screening.normalize import (
    MAX_NAME_CHARS,
    NormalizedName,
    is_place_word,
    normalize_name,
    unvowelled,
)
from cftwatch.screening.policy import POSSIBLE_FEATURE
from cftwatch.screening.score import (
    DEFAULT_THRESHOLD,
    ORG_SCHEMAS,
    Feature,
    Query,
    common_parts,
    normalize_identifier,
    score,
)

__all__ = [
    "Match",
    "Screener",
    "counterparty_query",
    "make_query",
    "party_query",
    "screen_narrative",
]

#: Listed names scored per query after blocking.
MAX_CANDIDATES = 150
#: Of those, how many get the full explainable score by order-free string similarity ...
MAX_SCORED = 15
#: ... and how many more by the blocking order (rarest shared keys first).
BY_BLOCKING = 10
#: Taken off a match on a listed alias the list itself marks weak (low quality).
WEAK_ALIAS = 0.03
#: Most a weak listed alias of a single name part can score.
WEAK_SINGLE_CAP = 0.70


@dataclass(frozen=True)
class Match:
    entity_id: str
    list_id: str
    list_ref: str
    schema: str
    matched_name: str
    score: float
    features: tuple[Feature, ...]

    @property
    def status(self) -> str:
        """alert, or possible: a name-only match on a list applied by identity."""
        return "possible" if any(f.name == POSSIBLE_FEATURE for f in self.features) else "alert"

    @property
    def explanation(self) -> list[str]:
        return [f"{f.contribution:+.2f} {f.why}" for f in self.features]

    def sentence(self) -> str:
        return (
            f"matches {self.matched_name} ({self.list_id} {self.list_ref}) at {self.score:.2f}: "
            + ("; ".join(f.why for f in self.features))
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "list": self.list_id,
            "list_ref": self.list_ref,
            "matched_name": self.matched_name,
            "score": round(self.score, 4),
            "explanation": self.explanation,
        }


def _kind(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().lower()
    if v in ("person", "individual", "natural"):
        return "person"
    if v in ("organization", "organisation", "entity", "company", "legal", "business", "npo"):
        return "organization"
    raise InputError.at(
        f"kind must be person or organization, not {value!r}", field="kind", value=value
    )


class Screener:
    """A blocking index over list entities plus the scorer. Build once, screen many."""

    #: Skip the listed names whose score bound cannot reach the threshold (`bound.py`);
    #: False scores every candidate (the reference the fast path is tested against).
    prune = True

    def __init__(self, entities: pa.Table, index: NameIndex | None = None) -> None:
        self.index = index or build_index(entities)
        self.version = self.index.version
        self._idf_cache = _IdfTable(self.index)
        # a C-level lookup: the scorer asks for rarities thousands of times per name
        self.idf: Callable[[str], float] = self._idf_cache.__getitem__
        self._core_keys = self.index.core_keys
        self._terms: dict[int, tuple[Terms, bool]] = {}

    @functools.cached_property
    def _by_identifier(self) -> dict[str, list[int]]:
        """Normalised identifier -> entity rows (built when an identifier is first screened)."""
        by_identifier: dict[str, list[int]] = defaultdict(list)
        for row, entity in enumerate(self.index.entities):
            for ident in entity.get("identifiers") or []:
                if ident.get("usable") is False:
                    continue
                value = normalize_identifier(ident.get("normalized") or ident.get("value") or "")
                if len(value) >= 5:
                    by_identifier[value].append(row)
        return by_identifier

    @functools.cached_property
    def fingerprints(self) -> dict[str, str]:
        """Entity id -> fingerprint of what was screened, so a verdict can name the version."""
        return {e["entity_id"]: entity_fingerprint(e) for e in self.index.entities}

    def _shortlist(self, name: NormalizedName) -> list[int]:
        """Blocked candidates cut to the few worth the full score, from two orders so that
        neither can lose the right entry alone: the blocking order (summed rarity of shared
        keys, which typos and transliteration survive) and a fast order-free similarity of
        the identifying parts (generic words such as Trading or Company left out, so they
        cannot crowd out the name that differs only in its distinctive word)."""
        rows = self.index.candidates(name, MAX_CANDIDATES)
        if len(rows) <= MAX_SCORED + BY_BLOCKING:
            return rows
        core = core_key(name)  # the key the listed side is grouped and ranked by
        # the rows that list the same identifying words (the branches of one charity, the
        # copies of one entry) are one group: the orders below rank groups, so a name many
        # entries carry takes one place and cannot crowd another entry out (`crowding.py`)
        groups = NameGroups(rows, list(operator.itemgetter(*rows)(self._core_keys)))
        keys = groups.keys
        # token_set_ratio gives 100 to every listed name that contains the query's parts, so
        # among those the ones closest as a whole go first ("Muhammad Yusuf" before
        # "Muhammad Yusuf Ahmad Mansur")
        wide = _closest(core, keys, 3 * MAX_SCORED)
        best = groups.rows_of(b[2] for b in wide[:MAX_SCORED]) + rows[:BY_BLOCKING]
        if any(unvowelled(t) for t in name.core_tokens):
            # an Urdu spelling is far from every Latin one letter by letter: order by the
            # consonants the script writes as well
            script = script_sort_key(name)
            skeys = [self.index.script_keys[r] for r in groups.first]
            found = process.extract(script, skeys, scorer=fuzz.token_sort_ratio, limit=10)
            best += groups.rows_of(b[2] for b in found)
        for expansion in name.expansions:
            found = process.extract(expansion.key, keys, scorer=fuzz.token_set_ratio, limit=5)
            best += groups.rows_of(b[2] for b in found)
        return best

    def _listed_terms(self, row: int) -> tuple[Terms, bool]:
        """A listed name's terms for `score_bound` and whether it names an organisation."""
        found = self._terms.get(row)
        if found is None:
            listed = self.index.names[row]
            schema = self.index.entities[listed.entity_row].get("schema") or "Person"
            found = self._terms[row] = (name_terms(listed.name, self.idf), schema in ORG_SCHEMAS)
        return found

    def entity(self, entity_id: str) -> dict[str, Any]:
        for entity in self.index.entities:
            if entity["entity_id"] == entity_id:
                return entity
        raise NotFoundError(f"no list entity {entity_id!r}")

    def screen(self, query: Query, threshold: float | None = None, limit: int = 10) -> list[Match]:
        """Matches at or above `threshold`, best first, one per entity."""
        cut = DEFAULT_THRESHOLD if threshold is None else threshold
        if query.kind is None and "generic" in query.name.kinds and len(query.name.tokens) > 1:
            query = replace(query, kind="organization")
        # an expansion that is only place words ("(Pakistan)" read out of a company name)
        # names no one: matching it alone would let any listed "Pakistan ..." through
        variants = [
            query,
            *(replace(query, name=e) for e in query.name.expansions if not _only_places(e)),
        ]
        rows = [] if query.name.is_empty else list(dict.fromkeys(self._shortlist(query.name)))
        # first pass: scores only; the matches returned are explained afterwards
        best: dict[int, tuple[float, int, int]] = {}  # entity row -> (score, name row, variant)
        # a listed name whose score cannot reach the threshold is not scored (bound.py)
        room = qualifier_headroom(query) if cut > 0 and self.prune else None
        for v, variant in enumerate(variants):
            terms = name_terms(variant.name, self.idf)
            # the rows of one shortlist group mostly list the same words: bound them once
            short: dict[tuple[Any, ...], bool] = {}
            for row in rows:
                listed = self.index.names[row]
                entity = self.index.entities[listed.entity_row]
                if room is not None:
                    listed_terms, is_org = self._listed_terms(row)
                    need = cut - room
                    same = (listed.name.tokens, listed.name.kinds, is_org)
                    below = short.get(same)
                    if below is None:
                        below = short[same] = (
                            score_bound(terms, listed_terms, self.idf, is_org, need) < need
                        )
                    if below:
                        continue
                value, _ = score(variant, listed.name, entity, self.idf, explain=False)
                if listed.quality == "weak":
                    value = _weak_alias(listed.name, value)[0]
                current = best.get(listed.entity_row)
                if current is None or value > current[0]:
                    best[listed.entity_row] = (value, row, v)
        for ident_value in query.identifiers:
            for e_row in self._by_identifier.get(normalize_identifier(ident_value), []):
                entity = self.index.entities[e_row]
                value, _ = score(query, normalize_name(entity["primary_name"]), entity, self.idf)
                current = best.get(e_row)
                if current is None or value > current[0]:
                    best[e_row] = (value, -1, 0)
        if self.index.ties:
            self._add_tied(best, variants, cut)
        ranked = sorted(
            (
                (max(0.0, min(1.0, value)), e_row, row, v)
                for e_row, (value, row, v) in best.items()
                if max(0.0, min(1.0, value)) >= cut
            ),
            key=lambda x: (-x[0], self.index.entities[x[1]]["entity_id"]),
        )[:limit]
        out = []
        for _, e_row, row, v in ranked:
            entity = self.index.entities[e_row]
            if row < 0:
                name = normalize_name(entity["primary_name"])
                value, features = score(query, name, entity, self.idf)
                out.append(self._match(entity, entity["primary_name"], value, features))
                continue
            listed = self.index.names[row]
            value, features = score(variants[v], listed.name, entity, self.idf)
            if listed.quality == "weak":
                value, feature = _weak_alias(listed.name, value)
                features.append(feature)
            if listed.entity_row != e_row:
                features.append(self._tie_feature(listed, e_row))
            out.append(self._match(entity, listed.name.original, value, features))
        return out

    def _add_tied(
        self, best: dict[int, tuple[float, int, int]], variants: list[Query], cut: float
    ) -> None:
        """A match on an entry's own name is a match on the entries the lists tie to it
        (`NameIndex.ties`), scored against each one's own entry (its list's policy, dates,
        identifiers): a name only one of them lists reaches them all."""
        for e_row, (value, row, v) in list(best.items()):
            if row < 0 or value < cut:
                continue
            listed = self.index.names[row]
            for t_row in self.index.ties.get(e_row, ()):
                tied = self.index.entities[t_row]
                t_value, _ = score(variants[v], listed.name, tied, self.idf, explain=False)
                if listed.quality == "weak":
                    t_value = _weak_alias(listed.name, t_value)[0]
                current = best.get(t_row)
                if current is None or t_value > current[0]:
                    best[t_row] = (t_value, row, v)

    def _tie_feature(self, listed: ListedName, e_row: int) -> Feature:
        source = self.index.entities[listed.entity_row]
        why = self.index.ties.get(e_row, {}).get(listed.entity_row, "tied to this entry")
        return Feature(
            "tied_entry",
            0.0,
            f"matched {listed.name.original}, listed on {source['entity_id']} "
            f"({source.get('primary_name') or ''}), {why}",
        )

    @staticmethod
    def _match(entity: dict[str, Any], name: str, value: float, features: list[Feature]) -> Match:
        return Match(
            entity["entity_id"],
            entity["list_id"],
            entity["list_ref"],
            entity.get("schema") or "",
            name,
            max(0.0, min(1.0, value)),
            tuple(features),
        )

    def screen_name(
        self,
        name: str,
        kind: str | None = None,
        birth_date: str | None = None,
        country: str | None = None,
        identifiers: Iterable[str] = (),
        father_name: str | None = None,
        threshold: float | None = None,
        limit: int = 10,
    ) -> list[Match]:
        return self.screen(
            make_query(name, kind, birth_date, country, identifiers, father_name), threshold, limit
        )

    def screen_many(
        self, queries: Sequence[Query], threshold: float | None = None, workers: int = 2
    ) -> list[list[Match]]:
        """Screen a batch on `workers` processes, each distinct query once (a batch of
        payments repeats its counterparties). The workers are forked once per batch and read
        the index copy-on-write: the objects that exist at the fork are frozen out of the
        garbage collector first, so a collection in a worker does not touch (and so copy)
        every page of the index."""
        unique = list(dict.fromkeys(queries))
        if workers <= 1 or len(unique) < 200 or "fork" not in mp.get_all_start_methods():
            results = [self.screen(q, threshold) for q in unique]
        else:
            global _WORKER_SCREENER
            _WORKER_SCREENER = self
            chunk = max(1, len(unique) // (workers * 8))
            gc.freeze()
            try:
                with mp.get_context("fork").Pool(workers) as pool:
                    results = pool.map(
                        _screen_in_worker, [(q, threshold) for q in unique], chunksize=chunk
                    )
            finally:
                gc.unfreeze()
                _WORKER_SCREENER = None
        if len(unique) == len(queries):
            return results
        by_query = dict(zip(unique, results, strict=True))
        return [list(by_query[q]) for q in queries]

    def screen_identifier(self, value: str) -> list[Match]:
        """Exact screening of a wallet address or account/document number."""
        out = []
        for row in self._by_identifier.get(normalize_identifier(value), []):
            entity = self.index.entities[row]
            ident: dict[str, Any] = next(
                (
                    i
                    for i in entity.get("identifiers") or []
                    if normalize_identifier(i.get("normalized") or i.get("value") or "")
                    == normalize_identifier(value)
                ),
                {},
            )
            out.append(
                self._match(
                    entity,
                    entity["primary_name"],
                    0.99,
                    [
                        Feature(
                            "identifier",
                            0.99,
                            f"{ident.get('type') or 'identifier'} {value} is listed",
                        )
                    ],
                )
            )
        return out

    def screen_narrative(self, text: str, threshold: float | None = None) -> list[Match]:
        """Listed names inside free text: every 1..5-word window with a distinctive listed part."""
        if not isinstance(text, str) or not text.strip():
            return []
        words = re.findall(r"\S+", text[: MAX_NAME_CHARS * 10])
        norm_words = [normalize_name(w) for w in words]
        commons = common_parts()
        best: dict[str, Match] = {}
        for i in range(len(words)):
            first = norm_words[i]
            if first.is_empty:
                continue
            for size in range(1, 6):
                window = norm_words[i : i + size]
                if len(window) < size:
                    break
                tokens = [t for w in window for t in w.core_tokens]
                if not any(t not in commons and t in self.index.token_df for t in tokens):
                    continue
                if size == 1 and not first.expansions and len(tokens) < 2:
                    continue
                for match in self.screen_name(" ".join(words[i : i + size]), threshold=threshold):
                    if match.entity_id not in best or match.score > best[match.entity_id].score:
                        best[match.entity_id] = match
        return sorted(best.values(), key=lambda m: -m.score)


_WORKER_SCREENER: Screener | None = None


class _IdfTable(dict[str, float]):
    """Token -> `NameIndex.idf(token)`, each computed when first asked for."""

    def __init__(self, index: NameIndex) -> None:
        super().__init__()
        self._index = index

    def __missing__(self, token: str) -> float:
        value = self[token] = self._index.idf(token)
        return value


def _closest(core: str, keys: list[str], limit: int) -> list[tuple[str, float, int]]:
    """The first MAX_SCORED of the `limit` keys closest to `core` by token_set_ratio (as
    `process.extract` ranks them: score, then position), ties of score ordered by
    token_sort_ratio, then position. Only the scores that reach those places are compared by
    token_sort_ratio: the order of the rest is never read."""
    scores = process.cdist([core], keys, scorer=fuzz.token_set_ratio, dtype=np.float64)[0]
    order = np.lexsort((np.arange(len(scores)), -scores))[:limit]
    wide = [(keys[i], float(scores[i]), i) for i in order.tolist()]
    if len(wide) > MAX_SCORED:
        cut = wide[MAX_SCORED - 1][1]
        wide = [b for b in wide if b[1] >= cut]
    wide.sort(key=lambda b: (-b[1], -fuzz.token_sort_ratio(core, b[0]), b[2]))
    return wide


def _weak_alias(name: NormalizedName, value: float) -> tuple[float, Feature]:
    """A listed alias the list marks weak (OFAC's low-quality a.k.a.): a little off, and a
    weak alias of one bare word ("Abubakar", "Alamzeb"; not "Mullah Radio") never alerts, as the
    lists themselves say such aliases are not to be screened alone."""
    if len(name.tokens) <= 1 and value - WEAK_ALIAS > WEAK_SINGLE_CAP:
        return WEAK_SINGLE_CAP, Feature(
            "weak_alias",
            WEAK_SINGLE_CAP - value,
            "listed alias is a weak one-word alias: not decisive on its own",
        )
    return value - WEAK_ALIAS, Feature("weak_alias", -WEAK_ALIAS, "listed alias is marked weak")


def _screen_in_worker(args: tuple[Query, float | None]) -> list[Match]:
    assert _WORKER_SCREENER is not None
    return _WORKER_SCREENER.screen(args[0], args[1])


def _only_places(name: NormalizedName) -> bool:
    core = name.core_tokens
    return bool(core) and all(is_place_word(t) for t in core)


def make_query(
    name: str,
    kind: str | None = None,
    birth_date: str | None = None,
    country: str | None = None,
    identifiers: Iterable[str] = (),
    father_name: str | None = None,
) -> Query:
    """A query from plain values; `kind` must be person or organization (or None). A
    father's name written into the name field ("... S/O Kamal Din") is read out of it."""
    name, father_name = kyc_name_and_father(name, father_name, kind)
    return Query(
        normalize_name(name),
        _kind(kind),
        str(birth_date) if birth_date else None,
        (country or "").strip().upper() or None,
        tuple(str(i) for i in identifiers if i),
        normalize_name(father_name) if father_name else None,
    )


def party_query(row: Mapping[str, Any]) -> Query:
    """A `parties` row (a customer's KYC) as a query; an unreadable kind is left open."""
    idents: list[str] = []
    for item in row.get("identifiers") or []:
        value = item.get("value") if isinstance(item, dict) else item
        if value:
            idents.append(str(value))
    try:
        parsed_kind = _kind(row.get("kind") or row.get("party_type"))
    except InputError:
        parsed_kind = None
    name, father = kyc_name_and_father(
        str(row.get("name") or ""), row.get("father_name") or None, parsed_kind
    )
    return Query(
        normalize_name(name),
        parsed_kind,
        str(row["birth_date"]) if row.get("birth_date") else None,
        (row.get("country") or row.get("nationality") or "").upper() or None,
        tuple(str(i) for i in idents),
        normalize_name(father) if father else None,
    )


def counterparty_query(
    name: str, country: str | None, ids: set[str], known: Mapping[str, Mapping[str, Any]]
) -> Query:
    """A counterparty as a query: where it is one known customer, with what KYC holds on it
    (kind, date of birth, father's name, identifiers), under the name the payment carried."""
    country_code = (country or "").upper() or None
    rows = [known[i] for i in ids if i in known]
    if len(ids) == 1 and rows:
        base = party_query(rows[0])
        return replace(base, name=normalize_name(name), country=country_code or base.country)
    kinds = {party_query(r).kind for r in rows}
    kind = kinds.pop() if len(kinds) == 1 and len(rows) == len(ids) else None
    return Query(normalize_name(name), kind, None, country_code)


def screen_narrative(text: str, screener: Screener, threshold: float | None = None) -> list[Match]:
    """Listed names inside free text (see `Screener.screen_narrative`)."""
    return screener.screen_narrative(text, threshold)
