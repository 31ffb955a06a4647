"""Cuts and credits of `score.py` kept apart for its size: an organisation's distinctive word
missing either way, one name explaining too little of the other, and a father's name the
listed name carries as its patronymic."""

from __future__ import annotations

from cftwatch.screening.normalize import NormalizedName
from cftwatch.screening.score import WEIGHTS, Feature, Query, Tokens, token_similarity


def org_word_missing(
    c: Tokens, cw: list[float], used_q: dict[int, tuple[int, float]], score: float
) -> Feature | None:
    """The cut when a listed organisation's rarest name word is not in the query: "Oil and
    Gas Development Company" is not "Razavi Oil and Gas Development Co." (the words that
    agree are ones many organisations share; the one that names this one is missing)."""
    if score <= WEIGHTS["common_cap"]:
        return None
    words = [j for j, (_, k) in enumerate(c) if k == "name"]
    if len(words) < 2:
        return None
    rarest = max(words, key=lambda j: cw[j])
    if rarest in {j for j, _ in used_q.values()}:
        return None
    return Feature(
        "org_word_missing",
        WEIGHTS["common_cap"] - score,
        f"the listed organisation's most distinctive word {c[rarest][0]} is not in the query",
    )


#: Share of a business query's rarity in name words the listed organisation lacks from which
#: it is another business.
ORG_EXTRA_SHARE = 0.2


def org_word_extra(
    q: Tokens, qw: list[float], used_q: dict[int, tuple[int, float]], score: float
) -> Feature | None:
    """The cut the other way round: a query written as a business (it has a legal form or
    generic word) whose own name words the listed organisation lacks, carrying a fifth or
    more of its rarity, is another business: "First Credit & Invest Bank Limited" is not
    "First Credit Bank". Place words it ends with are marked before and do not count."""
    if score <= WEIGHTS["common_cap"] or not any(k == "generic" for _, k in q):
        return None
    extra = [i for i, (_, k) in enumerate(q) if k == "name" and i not in used_q]
    if not extra or sum(qw[i] for i in extra) < ORG_EXTRA_SHARE * (sum(qw) or 1.0):
        return None
    return Feature(
        "org_word_extra",
        WEIGHTS["common_cap"] - score,
        f"the query's {', '.join(q[i][0] for i in extra)} is not in the listed organisation",
    )


def father_in_listed_name(query: Query, listed: NormalizedName, entity: dict) -> Feature | None:
    """A father's name where the list records none, written into the listed name itself as
    its patronymic: "Mohamad Rafi bin Udin" (read as Mohamad Rafi, father Udin) is the listed
    "UDIN, Mohamad Rafi". It counts as a father's name that agrees, no more (`father_match`):
    every part of it is a part of the listed name the query's own name does not have."""
    father = query.father_name
    if father is None or not father.core_tokens or entity.get("father_names"):
        return None
    own = set(query.name.tokens)
    rest = [
        t for t, k in zip(listed.tokens, listed.kinds, strict=True) if k == "name" and t not in own
    ]
    if not all(any(token_similarity(t, r) >= 0.9 for r in rest) for t in father.core_tokens):
        return None
    return Feature(
        "father_name",
        WEIGHTS["father_match"],
        f"father's name {father.original} is written in the listed name",
    )


def unexplained_parts(
    q: Tokens,
    c: Tokens,
    used_q: dict[int, tuple[int, float]],
    coverage: tuple[float, float],
    score: float,
) -> Feature | None:
    """The cut when one name explains too little of the other, by rarity: "Muhammad Shams
    ur Rehman" or "Syed Naveed Qamar" names a part the listed Shams-u-Rahman or Naveed Qamar
    does not have; "Rajesh Kumar" lacks the listed Gupta of "GUPTA, Rajesh Kumar". However
    well the shared parts agree, that is another person's name until something confirms it."""
    if score <= WEIGHTS["query_floor_cap"]:
        return None
    q_cov, c_cov = coverage
    used_c = {j for j, _ in used_q.values()}
    if q_cov < WEIGHTS["query_floor"]:
        side, share = "the query's", q_cov
        parts = [q[i][0] for i in range(len(q)) if i not in used_q and q[i][1] == "name"]
        why = f"the listed name explains {share:.0%} of the query by rarity"
    elif c_cov < WEIGHTS["listed_floor"]:
        side, share = "the listed name's", c_cov
        parts = [c[j][0] for j in range(len(c)) if j not in used_c and c[j][1] == "name"]
        why = f"the query explains {share:.0%} of the listed name by rarity"
    else:
        return None
    if not parts:
        return None
    return Feature(
        "unexplained_parts",
        WEIGHTS["query_floor_cap"] - score,
        f"{why}; {side} {', '.join(parts)} is not in the other",
    )
