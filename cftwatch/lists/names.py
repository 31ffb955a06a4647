"""List name text made into names: what official lists write into a name field besides
the name.

UN, OFAC, UK and EU name fields carry qualifiers in brackets ("AL-HARAMAIN FOUNDATION
(PAKISTAN)"), birth details ("Mohammad Ishaq Akhund born in 1963"), fathers ("Abdul Haq son
of M. Anwar Khan"), several names packed into one alias ("Azim Adhajani; Azim Agha-Jani"),
acronyms and original-script forms in brackets, and ranks ("Col."). Indexed as they stand,
"PAKISTAN" or "born" become name parts that customers match. `clean_listed_name` splits the
text into the names it holds and the facts around them; the parser keeps the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cftwatch.lists.countries import ISO_NAMES, country_code

__all__ = ["ListedNameText", "clean_listed_name"]


@dataclass
class ListedNameText:
    """What one listed name field holds: names (the first is the field's own), a country
    qualifier, fathers' names, birth years and the words that were remarks, not names."""

    original: str
    names: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    father_names: list[str] = field(default_factory=list)
    birth_years: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.names != [self.original]


#: Ranks and titles written before a listed name; not name parts.
_RANK_RE = re.compile(
    r"^(?:(?:lt|lieut|col|brig|gen|maj|capt|cdr|adm|sgt|cpl|dr|prof|engr)\.\s*)+", re.I
)
_FATHER_RE = re.compile(r"\s+(?:son of|daughter of|s/o|d/o|ولد)\s+", re.I)
_BORN_RE = re.compile(r"[,;]?\s+(?:born|b\.)\s+(?:in|on)?\b", re.I)
_YEAR_RE = re.compile(r"\b(1[89]\d\d|20[0-4]\d)\b")
#: Separators of names packed into one field: ";", "also known as", "b)", and a slash with
#: spaces around it ("AL-ITIHAAD AL-ISLAMIYA / AIAI"; "S/O" has none).
_PACKED_RE = re.compile(
    r"\s*;\s*|\s*,?\s+(?:also known as|a\.k\.a\.?|aka|alias|f\.k\.a\.?)\s+|\s+\b[b-h]\)\s+"
    r"|\s+/\s+",
    re.I,
)
#: Bracketed words that describe the name instead of being one.
_REMARK_WORDS = re.compile(
    r"\b(?:birth name|combat name|nom de guerre|formerly|previously|former|third|second|"
    r"junior|senior|false|identity|passport|number|issued|born|deceased|"
    r"branch|office|nickname|kunya|maiden|late|shaheed|marhoom)\b",
    re.I,
)
#: Bracketed words that belong in the name where they stand: legal forms ("ABC (Pvt) Ltd",
#: "(SMC-Pvt)"), single letters ("Pakistan Muslim League (N)").
_INLINE_RE = re.compile(
    r"^(?:pvt|private|smc[- ]?pvt|ltd|limited|guarantee|gte|llc|plc|inc|[a-z0-9])\.?$", re.I
)
_LABEL_RE = re.compile(r"^\s*(?:original script|also|a\.?k\.?a\.?)\s*:?\s*", re.I)


def _split_brackets(text: str) -> tuple[str, list[str]]:
    """The text outside top-level brackets, and each top-level bracketed part (nested
    brackets stay inside their part; a legal form or a letter stays in the text)."""
    outside, parts, depth, current = [], [], 0, []
    for ch in text:
        if ch in "([":
            if depth:
                current.append(ch)
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
            if depth:
                current.append(ch)
            elif _INLINE_RE.match("".join(current).strip()):
                outside.append(" " + "".join(current).strip() + " ")
                current = []
            else:
                parts.append("".join(current))
                current = []
        elif depth:
            current.append(ch)
        else:
            outside.append(ch)
    if current:  # an unclosed bracket: its text is the name's own
        outside.append("".join(current))
    return " ".join("".join(outside).split()), parts


def _is_country(text: str) -> bool:
    code = country_code(text)
    return bool(code) and code in ISO_NAMES and len(text.strip()) > 2


def _read_bracket(part: str, out: ListedNameText) -> None:
    inner, nested = _split_brackets(part)
    labels = [n for n in nested if _REMARK_WORDS.search(n) or _LABEL_RE.match(n + ":")]
    inner = _LABEL_RE.sub("", " ".join(inner.split())).strip(" ,;")
    if not inner:
        return
    if _is_country(inner):
        out.countries.append(inner)
    elif (_REMARK_WORDS.search(inner) and not labels) or re.search(r"\d", inner):
        out.remarks.append(inner)
    else:
        for name in _PACKED_RE.split(inner):
            _add_name(name, out)


def _add_name(text: str, out: ListedNameText) -> None:
    """One name (maybe followed by birth details or a father) into `out`."""
    text = " ".join(text.split()).strip(" ,;:")
    born = _BORN_RE.search(text)
    if born and born.start() > 0:
        tail = text[born.start() :].strip(" ,;")
        out.birth_years.extend(_YEAR_RE.findall(tail))
        out.remarks.append(tail)
        text = text[: born.start()].strip(" ,;")
    father = _FATHER_RE.search(text)
    if father and father.start() > 0:
        out.father_names.append(text[father.end() :].strip(" ,;"))
        text = text[: father.start()].strip(" ,;")
    rank = _RANK_RE.match(text)
    if rank and rank.end() < len(text):
        out.remarks.append(rank.group(0).strip())
        text = text[rank.end() :]
    if text and text not in out.names:
        out.names.append(text)


def clean_listed_name(text: str) -> ListedNameText:
    """The names and facts in one listed name field (see the module docstring); text with
    nothing to clean comes back as its only name."""
    out = ListedNameText(text)
    if not text:
        return out
    outside, parts = _split_brackets(text)
    for name in _PACKED_RE.split(outside) if outside else []:
        _add_name(name, out)
    for part in parts:
        _read_bracket(part, out)
    if not out.names:  # only a bracket, or only a qualifier: keep the text as listed
        out.names.append(text)
    return out
