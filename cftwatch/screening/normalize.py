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

from cftwatch.screening.chars import clean_characters, fold_arabic_letters, urdu_reading

__all__ = [
    "MAX_NAME_CHARS",
    "NormalizedName",
    "acronym_expansions",
    "consonants",
    "fold_text",
    "is_place_word",
    "name_forms",
    "normalize_name",
    "script_key",
    "skeleton",
    "split_place_words",
    "unvowelled",
]

#: Longer input is cut here: no real name is longer, and it bounds the work per query.
MAX_NAME_CHARS = 300

_TOKEN_RE = re.compile(r"[a-z0-9]+")
_ARABIC_CHARS = "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"
#: A run of Arabic-script words (with the spaces between them, for two-word table entries).
_ARABIC_RE = re.compile(f"[{_ARABIC_CHARS}]+(?:[ \t]+[{_ARABIC_CHARS}]+)*")


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
    """Arabic-script word (letter variants folded) -> Latin; two-word entries too."""
    return {
        fold_arabic_letters(row[0].strip()): row[1].strip()
        for row in _data_lines("script_words.tsv")
        if len(row) > 1
    }


@lru_cache(maxsize=1)
def _script_letters() -> dict[str, str]:
    """Arabic-script name of a Latin letter (letter variants folded) -> the letter."""
    return {
        fold_arabic_letters(row[0].strip()): row[1].strip()
        for row in _data_lines("script_letters.tsv")
        if len(row) > 1
    }


def _letter_run(raw: list[str], i: int) -> int:
    """End of the run of letter names starting at `i` (`i` itself when there is none)."""
    letters, j = _script_letters(), i
    while j < len(raw) and raw[j] in letters:
        j += 1
    return j


@lru_cache(maxsize=1)
def _compound_words() -> frozenset[str]:
    """Organisation words that are written joined to a connector or to the next word."""
    text = resources.files("cftwatch.screening").joinpath("data").joinpath("compound_words.txt")
    lines = [ln for ln in text.read_text("utf-8").splitlines() if not ln.startswith("#")]
    return frozenset(" ".join(lines).split())


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    """Words a joined token may be split into: spelling families, titles, common name
    parts and organisation words (both sides of a split must be one of these)."""
    text = resources.files("cftwatch.screening").joinpath("data").joinpath("split_words.txt")
    lines = [ln for ln in text.read_text("utf-8").splitlines() if not ln.startswith("#")]
    words = set(_families()) | set(_word_kinds()) | set(" ".join(lines).split())
    words |= _compound_words()
    return frozenset(w for w in words if len(w) >= 3 and w.isalpha())


@lru_cache(maxsize=1)
def _acronyms() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for row in _data_lines("acronyms.tsv"):
        table.setdefault(row[0].strip(), []).append(row[1].strip())
    return table


def acronym_expansions(token: str) -> list[str]:
    """Organisation names an acronym (JeM, LeT) stands for."""
    return _acronyms().get(token.lower(), [])


#: Arabic-script letters an initial vowel is written with: alif and ayn ("اسلم" Aslam,
#: "عمران" Imran) are read as a vowel there, never dropped.
_INITIAL_VOWEL_LETTERS = ("ا", "ع")


def _transliterate_word(word: str) -> str:
    words = _script_words()
    if word in words:
        return words[word]
    if word.startswith("عبدال") and len(word) > 6:
        return "abd " + _transliterate_word(word[5:])  # عبدالغفار: Abd al-Ghaffar
    if word.startswith("ال") and word[2:] in words:
        return words[word[2:]]
    if word.startswith("ال") and len(word) > 3:
        return "al " + _transliterate_word(word[2:])  # the article, written onto the word
    if word.endswith("اللہ") and len(word) > 4:
        return _transliterate_word(word[:-4]) + "ullah"  # a compound written as one word
    latin = anyascii(urdu_reading(word))
    if word.startswith(_INITIAL_VOWEL_LETTERS) and latin[:1].lower() not in "aeiou":
        latin = "a" + latin.lstrip("'`")
    return latin


