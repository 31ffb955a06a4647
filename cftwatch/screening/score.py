"""Explainable scoring of a query against one listed name and its entity.

The score is a name score (rarity-weighted token agreement, both directions) adjusted by
qualifiers. Each feature adds a `Feature(name, contribution, why)` so an auditor reads the
sum. Weights live in `WEIGHTS` with one sentence each.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from cftwatch.screening.common_reasons import (
    COMMON_WHOLE_NAME,
    common_name_reason,
)
from cftwatch.screening.normalize import (
    NormalizedName,
    _place_words,
    fold_text,
    skeleton,
    split_place_words,
    unvowelled,
)
from cftwatch.screening.policy import (
    CONFIRMING_FEATURES,
    POSSIBLE_SCORE,
    list_policy,
    possible_feature,
)
from cftwatch.screening.rarity import (
    COMBINATION_SHARE,
    WHOLE_NAME_SHARE,
    combination_share,
    common_parts,
    known_names,
)

__all__ = ["DEFAULT_THRESHOLD", "WEIGHTS", "Feature", "Query", "normalize_identifier", "score"]

#: Scores at or above this raise an alert.
DEFAULT_THRESHOLD = 0.85

WEIGHTS: dict[str, float] = {
    # share of the name score taken from how much of the query the listed name explains
    "query_coverage": 0.55,
    # share from how much of the listed name the query explains
    "listed_coverage": 0.45,
    "honorific_weight": 0.1,  # an honorific counts a tenth of a name part
    "generic_weight": 0.25,  # a legal form or generic word counts a quarter
    # a place word an organisation query ends with ("... Trust Karachi") and the listed
    # name lacks counts a tenth: it says where the branch is, not who it is
    "place_weight": 0.1,
    "common_cap": 0.70,  # most a name made only of common parts can score
    # what an exact listed name of common parts scores when the birth date confirms it
    "common_confirmed": 0.85,
    # coverage both ways above which a common-only listed name is matched whole, uncapped
    "whole_name_coverage": 0.97,
    # most a one-word listed name can score against a query with further name parts
    "single_word_cap": 0.70,
    # a listed person's name that explains less than this share of the query's rarity ...
    "query_floor": 0.80,
    # ... or a query that explains less than this share of the listed name's ...
    "listed_floor": 0.70,
    # ... scores at most this: one of the two names has a part the other does not
    "query_floor_cap": 0.80,
    "generic_conflict": -0.15,  # both names carry legal forms/generic words and none agree
    "dob_exact": 0.08,
    "dob_year": 0.04,
    "dob_range": 0.03,
    "dob_same_year": 0.0,  # two full dates in one year, different days: neither way
    "dob_near": 0.02,  # within a year of a date listed only as a year (or circa)
    "dob_conflict": -0.15,
    "country_match": 0.03,
    "country_conflict": -0.05,
    "father_match": 0.15,
    "father_conflict": -0.20,
    "identifier_match": 0.99,  # identifier equality sets the score to at least this
    "kind_conflict": -0.30,
}

#: Birth-date verdict (`dates.birth_verdict`) -> its weight.
_DOB_WEIGHT = {
    "exact": "dob_exact",
    "year": "dob_year",
    "same_year": "dob_same_year",
    "range": "dob_range",
    "near": "dob_near",
    "conflict": "dob_conflict",
}

ORG_SCHEMAS = {"Organization", "LegalEntity", "Company", "Vessel", "CryptoWallet"}


@dataclass(frozen=True)
class Feature:
    name: str
    contribution: float
    why: str

    def to_dict(self) -> dict[str, object]:
        return {"feature": self.name, "contribution": round(self.contribution, 3), "why": self.why}


@dataclass(frozen=True)
class Query:
    name: NormalizedName
    kind: str | None = None  # person | organization | None
    birth_date: str | None = None
    country: str | None = None
    identifiers: tuple[str, ...] = ()
    father_name: NormalizedName | None = None


def normalize_identifier(value: str) -> str:
    """CNIC with or without dashes, passports with spaces, wallets in any case compare equal."""
    return re.sub(r"[^0-9a-z]", "", fold_text(value))


@lru_cache(maxsize=262144)
def token_similarity(a: str, b: str) -> float:
    """Spelling similarity of two canonical name parts, 0 below 0.75.

    Edits are counted with transpositions as one edit (OSA), so "Mjaeed" is one edit from
    "Majeed". A known spelling family is compared through every spelling it lists, so a typo
    of "Rehman" still meets "rahman", the family's canonical form."""
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return 0.85 if a[0] == b[0] else 0.0
    heads = family_heads()
    if a in heads and b in heads:
        return 0.0  # two different known names (Hassan, Hussain) never match by spelling
    if _different_names(a, b) or _name_and_place(a, b):
        return 0.0
    if _derived_name(a, b) or _derived_name(b, a):
        return 0.0
    heads_of = _compound_heads(a, b)
    head_sim = 0.0
    if heads_of is not None and heads_of[0] != heads_of[1]:
        # Maazullah and Faizullah share only the ending: compare what precedes it
        head_a, head_b = heads_of
        head_sim = _spelling_similarity(head_a, head_b)
        if _different_names(head_a, head_b) or head_sim < 0.75:
            return 0.0
    # an Urdu compound ("srjuddin") is as good as its head's spelling ("srj", Siraj)
    sim = max(_spelling_similarity(a, b), head_sim)
    for known, other in ((a, b), (b, a)):
        if len(other) >= _MIN_FAMILY_TYPO:
            for spelling in heads.get(known, ()):
                if len(spelling) >= _MIN_FAMILY_TYPO:
                    sim = max(sim, _spelling_similarity(spelling, other))
    return sim if sim >= 0.75 else 0.0


