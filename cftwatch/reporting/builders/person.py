"""`t_person` / `from_person` / `to_person` / a signatory's person: a party row (or just
the name on the transaction) as a goAML person."""

from __future__ import annotations

import datetime as dt
import re

from cftwatch.reporting.builders.base import BuildContext, Origins, Row
from cftwatch.reporting.model import Identification, Person, Phone

_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NATIONAL_IDS = ("cnic", "national_id", "nid", "nicop")

ORIGINS = Origins(
    element="t_person",
    model=Person,
    field="person",
    source="parties row of transactions.{role}_id",
    fields={
        "first_name": "parties.name (first word)",
        "middle_name": "parties.name (middle words)",
        "last_name": "parties.name, else transactions.{role}_name (last word)",
        "birthdate": "parties.birth_date (a full YYYY-MM-DD date)",
        "ssn": "parties.identifiers",
        "id_number": "parties.identifiers (cnic / national_id)",
        "passport_number": "parties.identifiers (passport)",
        "passport_country": "parties.nationality",
        "identifications": "parties.identifiers via profile identifier_types",
        "nationality1": "parties.nationality",
        "residence": "parties.country",
        "comments": "parties.father_name",
        "tax_number": "parties.identifiers (ntn / tax_id)",
        "occupation": "KYC (none in the canonical parties), else profile missing_kyc.text",
        "phones": "KYC (none in the canonical parties), else profile missing_kyc",
    },
)


def split_name(name: str) -> tuple[str | None, str | None, str | None]:
    """First, middle and last name from a full name in any script; joining the three with
    single spaces gives the name back (whitespace runs collapse to one space)."""
    tokens = name.split()
    if not tokens:
        return None, None, None
    if len(tokens) == 1:
        return None, None, tokens[0]
    middle = " ".join(tokens[1:-1]) or None
    return tokens[0], middle, tokens[-1]


def build_person(
    ctx: BuildContext, path: str, party: Row | None, name: str | None, my_client: bool
) -> Person:
    """The person at `path`; without a party row, only the name the transaction carries."""
    full = (party or {}).get("name") or name or ""
    first, middle, last = split_name(full)
    person = Person(
        my_client=my_client,
        party_id=(party or {}).get("party_id"),
        first_name=first,
        middle_name=middle,
        last_name=last,
    )
    if not full:
        ctx.notes[f"{path}.last_name"] = "no party row and no name on the transaction"
    if party is None:
        return person
    _birthdate(ctx, path, person, party.get("birth_date"))
    person.nationality1 = party.get("nationality")
    person.residence = party.get("country")
    father = party.get("father_name")
    if father:
        person.comments = f"Father's name: {father}"
    _identifiers(ctx, person, party)
    if my_client and not (person.id_number or person.passport_number or person.ssn):
        ctx.notes[f"{path}.id_number"] = "parties.identifiers has no CNIC, national id or passport"
    if my_client:
        _client_kyc(ctx, path, person, party)
    return person


def _client_kyc(ctx: BuildContext, path: str, person: Person, party: Row) -> None:
    """What goAML 5.0.1 makes mandatory for a my-client person beyond the name: the ssn
    (the profile's `ssn_identifier_types`), and occupation and a phone, which the
    canonical data does not hold: the profile's `missing_kyc` fills those, listed in
    `placeholders`; without it they stay empty and validation names them."""
    if person.ssn is None:
        wanted = {t.lower() for t in ctx.profile.ssn_identifier_types}
        for ident in party.get("identifiers") or []:
            if (ident.get("type") or "").lower() in wanted and ident.get("value"):
                person.ssn = str(ident["value"])[:25]
                break
        else:
            ctx.notes[f"{path}.ssn"] = (
                f"parties.identifiers has none of {sorted(wanted)} (profile ssn_identifier_types)"
            )
    kyc = ctx.profile.missing_kyc
    if kyc is None:
        return
    if person.occupation is None:
        person.occupation = kyc.text
        ctx.placeholders[f"{path}.occupation"] = "profile missing_kyc.text"
    if not person.phones:
        person.phones.append(
            Phone(
                tph_contact_type=kyc.tph_contact_type,
                tph_communication_type=kyc.tph_communication_type,
                tph_country_prefix=kyc.tph_country_prefix,
                tph_number=kyc.tph_number,
            )
        )
        ctx.placeholders[f"{path}.phones"] = "profile missing_kyc (phone)"


def _birthdate(ctx: BuildContext, path: str, person: Person, birth: str | None) -> None:
    if birth and _FULL_DATE.match(birth):
        try:
            person.birthdate = dt.datetime.fromisoformat(birth)
        except ValueError:
            ctx.notes[f"{path}.birthdate"] = f"parties.birth_date {birth!r} is not a date"
    elif birth:
        ctx.notes[f"{path}.birthdate"] = (
            f"parties.birth_date is only {birth!r}; goAML needs a full date"
        )


def _identifiers(ctx: BuildContext, person: Person, party: Row) -> None:
    """The party's identifiers: the first of each kind in its own field, and every kind the
    profile codes as an identification."""
    issuer = party.get("nationality") or party.get("country")
    for ident in party.get("identifiers") or []:
        kind = (ident.get("type") or "").lower()
        value = ident.get("value")
        if not value:
            continue
        if kind in _NATIONAL_IDS and person.id_number is None:
            person.id_number = value
        elif kind == "passport" and person.passport_number is None:
            person.passport_number = value
            person.passport_country = issuer
        elif kind in ("ssn", "social_security") and person.ssn is None:
            person.ssn = value
        elif kind in ("tax_id", "ntn") and person.tax_number is None:
            person.tax_number = value
        code = ctx.profile.identifier_types.get(kind)
        if code:
            person.identifications.append(
                Identification(type=code, number=value, issue_country=issuer)
            )
