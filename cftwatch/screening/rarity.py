"""How common a name part is among the people cftwatch's users serve.

Rarity comes from a real population, not a hand-made list: `data/name_freq_pk.tsv` holds the
share of Pakistani names (ECP 2024 candidate lists, aggregate counts) that contain each part.
Titles and honorifics are marked there and never count as name parts. A part is *common* when
at least `COMMON_SHARE` of names carry it; `known_names` are the parts seen in the population
at all, used to tell two different real names (Kamal, Jamal) from a misspelling.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from rapidfuzz.distance import OSA

from cftwatch.screening.normalize import normalize_name, script_key, skeleton

__all__ = [
    "COMBINATION_SHARE",
    "COMMON_SHARE",
    "COMPOUND_PREFIXES",
    "WHOLE_NAME_SHARE",
    "combination_share",
    "common_parts",
    "known_names",
    "part_share",
]

#: A name part carried by at least this share of the population's names is common
#: (about one name in 500: Muhammad, Saeed, Iqbal, Zafar, Hamza, Jamal are; Saqib is not).
COMMON_SHARE = 0.002
#: Matched parts whose combination is expected in fewer than this share of names (one in
#: 20,000) identify a person on their own: Masood Azhar, Amir Hamza are; Muhammad Iqbal,
#: Zafar Iqbal, Muhammad Saqib are not.
COMBINATION_SHARE = 5e-5
#: A listed name of two common parts matched whole, title for title, alerts when the pair is
#: carried by fewer than this share of names (one in 5,000): Zafar Iqbal, Tariq Aziz do;
#: Muhammad Ibrahim, Saeed Ahmad (one in 1,000 or more) do not.
WHOLE_NAME_SHARE = 2e-4
#: A part never seen in the population counts as this fraction of one name.
UNSEEN_COUNT = 0.1
#: Parts seen at least this many times in the population are known, real names.
KNOWN_COUNT = 3
#: An unseen Latin spelling takes the count of the population's spelling with its skeleton
#: only when at least this alike letter for letter (OSA): Mubarok is Mubarak, Meddie is not
#: Muhammad.
SKELETON_SIMILARITY = 0.6


@lru_cache(maxsize=1)
def _population() -> tuple[int, dict[str, int], frozenset[str]]:
    """(number of names, canonical part -> count, titles) from the frequency file."""
    path = resources.files("cftwatch.screening").joinpath("data").joinpath("name_freq_pk.tsv")
    total = 1
    counts: dict[str, int] = {}
    titles: set[str] = set()
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("#names\t"):
            total = int(line.split("\t")[1])
            continue
        if not line.strip() or line.startswith("#"):
            continue
        part, count, is_title = line.split("\t")
        norm = normalize_name(part)
        for token, kind in zip(norm.tokens, norm.kinds, strict=True):
            if is_title == "1" or kind == "honorific":
                titles.add(token)
                continue
            # spellings of one family (Ahmad, Ahmed) add up under the canonical part
            counts[token] = counts.get(token, 0) + int(count)
    return total, counts, frozenset(titles)


@lru_cache(maxsize=65536)
def part_share(token: str) -> float:
    """Share of the population's names that carry this canonical part. A part the table
    does not hold is read through the spellings it stands for, so that an Urdu "khld" or a
    "Mubarok" is as common as Khalid or Mubarak: an unvowelled part by the consonants Arabic
    script writes, a Latin one by its transliteration skeleton, a compound (Sanaullah,
    Hayat Ullah written as one) by its head as well; 0 when nothing matches."""
    total, counts, _ = _population()
    count = counts.get(token, 0)
    if count < KNOWN_COUNT and token.isalpha() and len(token) >= 2:
        by_script, by_skeleton = _spelling_counts()
        if not _VOWEL_RE.search(token):
            n, spelling = by_script.get(script_key(token), (0, ""))
            if not _is_nisba(token, spelling):
                count = max(count, n)
        else:
            n, spelling = by_skeleton.get(skeleton(token), (0, ""))
            # a skeleton is loose ("meddie" and "muhammad" both give "md"): only a spelling
            # letter for letter close to the population's one takes its count, and never
            # the name a nisba is made of (Ahmadi is a surname of its own, not Ahmad)
            if OSA.normalized_similarity(token, spelling) >= SKELETON_SIMILARITY and not (
                _is_nisba(token, spelling)
            ):
                count = max(count, n)
    for end in _COMPOUND_ENDINGS:
        if token.endswith(end) and len(token) > len(end) + 2:
            count = max(count, int(part_share(token[: -len(end)]) * total))
            break
    return min(1.0, count / total)


_VOWEL_RE = re.compile(r"[aeiou]")


def _is_nisba(token: str, spelling: str) -> bool:
    """`token` is `spelling` with the nisba ending -i that makes another name of it
    (Ahmadi of Ahmad, Jamali of Jamal, Hussaini of Hussain; Urdu "ahmdy" of Ahmad)."""
    return (
        len(spelling) >= 4
        and token.endswith(("i", "y"))  # ye, as Urdu spellings write it: "ahmdy"
        and spelling[-1] not in "aeiouy"  # a name ending in a consonant takes the -i
        and skeleton(token[:-1]) == skeleton(spelling)
    )


#: Endings of compound given names whose head is also a name of its own (Sana, Sanaullah).
_COMPOUND_ENDINGS = ("ullah", "uddin", "udin")


@lru_cache(maxsize=1)
def _spelling_counts() -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, str]]]:
    """Population counts by script consonants and by skeleton: the commonest part each key
    stands for and its count (the most common spelling, not a sum, so a loose key does not
    inflate)."""
    _, counts, titles = _population()
    by_script: dict[str, tuple[int, str]] = {}
    by_skeleton: dict[str, tuple[int, str]] = {}
    for part, n in counts.items():
        if part in titles or not part.isalpha() or len(part) < 3:
            continue
        for table, key in ((by_script, script_key(part)), (by_skeleton, skeleton(part))):
            if key and n > table.get(key, (0, ""))[0]:
                table[key] = (n, part)
    return by_script, by_skeleton


@lru_cache(maxsize=1)
def common_parts() -> frozenset[str]:
    """Name parts so common among customers that sharing them says little; never titles."""
    total, counts, titles = _population()
    return frozenset(t for t, n in counts.items() if n / total >= COMMON_SHARE and t not in titles)


@lru_cache(maxsize=1)
def known_names() -> frozenset[str]:
    """Parts that are real names in the population (seen `KNOWN_COUNT` times or more)."""
    _, counts, titles = _population()
    return frozenset(t for t, n in counts.items() if n >= KNOWN_COUNT and len(t) >= 3) - titles


#: Prefixes that make one given name with the part after them ("Abdul Baqi", "Abdur Rauf"):
#: they say nothing beyond that part, so next to it they count as carried by every name.
COMPOUND_PREFIXES = frozenset({"abd"})


def combination_share(parts: list[tuple[str, str]]) -> float:
    """Expected share of names carrying all these matched parts, each pair (query spelling,
    listed spelling) counted by its commoner spelling, parts taken as independent; a compound
    prefix (Abdul) next to another part adds nothing, as "Abdul Bari" is one given name."""
    total, _, _ = _population()
    out = 1.0
    for a, b in parts:
        if len(parts) > 1 and (a in COMPOUND_PREFIXES or b in COMPOUND_PREFIXES):
            continue
        out *= max(part_share(a), part_share(b), UNSEEN_COUNT / total)
    return out