#: A name part this short, one letter from another, is a different name (Basit, Basir).
_SHORT_PART = 5


def _different_names(a: str, b: str) -> bool:
    """Two different names of one length, both real or both short: Kamal and Jamal, Ajmal
    and Jamal, Basit and Basir, Jamil and Jamal are different people, not a misspelling.
    Spellings that differ only as o/u, e/i or a doubled letter (Umer, Umar) are one name."""
    if len(a) != len(b) or _one_spelling(a, b):
        return False  # a dropped or doubled letter is how misspellings look (Rehan, Rehman)
    known = known_names()
    if a in known and b in known:
        return True
    # one letter replaced by another in a short part (a swapped pair is a typo: Azahr)
    return len(a) <= _SHORT_PART and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _name_and_place(a: str, b: str) -> bool:
    """A known name and a place word are different words, not a misspelling of each other:
    Imran is not Iran, whatever one letter says."""
    places = _place_words()
    if (a in places) == (b in places):
        return False
    return (b if a in places else a) in known_names()


#: Endings that make another name of a known one: Fadi/Fadil, Murtaza/Murtazavi,
#: Hussain/Hussaini (a nisba), Jamal/Jamali.
_DERIVING_ENDINGS = ("i", "vi", "wi", "ni", "l", "n", "y")


def _derived_name(short: str, long: str) -> bool:
    """`long` is a known name `short` (spelt alike) with an ending that makes another name,
    or such a derivation of a different known name (Hussaini is not Hassan)."""
    heads = family_heads()
    known = known_names()
    if len(short) >= 4 and len(long) > len(short) and short in known:
        end = long[len(short) :]
        if end in _DERIVING_ENDINGS and _one_spelling(short, long[: len(short)]):
            return True
    from cftwatch.screening.normalize import _families

    base = long[:-1] if long.endswith("i") else ""
    base = _families().get(base, base)  # the nisba of a spelling: Saidi of Said (Saeed)
    head = _known_head(short, heads)
    return len(base) >= 4 and base in heads and head is not None and base != head


def _known_head(token: str, heads: dict[str, tuple[str, ...]]) -> str | None:
    """The known name a part spells: itself, or itself without the final vowel some
    transliterations add (Hassane, Oumare); None for a part of no known family."""
    if token in heads:
        return token
    if len(token) >= 5 and token[-1] in "ae" and token[:-1] in heads:
        return token[:-1]
    return None


