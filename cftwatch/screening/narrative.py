"""Listed names inside free text (payment narratives, remarks).

The text goes through the same normaliser as names; an Aho-Corasick automaton over every
listed name's normalised tokens (`ahocorasick-rs`) finds each listed name that occurs whole,
in one pass, however many names are loaded. A hit of two or more name parts is scored by the
screener like any name. A hit of one word (an acronym such as LeT, HuM, JeM, TTP, or a
one-word name) is common in ordinary text ("let me know", "hum sab"), so it counts only with
support: a word of its expansion or of the same entity's other names nearby, or a word from
`data/narrative_support.txt` ("markaz", "mujahideen").
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import ahocorasick_rs

from cftwatch.screening.normalize import (
    MAX_NAME_CHARS,
    NormalizedName,
    acronym_expansions,
    normalize_name,
)
from cftwatch.screening.score import Feature, common_parts
from cftwatch.screening.screener import Match, Screener, make_query

__all__ = ["MAX_NARRATIVE_CHARS", "NarrativeHit", "find_listed_names", "narrative_hits"]

#: Longer text is cut here: a payment narrative is a line, not a document.
MAX_NARRATIVE_CHARS = 3000
#: How many words either side of a one-word hit are searched for its support.
SUPPORT_WINDOW = 6
#: Listed names longer than this many parts are not searched for whole.
MAX_PATTERN_TOKENS = 8


@dataclass(frozen=True)
class NarrativeHit:
    """A listed name found in the text: which tokens, which entities, and why it counts."""

    start: int  # token offsets in the normalised text
    end: int
    tokens: tuple[str, ...]
    entity_rows: tuple[int, ...]
    support: str  # "" for a hit of two or more parts


def _word_file(name: str) -> frozenset[str]:
    text = resources.files("cftwatch.screening").joinpath("data").joinpath(name)
    words = " ".join(ln for ln in text.read_text("utf-8").splitlines() if not ln.startswith("#"))
    return frozenset(t for w in words.split() for t in normalize_name(w).tokens)


@lru_cache(maxsize=1)
def _support_words() -> frozenset[str]:
    return _word_file("narrative_support.txt")


@lru_cache(maxsize=1)
def _not_person_words() -> frozenset[str]:
    """Words after a person's name that make it a place or a shop ("Tipu Sultan road")."""
    return _word_file("narrative_not_person.txt")


class _Automaton:
    """Every listed name (as listed and as core parts) as a space-padded token pattern."""

    def __init__(self, screener: Screener) -> None:
        by_pattern: dict[str, set[int]] = defaultdict(set)
        self.entity_words: dict[int, set[str]] = defaultdict(set)
        self.entity_all_words: dict[int, set[str]] = defaultdict(set)
        self.is_person = [
            (e.get("schema") or "Person") == "Person" for e in screener.index.entities
        ]
        for listed in screener.index.names:
            for tokens in _patterns(listed.name):
                by_pattern[" " + " ".join(tokens) + " "].add(listed.entity_row)
            self.entity_words[listed.entity_row].update(listed.name.core_tokens)
            self.entity_all_words[listed.entity_row].update(
                t
                for t, k in zip(listed.name.tokens, listed.name.kinds, strict=True)
                if k != "honorific"
            )
        self.patterns = list(by_pattern)
        self.entities = [tuple(sorted(by_pattern[p])) for p in self.patterns]
        self.automaton = ahocorasick_rs.AhoCorasick(self.patterns)


def _patterns(name: NormalizedName) -> list[tuple[str, ...]]:
    """Token sequences a listed name is found by; none for a name of titles only."""
    if len(name.tokens) > MAX_PATTERN_TOKENS or not name.core_tokens:
        return []
    out = [name.tokens]
    core = name.core_tokens
    if core and core != name.tokens:
        out.append(core)
    if len(core) >= 2:  # surname first, as KYC and list files also write it
        out += [core[1:] + core[:1], core[-1:] + core[:-1]]
    return list(dict.fromkeys(out))


_AUTOMATA: weakref.WeakKeyDictionary[Screener, _Automaton] = weakref.WeakKeyDictionary()


def _automaton(screener: Screener) -> _Automaton:
    found = _AUTOMATA.get(screener)
    if found is None:
        found = _AUTOMATA[screener] = _Automaton(screener)
    return found