def _transliterate_arabic(match: re.Match[str]) -> str:
    raw = [fold_arabic_letters(w) for w in match.group(0).split()]
    words = _script_words()
    out = []
    i = 0
    while i < len(raw):
        end = _letter_run(raw, i)
        if end - i >= 2 and len(set(raw[i:end])) >= 2:
            # an acronym spelt out letter by letter ("بی ایل اے", BLA): one word; one letter
            # name twice is a name ("بی بی", Bibi)
            out.append("".join(_script_letters()[w] for w in raw[i:end]))
            i = end
            continue
        pair = " ".join(raw[i : i + 2])
        if i + 1 < len(raw) and pair in words:
            out.append(words[pair])
            i += 2
            continue
        out.append(_transliterate_word(raw[i]))
        i += 1
    return " ".join(out)


def fold_text(text: str) -> str:
    """Unicode-fold and transliterate to lower-case ASCII (Arabic script via a word table)."""
    text = unicodedata.normalize("NFKC", text)
    # Invisible format characters (zero-width, soft hyphen, bidi) join; symbols, emoji and
    # control characters separate.
    text = clean_characters(text)[0]
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


_DIGRAPHS = (("sh", "S"), ("kh", "K"), ("gh", "G"), ("ch", "C"), ("th", "T"), ("dh", "D"))
_SCRIPT_KEY_MAP = str.maketrans("q", "k", "aeiouvwy")


@lru_cache(maxsize=65536)
def script_key(token: str) -> str:
    """The consonants Arabic script writes for a name part, in order, doubles merged: the
    digraphs sh/kh/gh/ch/th/dh kept as one letter, h kept, vowels and w/v/y (which also
    write long vowels) dropped, q read as k, an initial vowel kept as "A". "khld" and
    "khalid" both give "Kld"."""
    t = token
    for digraph, letter in _DIGRAPHS:
        t = t.replace(digraph, letter)
    # an initial vowel is written (alif or ayn): Akbar is not Kabir, Amir is not Mir
    head = "A" if t[:1] in ("a", "e", "i", "o", "u") else ""
    return head + _merge_repeats_key(t.translate(_SCRIPT_KEY_MAP))


def _merge_repeats_key(text: str) -> str:
    out = ""
    for ch in text:
        if not out or ch != out[-1]:
            out += ch
    return out


_VOWEL_LETTERS_RE = re.compile(r"[aeiou]")


@lru_cache(maxsize=65536)
def unvowelled(token: str) -> bool:
    """A name part with no vowel letter, as unvowelled Arabic script transliterates (an
    initial alif or ayn read as "a" aside: "akbr", "asghr")."""
    if len(token) < 2 or not token.isalpha():
        return False
    rest = token[1:] if token[0] == "a" and len(token) >= 3 else token
    return not _VOWEL_LETTERS_RE.search(rest)


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
    if token[:2] in ("al", "el") and len(token) >= 6 and token[2:] in _known_words():
        return _split_attached(token[2:])
    if token[:2] in ("al", "el") and len(token) >= 8 and token[2] not in "aeioul":
        # the Arabic article written onto a long word ("Alharamain"): a consonant follows
        # it, never a vowel or l (Alexander, Allahdad stay whole)
        return _split_attached(token[2:])
    return _split_joined(token) or (token,)


#: Connectors written between the words of a joined organisation name ("Lashkar-e-Taiba"
#: as "Lashkaretaiba", "Hizb-ul-Mujahideen" as "Hizbulmujahideen"); "" for plain joins.
_JOINING_CONNECTORS = ("ul", "ud", "ur", "us", "ut", "un", "e", "i", "")


def _split_joined(token: str) -> tuple[str, ...] | None:
    """A joined token split where both sides are known words, or a known organisation word
    with its connector attached ("hizbul" -> "hizb"); None when no such split exists."""
    if token in _known_words() or len(token) < 5:
        return None
    compound, known = _compound_words(), _known_words()
    for connector in ("ul", "ud", "ur", "e"):
        stem = token[: -len(connector)]
        if token.endswith(connector) and (stem in compound or (connector != "e" and stem in known)):
            return (stem,)
    if len(token) < 7:
        return None
    for cut in range(len(token) - 3, 2, -1):
        left = token[:cut]
        if left not in known:
            continue
        for connector in _JOINING_CONNECTORS:
            right = token[cut + len(connector) :]
            if not token.startswith(connector, cut) or len(right) < 3:
                continue
            if right in known:
                return (left, right)
            rest = _split_joined(right)
            if rest is not None:
                return (left, *rest)
    return None