_ALIKE = {frozenset(p) for p in ("ou", "ea", "ei", "yi", "qk", "zs")}


def _one_spelling(a: str, b: str) -> bool:
    """Letter by letter the same up to o/u, e/a, e/i, y/i, q/k, z/s (Umer, Umar; Shehzad,
    Shahzad), as transliteration varies."""
    return all(x == y or frozenset((x, y)) in _ALIKE for x, y in zip(a, b, strict=True))


#: Endings of compound names (Faizullah, Saifuddin): the distinctive part is the head.
_COMPOUND_ENDINGS = ("ullah", "uddin", "udin", "ulhaq", "urrahman", "zada", "zai")


def _compound_heads(a: str, b: str) -> tuple[str, str] | None:
    for end in _COMPOUND_ENDINGS:
        if a.endswith(end) and b.endswith(end) and min(len(a), len(b)) > len(end) + 1:
            return a[: -len(end)], b[: -len(end)]
    return None


#: Family spellings are compared with a typo only from this length: "abdu" is not "abu".
_MIN_FAMILY_TYPO = 5


def _spelling_similarity(a: str, b: str) -> float:
    sim = OSA.normalized_similarity(a, b)
    if _unvowelled(a) != _unvowelled(b):
        # Arabic script leaves short vowels unwritten: "mhmd", "jnd", "shryn" stand for
        # Muhammad, Jund, Shariyan. Compared only where the Latin spelling is consistent with
        # the script one: the same consonants in order and the word-final vowel written
        # ("khld" is Khalid, not Khaloudi; "shhd" is Shahid, not Sayed)
        script, latin = (a, b) if _unvowelled(a) else (b, a)
        # two written letters say too little to stand for a long Latin name ("sf", Safia)
        if (len(script) >= 3 or len(latin) <= 4) and script_consistent(script, latin):
            return max(float(sim), 0.9)
        return float(sim) if sim >= 0.8 else 0.0
    if sim >= 0.6 and skeleton(a) == skeleton(b):
        sim = max(sim, 0.8)
    return float(sim)


def script_consistent(script: str, latin: str) -> bool:
    """Whether an unvowelled (Arabic-script) spelling can write this Latin name part: the
    same consonants in order; every w, v and y, long vowel (ee, oo, ai, ...) and final i, o,
    u of the Latin written with waw or ye in the script, and no waw or ye in the script that
    no Latin vowel stands for ("khld" is Khalid, not Khuwaylid; "hmyd" is Hamid, not Hamud)."""
    if script.translate(_FRAME) != _latin_frame(latin):
        return False  # the pattern needs these consonants in this order: no regex to build
    return _script_pattern(latin).fullmatch(script) is not None


#: What `_script_pattern` leaves to the script's choice (vowels, waw, ye, he), dropped, and
#: q/k as one letter: a spelling the pattern matches has the Latin form's frame.
_FRAME = str.maketrans({"q": "k", **dict.fromkeys("aeiouywvh")})


@lru_cache(maxsize=65536)
def _latin_frame(latin: str) -> str:
    return re.sub(r"(.)\1", r"\1", latin).translate(_FRAME)


_LATIN_UNITS = re.compile(r"sh|kh|gh|ch|th|dh|ee|ii|ie|ei|ai|ay|ey|oo|ou|uu|au|ow|aw|.")
_LONG_Y = frozenset({"ee", "ii", "ie", "ei", "ai", "ay", "ey"})
_LONG_W = frozenset({"oo", "ou", "uu", "au", "ow", "aw"})


