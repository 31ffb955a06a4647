"""`t_entity` / `from_entity` / `to_entity` / an account's entity: an organisation's party
row as a goAML entity."""

from __future__ import annotations

from cftwatch.reporting.builders.base import BuildContext, Origins, Row, is_organization
from cftwatch.reporting.builders.person import build_person
from cftwatch.reporting.model import Entity, Person, ReportParty, TransactionParty

_BUSINESS = {
    "business": "Business",
    "merchant": "Merchant",
    "agent": "Payment agent",
    "npo": "Non-profit organisation",
}

ORIGINS = Origins(
    element="t_entity",
    model=Entity,
    field="entity",
    source="parties row of transactions.{role}_id (kind organization)",
    fields={
        "name": "parties.name, else transactions.{role}_name",
        "business": "parties.party_type",
        "incorporation_number": "parties.identifiers (registration / secp)",
        "incorporation_country_code": "parties.country",
        "tax_number": "parties.identifiers (ntn / tax_id)",
    },
)


def build_entity(party: Row, my_client: bool) -> Entity:
    entity = Entity(
        my_client=my_client,
        party_id=party.get("party_id"),
        name=party.get("name"),
        business=_BUSINESS.get(party.get("party_type") or "", party.get("party_type")),
        incorporation_country_code=party.get("country"),
    )
    for ident in party.get("identifiers") or []:
        kind = (ident.get("type") or "").lower()
        if kind in ("registration", "secp", "incorporation", "company_number"):
            entity.incorporation_number = entity.incorporation_number or ident.get("value")
        elif kind in ("ntn", "tax_id"):
            entity.tax_number = entity.tax_number or ident.get("value")
    return entity


def build_person_or_entity(
    ctx: BuildContext, path: str, party: Row | None, name: str | None, my_client: bool
) -> Person | Entity:
    """An organisation's row as an entity; anyone else (or only a name) as the person at
    `path`.person."""
    if party is not None and is_organization(party):
        return build_entity(party, my_client)
    return build_person(ctx, f"{path}.person", party, name, my_client)


def hold(target: TransactionParty | ReportParty, holder: Person | Entity) -> None:
    """Put a person or entity in its place on a transaction side or a report party."""
    if isinstance(holder, Entity):
        target.entity = holder
    else:
        target.person = holder