#: Connectors before "din" in a compound name (Jalal-ud-Din, Salah al-Din, Nasir ud Din).
_DIN_CONNECTORS = frozenset({"ud", "ul", "al", "el", "ad", "ed", "u", "uddin"})
_DIN_SUFFIX_RE = re.compile(
    r"^([a-z]{3,}?)(?:uddin|uddine|uddeen|udeen|udin|uldin|aldin|eldin|eddin|eddine|addin|oudine|oudin)$"
)
_ULLAH_SUFFIX_RE = re.compile(r"^([a-z]{3,}?)(?:ullah|ulla|ullahh|allah|ollah)$")
_ULLAH_WORDS = frozenset({"ullah", "ulla", "allah", "ullha"})


def _join_compounds(raw: list[str]) -> list[str]:
    """Compound names written split or joined, to one token: "Sana Ullah" and "Sanaullah"
    give sanaullah, "Jalal-ud-Din", "Jalal uddin" and "Jalaluddin" give jalaluddin."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        token = raw[i]
        prev = out[-1] if out else ""
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if prev.isalpha() and len(prev) >= 2 and token in _ULLAH_WORDS:
            out[-1] = "abdullah" if prev in ("abd", "abdul", "abdu") else prev + "ullah"
        elif (
            prev.isalpha()
            and len(prev) >= 3
            and token in _DIN_CONNECTORS
            and nxt in ("din", "deen", "dine")
        ):
            out[-1] = prev + "uddin"
            i += 1
        elif (
            prev.isalpha()
            and len(prev) >= 3
            and token in ("uddin", "uddeen", "aldin", "eddin", "eddine")
        ):
            out[-1] = prev + "uddin"
        else:
            out.append(_compound_suffix(token))
        i += 1
    return out


def _compound_suffix(token: str) -> str:
    """One spelling for the -uddin and -ullah endings of a joined compound."""
    if token in _families():
        return token
    m = _DIN_SUFFIX_RE.match(token)
    if m:
        return m.group(1) + "uddin"
    m = _ULLAH_SUFFIX_RE.match(token)
    if m and m.group(1) not in ("abd", "abdul", "abdu"):
        return m.group(1) + "ullah"
    return token


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


#: A capital inside a word after two small letters starts a new word: "LashkareTayyaba",
#: "HafizSaeed" (not "McDonald").
_CAMEL_RE = re.compile(r"(?<=[a-z]{2})(?=[A-Z][a-z]{2})")


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
    #: What character cleaning removed or replaced ("1 zero-width space removed"), for the
    #: explanation; empty for a clean name.
    stripped: tuple[str, ...] = field(default=(), compare=False)

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
    name, stripped = clean_characters(name)
    folded = fold_text(_CAMEL_RE.sub(" ", name))[:MAX_NAME_CHARS]
    kinds_table = _word_kinds()
    tokens: list[str] = []
    kinds: list[str] = []
    raw = _TOKEN_RE.findall(folded)
    for raw_token in _join_compounds(raw):
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
    return NormalizedName(name, tuple(tokens), tuple(kinds), acronym, expansions, stripped)


@lru_cache(maxsize=1)
def _place_words() -> frozenset[str]:
    text = resources.files("cftwatch.screening").joinpath("data").joinpath("places.txt")
    lines = [ln for ln in text.read_text("utf-8").splitlines() if not ln.startswith("#")]
    return frozenset(" ".join(lines).split())


def is_place_word(word: str) -> bool:
    """A country, region or city word (places.txt) as written in a name."""
    tokens = _TOKEN_RE.findall(fold_text(word))
    return bool(tokens) and all(t in _place_words() for t in tokens)


def split_place_words(name: str) -> tuple[str, tuple[str, ...]]:
    """An organisation query without the place words it ends with, and those words:
    "Al Rasheed Trust Karachi" -> ("Al Rasheed Trust", ("Karachi",)). A name that is only
    place words, whose rest has no name part or ends in "of", is returned whole."""
    words = name.split()
    places: list[str] = []
    while len(words) > 1 and is_place_word(words[-1]):
        places.insert(0, words.pop())
    rest = " ".join(words)
    tail = _TOKEN_RE.findall(fold_text(words[-1]))
    if tail and tail[-1] in ("of", "the", "and", "for", "in", "de", "du", "e", "i"):
        return name, ()  # "Bank of Punjab": the place is the name's own
    if not places or not normalize_name(rest).core_tokens:
        return name, ()
    return rest, tuple(places)