@lru_cache(maxsize=65536)
def _script_pattern(latin: str) -> re.Pattern[str]:
    units = _LATIN_UNITS.findall(re.sub(r"(.)\1", r"\1", latin))  # script writes no doubles
    out = []
    for i, unit in enumerate(units):
        first, last = i == 0, i == len(units) - 1
        if unit in _LONG_Y or unit == "y":
            out.append("y")
        elif unit in _LONG_W or unit in ("w", "v"):
            out.append("w")
        elif unit in ("a", "e", "i", "o", "u"):
            if first:
                out.append("a")  # an initial vowel is written with alif or ayn
            elif last and unit in "iuo":
                out.append("y" if unit == "i" else "w")  # a final long vowel is written
            elif last:
                out.append("[hay]?")  # a final a or e: he, alif (dropped) or ye
            else:
                out.append({"a": "a?", "e": "[yh]?", "i": "y?", "o": "w?", "u": "w?"}[unit])
        elif unit in ("q", "k"):
            out.append("[qk]")
        else:
            out.append(re.escape(unit))
    return re.compile("".join(out))


_unvowelled = unvowelled


@lru_cache(maxsize=1)
def family_heads() -> dict[str, tuple[str, ...]]:
    """Canonical spelling -> the other spellings of its family."""
    from cftwatch.screening.normalize import _families

    out: dict[str, list[str]] = {}
    for variant, canon in _families().items():
        out.setdefault(canon, [])
        if variant != canon and variant.isalpha():
            out[canon].append(variant)
    return {k: tuple(v) for k, v in out.items()}


def _weight(kind: str, idf: float) -> float:
    if kind == "place":
        return WEIGHTS["place_weight"]
    if kind == "honorific":
        return WEIGHTS["honorific_weight"]
    if kind == "generic":
        return WEIGHTS["generic_weight"]
    if kind == "initial":
        return min(idf, 1.0)
    return idf


Tokens = list[tuple[str, str]]
"""A name's (token, kind) pairs."""


def _align(q: Tokens, c: Tokens, qw: list[float], cw: list[float]) -> dict[int, tuple[int, float]]:
    """Query part -> (listed part, similarity): greedy, strongest weighted agreement first,
    each part used once."""
    pairs = []
    for i, (qt, qk) in enumerate(q):
        for j, (ct, ck) in enumerate(c):
            if (qk == "honorific") != (ck == "honorific"):
                continue  # a name part is never credited against a title (Saqib vs Sahib)
            sim = token_similarity(qt, ct)
            if sim > 0:
                pairs.append((sim * min(qw[i], cw[j]), sim, i, j))
    pairs.sort(reverse=True)
    used_q: dict[int, tuple[int, float]] = {}
    used_c: set[int] = set()
    for _, sim, i, j in pairs:
        if i in used_q or j in used_c:
            continue
        used_q[i] = (j, sim)
        used_c.add(j)
    return used_q


def _coverages(
    q: Tokens, c: Tokens, qw: list[float], cw: list[float], used_q: dict[int, tuple[int, float]]
) -> tuple[float, float]:
    """Shares of the query's and of the listed name's rarity that the aligned parts cover."""
    q_total, c_total = sum(qw) or 1.0, sum(cw) or 1.0
    q_credit = c_credit = 0.0
    for i, (j, sim) in used_q.items():
        if "initial" in (q[i][1], c[j][1]):
            # an initial stands for a name part but proves little: credit the smaller weight
            q_credit += min(qw[i], cw[j]) * sim
            c_credit += min(qw[i], cw[j]) * sim
        else:
            q_credit += qw[i] * sim
            c_credit += cw[j] * sim
    return q_credit / q_total, c_credit / c_total


def _generic_conflict(q: Tokens, c: Tokens) -> Feature | None:
    q_generic = {t for t, k in q if k == "generic"}
    c_generic = {t for t, k in c if k == "generic"}
    if not (q_generic and c_generic) or q_generic & c_generic:
        return None
    return Feature(
        "generic_words",
        WEIGHTS["generic_conflict"],
        f"organisation words differ ({', '.join(sorted(q_generic))} vs "
        f"{', '.join(sorted(c_generic))})",
    )