def _text_tokens(text: str) -> list[str]:
    """The text's normalised tokens, normalised in name-sized pieces at word boundaries."""
    tokens: list[str] = []
    piece: list[str] = []
    for word in text[:MAX_NARRATIVE_CHARS].split():
        if sum(len(w) + 1 for w in piece) + len(word) > MAX_NAME_CHARS - 10:
            tokens.extend(normalize_name(" ".join(piece)).tokens)
            piece = []
        piece.append(word)
    tokens.extend(normalize_name(" ".join(piece)).tokens)
    return tokens


def _support(
    tokens: list[str], start: int, end: int, word: str, rows: tuple[int, ...], auto: _Automaton
) -> str:
    """Why a one-word hit counts ("" when nothing supports it)."""
    near = set(tokens[max(0, start - SUPPORT_WINDOW) : end + SUPPORT_WINDOW]) - {word}
    for expansion in acronym_expansions(word):
        agree = near & set(normalize_name(expansion).core_tokens)
        if agree:
            return f"{word} with {', '.join(sorted(agree))} of {expansion} nearby"
    for row in rows:
        beside = [t for t in _beside(tokens, start, end) if t in auto.entity_all_words[row]]
        if beside:
            return f"{word} {' '.join(beside)} as in the listed name"
    commons = common_parts()
    for row in rows:
        agree = {t for t in near & auto.entity_words[row] if t not in commons}
        if agree:
            return f"{word} with {', '.join(sorted(agree))} of the same listed name nearby"
    context = near & _support_words()
    if context:
        return f"{word} with {', '.join(sorted(context))} nearby"
    return ""


def narrative_hits(text: str, screener: Screener) -> list[NarrativeHit]:
    """Every listed name occurring whole in `text` that counts (one-word hits need support)."""
    if not isinstance(text, str) or not text.strip():
        return []
    tokens = _text_tokens(text)
    if not tokens:
        return []
    auto = _automaton(screener)
    haystack = " " + " ".join(tokens) + " "
    # token index of each character offset: count the spaces before it
    starts = {pos: i for i, pos in enumerate(_token_starts(haystack))}
    hits: list[NarrativeHit] = []
    for pattern, lo, _hi in auto.automaton.find_matches_as_indexes(haystack, overlapping=True):
        start = starts[lo + 1]
        found = tuple(auto.patterns[pattern].split())
        end = start + len(found)
        rows = auto.entities[pattern]
        if end < len(tokens) and tokens[end] in _not_person_words():
            rows = tuple(r for r in rows if not auto.is_person[r])  # "Tipu Sultan road"
            if not rows:
                continue
        support = ""
        if len(found) == 1:
            support = _support(tokens, start, end, found[0], rows, auto)
            if not support:
                continue
            # the words beside it that the listed name has ("akhtar" + "trust") are screened too
            words = set().union(*(auto.entity_all_words[r] for r in rows))
            if start > 0 and tokens[start - 1] in words:
                start -= 1
            if end < len(tokens) and tokens[end] in words:
                end += 1
            found = tuple(tokens[start:end])
        hits.append(NarrativeHit(start, end, found, rows, support))
    return hits


def _beside(tokens: list[str], start: int, end: int) -> list[str]:
    return [tokens[i] for i in (start - 1, end) if 0 <= i < len(tokens)]


def _token_starts(haystack: str) -> list[int]:
    return [i + 1 for i, ch in enumerate(haystack[:-1]) if ch == " "]


def find_listed_names(text: str, screener: Screener, threshold: float | None = None) -> list[Match]:
    """Listed names inside free text, each scored by the screener as a name; best first,
    one match per entity. The explanation says where in the text and, for a one-word hit,
    what supported it."""
    best: dict[str, Match] = {}
    for hit in narrative_hits(text, screener):
        wanted = {screener.index.entities[r]["entity_id"] for r in hit.entity_rows}
        query = make_query(" ".join(hit.tokens))
        for match in screener.screen(query, threshold, limit=max(10, len(wanted) + 5)):
            if match.entity_id not in wanted:
                continue
            why = f"found in the text as '{' '.join(hit.tokens)}'"
            if hit.support:
                why += f" ({hit.support})"
            features = (*match.features, Feature("narrative", 0.0, why))
            match = Match(
                match.entity_id,
                match.list_id,
                match.list_ref,
                match.schema,
                match.matched_name,
                match.score,
                features,
            )
            current = best.get(match.entity_id)
            if current is None or match.score > current.score:
                best[match.entity_id] = match
    return sorted(best.values(), key=lambda m: (-m.score, m.entity_id))
