"""The KYC-record mode of the screening quality benchmark (issue 17; task 17L).

On the name alone the cross-list and decoy targets cannot both hold: most remaining decoy
alerts are real people who carry a listed person's exact full name (Zafar Iqbal, Amir
Hamza), and most remaining cross-list misses are listed names made only of common parts,
capped until something beyond the name agrees. A KYC or payment record carries more than the
name: a birth date, often a nationality. In this mode every query carries what such a record
would, taken from material the scorer does not see:

* a cross-list query (a name of one list's entry, screened against the *other* lists'
  entries) carries that entry's own kind (person or organisation), first listed birth date
  and nationality, from its own list file (a range, `1957/1959`: its middle year), never
  the target entry's;
* a decoy (a real Pakistani name) carries its kind (a person, or a business for the
  PSX-listed companies), and a person nationality PK and a birth date drawn, seeded by the
  name, from `ADULT_AGE_BANDS` on `REFERENCE_DATE`.

The name-only figures are printed next to these, never replaced by them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any

__all__ = ["ADULT_AGE_BANDS", "REFERENCE_DATE", "decoy_record", "listed_record"]

#: The date the decoys' ages are counted back from.
REFERENCE_DATE = dt.date(2026, 1, 1)
#: (youngest age, oldest age, share) of adult account holders: approximate, rounded shares
#: of Pakistan's adult (18+) population by age band, which is young (the census's age
#: pyramid); uniform within a band. A documented assumption, not a fitted model.
ADULT_AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (18, 24, 0.22),
    (25, 34, 0.27),
    (35, 44, 0.19),
    (45, 54, 0.14),
    (55, 64, 0.09),
    (65, 79, 0.07),
    (80, 90, 0.02),
)
SEED = "cftwatch-kyc-decoys-1"


def decoy_record(name: str, form: str) -> tuple[str, str | None, str | None]:
    """(kind, birth date YYYY-MM-DD, nationality) for a decoy of `form` (person,
    person_urdu, business), the same on every run; a business has no birth date."""
    if form == "business":
        return "organization", None, None
    rng = random.Random(hashlib.sha256(f"{SEED}|{name}".encode()).digest())
    lo, hi, _ = rng.choices(ADULT_AGE_BANDS, weights=[b[2] for b in ADULT_AGE_BANDS])[0]
    age_days = rng.randint(lo * 365, (hi + 1) * 365 - 1)
    return "person", (REFERENCE_DATE - dt.timedelta(days=age_days)).isoformat(), "PK"


_ORGS = {"Organization", "LegalEntity", "Company"}


def listed_record(entity: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(kind, birth date, nationality) a KYC record of this listed subject would carry, from
    the entry's own schema, first listed date and nationality (None where it has none)."""
    schema = entity.get("schema") or ""
    kind = "person" if schema == "Person" else "organization" if schema in _ORGS else None
    birth: str | None = None
    for dob in entity.get("birth_dates") or []:
        value = str(dob.get("value") or "")
        if "/" in value:  # a range: its middle year
            a, b = value.split("/", 1)
            if a[:4].isdigit() and b[:4].isdigit():
                birth = str((int(a[:4]) + int(b[:4])) // 2)
        elif value[:4].isdigit():
            birth = value
        if birth:
            break
    countries = [c for c in entity.get("nationalities") or [] if c]
    return kind, birth, (countries[0] if countries else None)