def _single_word(
    q: Tokens, c: Tokens, used_q: dict[int, tuple[int, float]], score: float
) -> Feature | None:
    """The cut when a one-word listed name meets a query with further name parts."""
    listed_core = [t for t, k in c if k == "name"]
    extra = [q[i][0] for i in range(len(q)) if i not in used_q and q[i][1] == "name"]
    if len(listed_core) != 1 or not extra or score <= WEIGHTS["single_word_cap"]:
        return None
    return Feature(
        "single_word",
        WEIGHTS["single_word_cap"] - score,
        f"the listed name is the single word {listed_core[0]}; the query's "
        f"{', '.join(extra)} is not on the list",
    )


def _common_name(
    q: Tokens,
    c: Tokens,
    used_q: dict[int, tuple[int, float]],
    coverage: float,
    listed_is_org: bool,
    score: float,
) -> Feature | None:
    """The cut when the matched parts are common in the population, alone or together
    (`coverage`: the smaller of the two)."""
    if score <= WEIGHTS["common_cap"]:
        return None
    commons = common_parts()
    # a matched part counts as common when either spelling is: "Raja" matched to a listed
    # "Raza" says no more than "Raza" itself
    matched_core = [(q[i][0], c[j][0]) for i, (j, _) in used_q.items() if q[i][1] == "name"]
    if not matched_core or combination_share(matched_core) < COMBINATION_SHARE:
        return None  # the matched parts together are rare in the population
    used_c = {j for j, _ in used_q.values()}
    missing = [c[j][0] for j in range(len(c)) if j not in used_c and c[j][1] == "name"]
    distinctive_missing = [t for t in missing if t not in commons]
    # parts of the query the listed name does not explain; a title such as Haji added to a
    # listed person's name does not make it another name (next to an organisation's it does)
    skip = ("initial", "place") if listed_is_org else ("initial", "honorific")
    unexplained = [q[i][0] for i in range(len(q)) if i not in used_q and q[i][1] not in skip]
    # the listed person's full name, every part and title as the list writes it, matched
    # nearly letter for letter ("Hafiz Muhammad Saeed", "Zafar Iqbal"): an exact listed name
    # alerts however common its parts; a query sharing only some of them does not
    titles_missing = [c[j][0] for j in range(len(c)) if j not in used_c and c[j][1] == "honorific"]
    titles_extra = [q[i][0] for i in range(len(q)) if i not in used_q and q[i][1] == "honorific"]
    # ... when the listed name has something beyond two common parts: a third part, the
    # title the list writes, or a pair itself uncommon (one name in 5,000: Zafar Iqbal,
    # not Muhammad Ibrahim)
    n_parts = sum(k == "name" for _, k in c)
    titled = any(k in ("honorific", "initial") for _, k in c)
    beyond = n_parts >= 3 or titled or combination_share(matched_core) < WHOLE_NAME_SHARE
    # letter for letter: equal, or an Arabic-script spelling consistent with the Latin one
    exact = all(
        qt == ct or (_unvowelled(qt) != _unvowelled(ct) and token_similarity(qt, ct) >= 0.9)
        for qt, ct in matched_core
    )
    full = (
        (coverage >= WEIGHTS["whole_name_coverage"] or (exact and coverage >= 0.85))
        and not missing
        and not titles_missing
        # a further title ("Prof.") next to the listed one is still the listed name
        and (not titles_extra or any(k == "honorific" for _, k in c))
        # two parts, or one with the title or initial the list writes ("Hafiz Saeed")
        and (n_parts >= 2 or (n_parts == 1 and titled))
    )
    whole = full and beyond
    # an organisation's words (Trust, Exchange, Trading) the query does not have: a person
    # or another business sharing the organisation's one common name part
    org_words = [c[j][0] for j in range(len(c)) if j not in used_c and c[j][1] == "generic"]
    bare = listed_is_org and bool(org_words) and not any(k == "generic" for _, k in q)
    if not (distinctive_missing or unexplained or bare or not (listed_is_org or whole)):
        # the listed person's whole name alerts on the name; a birth date that contradicts
        # the listed one clears it (`dates.common_name_by_birth_date`)
        return None if listed_is_org else Feature("common_name_whole", 0.0, COMMON_WHOLE_NAME)
    why = common_name_reason(org_words, distinctive_missing, unexplained, bare, listed_is_org, full)
    return Feature("common_name", WEIGHTS["common_cap"] - score, why)


