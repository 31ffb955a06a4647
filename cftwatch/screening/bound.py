"""An upper bound of `score.score`, cheap enough to skip the listed names that cannot alert.

`score.name_score` is `query_coverage * q_cov + listed_coverage * c_cov` followed only by cuts
(differing organisation words, the single-word and common-name caps); `score.score` adds the
qualifiers, of which only a date of birth, a country and a father's name can add anything
(an identifier can lift a score to 0.99, so a query with identifiers is never bounded); a
possible on an identity list and a weak alias only lower it. The greedy alignment credits each
part at most once with a similarity no higher than that part's best similarity to any part of
the other name, so the coverages are at most the rarity-weighted shares of those best
similarities. The screener scores a listed name in full only when this bound reaches the
threshold: the matches returned are the same, and `tests/screening/test_fast_path.py` checks
it against scoring every candidate on a fixed set of names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from rapidfuzz.distance import OSA

from cftwatch.screening.normalize import NormalizedName, skeleton, unvowelled
from cftwatch.screening.score import (
    WEIGHTS,
    Query,
    _compound_heads,
    _mark_places,
    _weight,
    family_heads,
    token_similarity,
)

__all__ = ["Terms", "bound_similarity", "name_terms", "qualifier_headroom", "score_bound"]

#: Below this OSA similarity two parts spelt alike in script, neither a known name's family
#: nor a compound, cannot reach `token_similarity`'s floor (a shared skeleton lifts only
#: spellings at least this close).
_NEAR = 0.6
#: `token_similarity`'s floor: two such parts whose skeletons differ keep their OSA
#: similarity, and under this it is 0.
_FLOOR = 0.75


@lru_cache(maxsize=262144)
def bound_similarity(a: str, b: str) -> float:
    """`token_similarity(a, b)`, or 0.0 where a cheap test shows it is 0: two parts of more
    than one letter, both Latin or both unvowelled script, neither a known name with its
    spellings, no shared compound ending, and an OSA similarity under `_NEAR` (or under
    `_FLOOR` with different skeletons). A listed name met for the first time is bounded
    without the full comparison of every pair of parts
    (`tests/screening/test_bound_similarity.py` checks it is never below the real one)."""
    if a != b and len(a) > 1 and len(b) > 1 and unvowelled(a) == unvowelled(b):
        near = OSA.normalized_similarity(a, b)
        if (near < _NEAR or (near < _FLOOR and skeleton(a) != skeleton(b))) and (
            a[-1] != b[-1] or _compound_heads(a, b) is None  # every ending ends alike
        ):
            heads = family_heads()
            if a not in heads and b not in heads:
                return 0.0
    return token_similarity(a, b)


#: Rounding room: the bound sums in another order than the scorer does.
EPSILON = 1e-9


def qualifier_headroom(query: Query) -> float | None:
    """The most the qualifiers can add to a name score for this query; None when unbounded
    (an identifier match sets the score to at least `identifier_match`)."""
    if query.identifiers:
        return None
    room = 0.0
    if query.birth_date:
        room += max(WEIGHTS["dob_exact"], WEIGHTS["dob_year"], WEIGHTS["dob_range"], 0.0)
    if query.country:
        room += max(WEIGHTS["country_match"], 0.0)
    if query.father_name is not None and not query.father_name.is_empty:
        room += max(WEIGHTS["father_match"], 0.0)
    return room


Terms = tuple[list[tuple[str, str]], list[float]]
"""A name's (token, kind) pairs and their weights, as `score.name_score` builds them."""


def name_terms(name: NormalizedName, idf: Callable[[str], float]) -> Terms:
    pairs = list(zip(name.tokens, name.kinds, strict=True))
    return pairs, [_weight(k, idf(t)) for t, k in pairs]


def score_bound(
    query: Terms,
    listed: Terms,
    idf: Callable[[str], float],
    listed_is_org: bool,
    need: float | None = None,
) -> float:
    """At least `name_score(query, listed, idf, listed_is_org=listed_is_org)`, given both
    names' `name_terms`. With `need`, the query's parts are compared heaviest first and a
    looser bound is returned as soon as it falls below `need` (the parts not yet compared
    counted as matched in full, and the listed name as covered in full): a rare part that
    nothing matches settles it without comparing the rest."""
    q, qw = query
    c, cw = listed
    if listed_is_org:
        marked = _mark_places(q, {t for t, _ in c})
        if marked is not q:
            q, qw = marked, [_weight(k, idf(t)) for t, k in marked]
    w_query, w_listed = WEIGHTS["query_coverage"], WEIGHTS["listed_coverage"]
    q_total = sum(qw) or 1.0
    unseen = sum(qw)
    order = range(len(q)) if need is None else sorted(range(len(q)), key=qw.__getitem__)[::-1]
    best_c = [0.0] * len(c)
    titles = [(j, ct, ck == "honorific") for j, (ct, ck) in enumerate(c)]
    similarity = bound_similarity
    q_credit = 0.0
    for i in order:
        qt, qk = q[i]
        best = 0.0
        q_title = qk == "honorific"
        for j, ct, c_title in titles:
            if q_title is not c_title:
                continue
            sim = similarity(qt, ct)
            if sim > best:
                best = sim
            if sim > best_c[j]:
                best_c[j] = sim
        q_credit += qw[i] * best
        unseen -= qw[i]
        if need is not None:
            loose = w_query * (q_credit + max(unseen, 0.0)) / q_total + w_listed + EPSILON
            if loose < need:
                return loose
    c_credit = sum(w * s for w, s in zip(cw, best_c, strict=True))
    return w_query * q_credit / q_total + w_listed * c_credit / (sum(cw) or 1.0) + EPSILON
