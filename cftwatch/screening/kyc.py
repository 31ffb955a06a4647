"""Name fields as KYC forms fill them: "HAFIZ MUHAMMAD SAEED S/O KAMAL DIN".

Pakistani and Gulf forms write the father's (or husband's) name into the name field after a
marker: S/O, D/O, W/O, "son of", "daughter of", "wife of", bin/bint. Screened as one name,
the father's parts dilute the subject's; parsed out, they are the father's-name evidence that
identity-based lists (NACTA's Fourth Schedule) need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["KycName", "kyc_name_and_father", "split_kyc_name"]

#: Markers that always introduce a relative's name.
_MARKER_RE = re.compile(
    r"""(?ix)
    (?:^|\s|,)
    (?P<marker>
        [sdw]\s*/\s*o\.? | [sdw]\.\s*o\.       # S/O, D/O, W/O, s.o.
      | son\s+of | daughter\s+of | wife\s+of | widow\s+of
      | walad | wald | ibn\s+e
    )
    (?=\s|$|[,:.-])
    """
)
#: bin/bint/ibn introduce a father's name only after a name of two or more words: in
#: "Osama bin Laden" they are part of the listed name.
_PATRONYM_RE = re.compile(r"(?i)(?:^|\s)(?P<marker>bin|bint|ibn|binti)(?=\s)")

_RELATIONS = {"s": "son", "d": "daughter", "w": "wife"}


@dataclass(frozen=True)
class KycName:
    """A name field split into the subject's name and the relative it names."""

    name: str
    relative: str | None = None
    relation: str | None = None  # son | daughter | wife | child
    original: str = ""

    @property
    def father_name(self) -> str | None:
        """The relative when it is the father (S/O, D/O, son of, bin); a husband is not."""
        return self.relative if self.relation in ("son", "daughter", "child") else None

    @property
    def was_split(self) -> bool:
        return self.relative is not None


def _relation(marker: str) -> str:
    m = marker.lower().strip()
    if m[0] in _RELATIONS and ("/" in m or "." in m):
        return _RELATIONS[m[0]]
    for word, relation in (("son", "son"), ("daughter", "daughter"), ("wife", "wife")):
        if m.startswith(word):
            return relation
    return "wife" if m.startswith("widow") else "child"


def _clean(part: str) -> str:
    return " ".join(part.strip(" ,:;.-").split())


def split_kyc_name(text: str | None) -> KycName:
    """The subject's name and the relative's name written after S/O, D/O, W/O, "son of",
    bin/bint. Text with no marker, or with nothing on one side of it, comes back whole.
    "W/O" names a husband: kept as `relative` with `relation="wife"`, not as the father."""
    if not isinstance(text, str) or not text.strip():
        return KycName("", original=text if isinstance(text, str) else "")
    m = _MARKER_RE.search(text)
    if m is None:
        m = _PATRONYM_RE.search(text)
        if m is not None and len(text[: m.start("marker")].split()) < 2:
            m = None
    if m is None:
        return KycName(" ".join(text.split()), original=text)
    name, rest = _clean(text[: m.start("marker")]), text[m.end("marker") :]
    # the relative's name ends at a further marker (grandfather) or a comma
    end = _MARKER_RE.search(rest) or _PATRONYM_RE.search(rest)
    relative = _clean(rest[: end.start("marker")] if end else rest.split(",")[0])
    if not name or not relative:
        return KycName(" ".join(text.split()), original=text)
    return KycName(name, relative, _relation(m.group("marker")), text)


def kyc_name_and_father(
    name: str | None, father_name: str | None = None, kind: str | None = None
) -> tuple[str, str | None]:
    """The name to screen and the father's name to check: a father's name given on its own
    wins; otherwise one written into a person's name field is parsed out of it."""
    text = name or ""
    if (kind or "").strip().lower() in ("organization", "organisation", "entity", "company"):
        return text, father_name
    parsed = split_kyc_name(text)
    if not parsed.was_split:
        return text, father_name
    return parsed.name, father_name or parsed.father_name