@lru_cache(maxsize=65536)
def _place_is_own(original: str) -> bool:
    """The query's closing place words name it ("National Bank of Pakistan"), so they are
    not marked as where a branch is (split_place_words keeps such a name whole)."""
    return not split_place_words(original)[1]


def _mark_places(q: Tokens, listed: set[str]) -> Tokens:
    """The place words an organisation query ends with, where the listed name lacks them,
    marked as places ("Al Rehmat Trust Bahawalpur"); a query that is only place words, or
    whose rest is no name, is left as it is (split_place_words' rule)."""
    end = len(q)
    places = _place_words()
    while end > 1 and q[end - 1][1] == "name" and q[end - 1][0] in places:
        end -= 1
    if end == len(q) or not any(k == "name" for _, k in q[:end]):
        return q
    return q[:end] + [(t, "place" if t not in listed else k) for t, k in q[end:]]


def name_score(
    query: NormalizedName,
    listed: NormalizedName,
    idf: Callable[[str], float],
    common_cap: bool = True,
    listed_is_org: bool = False,
    explain: bool = True,
) -> tuple[float, list[Feature]]:
    """Name score and its features; `explain=False` gives the same score with the main
    feature's sentence left empty (the screener explains only the matches it returns)."""
    q = list(zip(query.tokens, query.kinds, strict=True))
    c = list(zip(listed.tokens, listed.kinds, strict=True))
    if listed_is_org and not _place_is_own(query.original):
        q = _mark_places(q, {t for t, _ in c})
    qw = [_weight(k, idf(t)) for t, k in q]
    cw = [_weight(k, idf(t)) for t, k in c]
    used_q = _align(q, c, qw, cw)
    q_cov, c_cov = _coverages(q, c, qw, cw, used_q)
    score = WEIGHTS["query_coverage"] * q_cov + WEIGHTS["listed_coverage"] * c_cov
    why = ""
    if explain:
        matched = [f"{q[i][0]}~{c[j][0]}" if sim < 1 else q[i][0] for i, (j, sim) in used_q.items()]
        why = (
            f"name parts agree ({', '.join(matched) or 'none'}); covers {q_cov:.0%} of the "
            f"query and {c_cov:.0%} of the listed name by rarity"
        )
    features = [Feature("name", score, why)]
    generic = _generic_conflict(q, c)
    if generic is not None:
        score += WEIGHTS["generic_conflict"]
        features.append(generic)
    single = _single_word(q, c, used_q, score)
    if single is not None:
        features.append(single)
        score = WEIGHTS["single_word_cap"]
    if not listed_is_org and (q_cov < WEIGHTS["query_floor"] or c_cov < WEIGHTS["listed_floor"]):
        from cftwatch.screening.cuts import unexplained_parts

        extra = unexplained_parts(q, c, used_q, (q_cov, c_cov), score)
        if extra is not None:
            features.append(extra)
            score = WEIGHTS["query_floor_cap"]
    common = (
        _common_name(q, c, used_q, min(q_cov, c_cov), listed_is_org, score) if common_cap else None
    )
    if common is None and common_cap and listed_is_org:
        from cftwatch.screening.cuts import org_word_extra, org_word_missing

        common = org_word_missing(c, cw, used_q, score)
        if common is None:
            common = org_word_extra(q, qw, used_q, score)
    if common is not None:
        features.append(common)
        if common.name != "common_name_whole":
            score = WEIGHTS["common_cap"]
    return score, features


def _flat_idf(token: str) -> float:
    return 3.0


