"""Character-level cleaning before a name is folded: invisible characters, look-alike letters
from other scripts, and the letter variants of Arabic and Urdu script.

Kept apart from `normalize` because each step reports what it removed or replaced: a name
that needed it is worth telling the analyst about ("zero-width space removed").
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_characters", "fold_arabic_letters", "urdu_reading"]

#: Invisible characters that split or hide a name without showing: zero-width space,
#: non-joiner and joiner, word joiner, soft hyphen, BOM, bidi embeddings/isolates/marks,
#: Mongolian vowel separator, invisible operators.
_INVISIBLE_NAMES = {
    "\u00ad": "soft hyphen",
    "\u034f": "combining grapheme joiner",
    "\u061c": "Arabic letter mark",
    "\u115f": "Hangul filler",
    "\u1160": "Hangul filler",
    "\u180e": "Mongolian vowel separator",
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\u2060": "word joiner",
    "\u2061": "invisible operator",
    "\u2062": "invisible operator",
    "\u2063": "invisible operator",
    "\u2064": "invisible operator",
    "\ufeff": "zero-width no-break space",
    "\u3164": "Hangul filler",
}
for _cp in range(0x202A, 0x202F):
    _INVISIBLE_NAMES[chr(_cp)] = "bidi control"
for _cp in range(0x2066, 0x206A):
    _INVISIBLE_NAMES[chr(_cp)] = "bidi control"
for _cp in range(0xFE00, 0xFE10):
    _INVISIBLE_NAMES[chr(_cp)] = "variation selector"

#: Cyrillic and Greek letters drawn like Latin ones; replaced only inside a word that also
#: has Latin letters (a wholly Cyrillic name is transliterated, not read as Latin).
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g",
        "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
        "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ї": "I",
        "Ј": "J", "Һ": "H", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W",
        # Greek
        "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
        "υ": "u", "χ": "x", "ϲ": "c",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip
_CONFUSABLE_CHARS = frozenset(chr(c) for c in _CONFUSABLES)
_WORD_RE = re.compile(r"\w+")
_LATIN_RE = re.compile(r"[A-Za-z]")


def clean_characters(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` without invisible characters and with look-alike letters made Latin, and a
    sentence for each kind of change made (empty when the text was clean)."""
    stripped: dict[str, int] = {}
    replaced = 0
    if any(ch in _INVISIBLE_NAMES for ch in text):
        kept = []
        for ch in text:
            what = _INVISIBLE_NAMES.get(ch)
            if what is None:
                kept.append(ch)
            else:
                stripped[what] = stripped.get(what, 0) + 1
        text = "".join(kept)
    if any(ch in _CONFUSABLE_CHARS for ch in text):
        count = 0

        def _latinise(match: re.Match[str]) -> str:
            nonlocal count
            word = match.group(0)
            if not _LATIN_RE.search(word):
                return word
            fixed = word.translate(_CONFUSABLES)
            count += sum(a != b for a, b in zip(word, fixed, strict=True))
            return fixed

        text = _WORD_RE.sub(_latinise, text)
        if count:
            replaced = count
    notes = [f"{n} {what}{'s' if n > 1 else ''} removed" for what, n in stripped.items()]
    if replaced:
        plural = "s" if replaced > 1 else ""
        notes.append(f"{replaced} look-alike Cyrillic/Greek letter{plural} read as Latin")
    return text, tuple(notes)


#: Arabic-script letters with one reading written differently in Arabic, Persian and Urdu
#: (yeh, kaf, heh, teh marbuta, hamza carriers), folded to the Urdu form so a word table
#: entry matches every spelling.
_ARABIC_LETTERS = str.maketrans(
    {
        "ي": "ی", "ى": "ی", "ئ": "ی", "ێ": "ی",
        "ك": "ک", "ڪ": "ک",
        "ه": "ہ", "ە": "ہ", "ۀ": "ہ", "ۂ": "ہ",
        "ة": "ہ", "ۃ": "ہ",
        "أ": "ا", "إ": "ا", "ٱ": "ا", "آ": "ا",
        "ؤ": "و",
    }
)  # fmt: skip
#: Letters read differently in Urdu, Persian and Pashto than in Arabic, read the way the
#: lists' Latin spellings of South Asian and Afghan names write them: ث Saqib (not Thaqib),
#: ذ ظ ض Zahir, Zakir, Zia (not Dh-), ص Sadiq.
_URDU_READING = str.maketrans({"ث": "س", "ذ": "ز", "ظ": "ز", "ض": "ز", "ص": "س"})

#: Short-vowel marks, shadda, izafat kasra, superscript alif and the tatweel stretch.
_ARABIC_MARKS_RE = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")


def fold_arabic_letters(word: str) -> str:
    """An Arabic-script word with its letter variants folded and its vowel marks removed."""
    word = unicodedata.normalize("NFC", word)
    return _ARABIC_MARKS_RE.sub("", word).translate(_ARABIC_LETTERS)


def urdu_reading(word: str) -> str:
    """A folded word with the letters Urdu reads differently from Arabic replaced by the
    letter of their Urdu sound (for letter-by-letter transliteration only)."""
    return word.translate(_URDU_READING)
