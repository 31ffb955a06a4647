"""Name normalisation: fold, transliterate, collapse spelling families, classify name parts.

Everything a comparison needs is computed once per name here, so scoring compares short
canonical tokens. The vocabularies are data files in `cftwatch/screening/data/`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from anyascii import anyascii
from rapidfuzz.distance import OSA

__all__ = [
    "MAX_NAME_CHARS",
    "NormalizedName",
    "acronym_expansions",
    "consonants",
    "fold_text",
    "name_forms",
    "normalize_name",
    "skeleton",
]

#: Longer input is cut here: no real name is longer, and it bounds the work per query.
MAX_NAME_CHARS = 300

_TOKEN_RE = re.compile(r"[a-z0-9]+")
_ARABIC_RE = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+")


def _data_lines(name: str) -> list[list[str]]:
    text = resources.files("cftwatch.screening").joinpath("data").joinpath(name).read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(line.split("\t"))
    return rows


@lru_cache(maxsize=1)
def _families() -> dict[str, str]:
    """variant -> canonical spelling."""
    table: dict[str, str] = {}
    for row in _data_lines("families.tsv"):
        canon = row[0].strip()
        table.setdefault(canon, canon)
        for variant in row[1].split() if len(row) > 1 else []:
            table.setdefault(variant.replace("'", ""), canon)
    return table


@lru_cache(maxsize=1)
def _word_kinds() -> dict[str, str]:
    return {row[0].strip(): row[1].strip() for row in _data_lines("titles.tsv") if len(row) > 1}


@lru_cache(maxsize=1)
def _script_words() -> dict[str, str]:
    return {row[0].strip(): row[1].strip() for row in _data_lines("script_words.tsv")}


@lru_cache(maxsize=1)
def _acronyms() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for row in _data_lines("acronyms.tsv"):
        table.setdefault(row[0].strip(), []).append(row[1].strip())
    return table


def acronym_expansions(token: str) -> list[str]:
    """Organisation names an acronym (JeM, LeT) stands for."""
    return _acronyms().get(token.lower(), [])


def _transliterate_arabic(match: re.Match[str]) -> str:
    words = _script_words()
    out = []
    for word in match.group(0).split():
        if word in words:
            out.append(words[word])
        elif word.startswith(("ال", "أل")) and word[2:] in words:
            out.append(words[word[2:]])
        elif word.startswith(("ال", "أل")) and len(word) > 3:
            out.append("al " + anyascii(word[2:]))  # the article, written onto the word
        else:
            out.append(anyascii(word))
    return " ".join(out)


def fold_text(text: str) -> str:
    """Unicode-fold and transliterate to lower-case ASCII (Arabic script via a word table)."""
    text = unicodedata.normalize("NFKC", text)
    # Symbols, emoji and control characters are not part of a name.
    text = "".join(" " if unicodedata.category(ch)[0] in "SC" else ch for ch in text)
    if _ARABIC_RE.search(text):
        text = _ARABIC_RE.sub(lambda m: " " + _transliterate_arabic(m) + " ", text)
    text = anyascii(text).lower()
    # Apostrophes and ayn/hamza marks inside names are dropped, not split on: Mas'ud == Masud.
    return re.sub(r"['`\u2019\u02bc]", "", text)


_SKEL_MAP = str.maketrans({"q": "k", "c": "k", "z": "s", "v": "w", "o": "u", "e": "i", "y": "i"})


@lru_cache(maxsize=65536)
def skeleton(token: str) -> str:
    """Transliteration-tolerant key: first letter + consonants, similar sounds merged, no doubles."""
    t = token.translate(_SKEL_MAP).replace("kh", "k").replace("ph", "f").replace("th", "t")
    t = t.replace("gh", "g").replace("dh", "d").replace("sh", "s").replace("ck", "k")
    if not t:
        return ""
    return _merge_repeats(t[0], re.sub(r"[aiuh]", "", t[1:]))


_LONG_VOWELS_RE = re.compile(r"[aeiouwyh]")


@lru_cache(maxsize=65536)
def consonants(token: str) -> str:
    """First letter and the consonants after it, vowels and the letters that write long
    vowels (w, y, h) dropped, doubles merged: "muhammad" and "mhmd" both give "mmd"."""
    return _merge_repeats(token[:1], _LONG_VOWELS_RE.sub("", token[1:]))


def _merge_repeats(head: str, rest: str) -> str:
    out = head
    for ch in rest:
        if ch != out[-1]:
            out += ch
    return out


_ATTACHED_PREFIXES = ("abdul", "abdel", "abdal", "abdur", "abdus", "abd")


@lru_cache(maxsize=65536)
def _split_attached(token: str) -> tuple[str, ...]:
    """Split connectors written into a word: Abdulrahman, Alqaida, Lashkaretaiba-style joins."""
    fam = _families()
    if token in fam or len(token) < 5:
        return (token,)
    if token.startswith("abd") and _near_abd_family(token):
        return (token,)  # "Abdllah" is a misspelt Abdullah, not Abd + "llah"
    for prefix in _ATTACHED_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 3:
            return ("abd", token[len(prefix) :])
    if token[:2] in ("al", "el") and len(token) >= 6 and token[2:] in fam:
        return (token[2:],)
    return (token,)


@lru_cache(maxsize=1)
def _abd_names() -> tuple[str, ...]:
    """Spellings of whole names that begin with Abd (Abdullah, Abdallah, Abdulla)."""
    return tuple(v for v, c in _families().items() if v.startswith("abd") and c != "abd")


def _near_abd_family(token: str) -> bool:
    return any(
        abs(len(v) - len(token)) <= 1 and OSA.distance(v, token, score_cutoff=1) <= 1
        for v in _abd_names()
    )


_PAREN_RE = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_FORM_LABEL_RE = re.compile(r"^\s*(?:original script|also|a\.?k\.?a\.?)\s*:?\s*", re.I)


def name_forms(name: str) -> list[str]:
    """The other forms a name written with a parenthesised alternative stands for.

    Lists and customer files write "Akrin Saleh Akrin (أقرين صالح أقرين)",
    "MUHAMMAD JAMAL NETWORK (MJN)" or "Abu Muhammad (original script: Абу Мухаммад)": the name
    outside the brackets and each bracketed part (without a label such as "original script:")
    are screened as names of their own, next to the whole."""
    if "(" not in name and "[" not in name:
        return []
    outside = " ".join(_PAREN_RE.sub(" ", name).split())
    inside = [_FORM_LABEL_RE.sub("", m).strip() for m in _PAREN_RE.findall(name)]
    forms = [outside, *inside]
    return [f for f in dict.fromkeys(forms) if f and f != name and _TOKEN_RE.search(fold_text(f))]


def _canonical(token: str) -> str:
    return _families().get(token, token)


@dataclass(frozen=True)
class NormalizedName:
    """A name ready to compare: canonical tokens, what each one is, and the keys to block on."""

    original: str
    tokens: tuple[str, ...]
    kinds: tuple[str, ...]  # name | honorific | generic | initial
    acronym: str = ""
    expansions: tuple[NormalizedName, ...] = field(default=(), compare=False)

    @property
    def is_empty(self) -> bool:
        return not self.tokens

    @property
    def core_tokens(self) -> tuple[str, ...]:
        """Tokens that identify someone: no honorifics or generic words."""
        return tuple(t for t, k in zip(self.tokens, self.kinds, strict=True) if k == "name")

    @property
    def key(self) -> str:
        return " ".join(sorted(self.tokens))


def normalize_name(name: object) -> NormalizedName:
    """Normalise any input: a non-string, empty or unreadable name gives an empty result."""
    if not isinstance(name, str):
        if isinstance(name, bytes):
            name = name.decode("utf-8", errors="replace")
        else:
            return NormalizedName(original="", tokens=(), kinds=())
    return _normalize(name[: MAX_NAME_CHARS * 4])


@lru_cache(maxsize=131072)
def _normalize(name: str, expand: bool = True) -> NormalizedName:
    folded = fold_text(name)[:MAX_NAME_CHARS]
    kinds_table = _word_kinds()
    tokens: list[str] = []
    kinds: list[str] = []
    raw = _TOKEN_RE.findall(folded)
    for raw_token in raw:
        for part in _split_attached(raw_token):
            canon = _canonical(part)
            kind = kinds_table.get(canon, "name")
            if kind == "connector":
                continue
            if len(canon) == 1 and canon.isalpha():
                kind = "initial"
            tokens.append(canon)
            kinds.append(kind)
    acronym = ""
    if len(tokens) >= 2:
        acronym = "".join(t[0] for t, k in zip(tokens, kinds, strict=True) if k != "generic")
    expansions: tuple[NormalizedName, ...] = ()
    if expand and len(raw) == 1 and acronym_expansions(raw[0]):
        expansions = tuple(_normalize(e, False) for e in acronym_expansions(raw[0]))
    if expand:
        for form in name_forms(name):
            alt = _normalize(form, True)
            expansions += tuple(e for e in (alt, *alt.expansions) if not e.is_empty)
    return NormalizedName(name, tuple(tokens), tuple(kinds), acronym, expansions)