def qualifiers(query: Query, entity: dict) -> list[Feature]:
    out: list[Feature] = []
    schema = entity.get("schema") or "Person"
    if query.kind:
        is_org = schema in ORG_SCHEMAS
        if (query.kind == "person") == is_org:
            out.append(
                Feature(
                    "kind", WEIGHTS["kind_conflict"], f"query is a {query.kind}, listed {schema}"
                )
            )
    dobs = entity.get("birth_dates") or []
    if query.birth_date and dobs:
        from cftwatch.screening.dates import birth_verdict

        found = birth_verdict(query.birth_date, dobs)
        if found is not None:
            out.append(Feature("birth_date", WEIGHTS[_DOB_WEIGHT[found[0]]], found[1]))
    countries = {
        c.upper()
        for c in (entity.get("nationalities") or []) + (entity.get("countries") or [])
        if c
    }
    if query.country and countries:
        if query.country.upper() in countries:
            out.append(
                Feature("country", WEIGHTS["country_match"], f"country {query.country} as listed")
            )
        else:
            out.append(
                Feature(
                    "country",
                    WEIGHTS["country_conflict"],
                    f"country {query.country}, listed {', '.join(sorted(countries))}",
                )
            )
    fathers = entity.get("father_names") or []
    if query.father_name and not query.father_name.is_empty and fathers:
        from cftwatch.screening.normalize import normalize_name

        best_sim = 0.0
        q_father = _letters(query.father_name.original)
        for father in fathers:
            sim, _ = name_score(query.father_name, normalize_name(father), _flat_idf, False)
            # a typo in a short part ("Adul Wahid", "Ahed Ali") spoils the part-by-part
            # score; the whole name letter by letter still agrees
            whole = OSA.normalized_similarity(q_father, _letters(father))
            best_sim = max(best_sim, sim, whole if whole >= 0.9 else 0.0)
        if best_sim >= 0.8:
            out.append(Feature("father_name", WEIGHTS["father_match"], "father's name agrees"))
        else:
            out.append(
                Feature(
                    "father_name",
                    WEIGHTS["father_conflict"],
                    f"father's name differs (listed {', '.join(fathers)})",
                )
            )
    return out


def _letters(name: str) -> str:
    """A name's folded words in order: what a letter-by-letter comparison should see."""
    return " ".join(re.findall(r"[a-z0-9]+", fold_text(name)))


def identifier_match(query: Query, entity: dict) -> Feature | None:
    if not query.identifiers:
        return None
    wanted = {normalize_identifier(v) for v in query.identifiers if v}
    wanted.discard("")
    for ident in entity.get("identifiers") or []:
        if ident.get("usable") is False:
            continue
        value = normalize_identifier(ident.get("normalized") or ident.get("value") or "")
        if value and value in wanted:
            return Feature(
                "identifier",
                WEIGHTS["identifier_match"],
                f"{ident.get('type') or 'identifier'} {ident.get('value')} is listed",
            )
    return None


def score(
    query: Query,
    listed: NormalizedName,
    entity: dict,
    idf: Callable[[str], float],
    explain: bool = True,
) -> tuple[float, list[Feature]]:
    """0..1 score and the features that make it up; on a list applied by identity a match
    that no identifier, father's name or birth date confirms is held as a possible."""
    is_org = (entity.get("schema") or "Person") in ORG_SCHEMAS
    total, features = name_score(query.name, listed, idf, listed_is_org=is_org, explain=explain)
    for feature in qualifiers(query, entity):
        total += feature.contribution
        features.append(feature)
    from cftwatch.screening.dates import common_name_by_birth_date

    confirmed_name = common_name_by_birth_date(query, entity, features, total)
    if confirmed_name is not None:
        total += confirmed_name.contribution
        features.append(confirmed_name)
    from cftwatch.screening.cuts import father_in_listed_name

    patronym = father_in_listed_name(query, listed, entity)
    if patronym is not None:
        total += patronym.contribution
        features.append(patronym)
    ident = identifier_match(query, entity)
    if ident:
        features.append(ident)
        total = max(total, ident.contribution)
    policy = list_policy(entity.get("list_id"))
    confirmed = any(f.name in CONFIRMING_FEATURES and f.contribution > 0 for f in features)
    held = None if confirmed else possible_feature(policy, total)
    if held is not None:
        features.append(Feature(*held))
        total = POSSIBLE_SCORE
    return max(0.0, min(1.0, total)), features
