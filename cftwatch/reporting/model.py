"""The FIU-agnostic report model: what a goAML report says, before any FIU's codes or XML.

Leaf field names are the goAML element names (`first_name`, `tph_number`, `amount_local`), so
an XSD violation on an element maps back to a model field by name. Structural fields have
plain names (`from_party`, `person`, `addresses`) and `GoamlWriter` turns them into the
goAML wrappers (`t_from` / `t_from_my_client`, `from_person`, `addresses/address`).

Nothing is required here: the builder fills what the case and the canonical tables hold,
and the XSD plus the FIU profile decide what is missing. `notes` record why a field is
empty (e.g. "channel 'hawala' has no transmode code"), so a violation can say so.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ReportType = Literal["STR", "SAR", "CTR"]
REPORT_TYPES: tuple[str, ...] = ("STR", "SAR", "CTR")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Address(_Model):
    """goAML `t_address`."""

    address_type: str | None = None
    address: str | None = None
    town: str | None = None
    city: str | None = None
    zip: str | None = None
    country_code: str | None = None
    state: str | None = None
    comments: str | None = None


class Phone(_Model):
    """goAML `t_phone`."""

    tph_contact_type: str | None = None
    tph_communication_type: str | None = None
    tph_country_prefix: str | None = None
    tph_number: str | None = None
    tph_extension: str | None = None
    comments: str | None = None


class Identification(_Model):
    """goAML `t_person_identification` (a passport, national id card, CNIC)."""

    type: str | None = None
    number: str | None = None
    issue_date: dt.datetime | None = None
    expiry_date: dt.datetime | None = None
    issued_by: str | None = None
    issue_country: str | None = None
    comments: str | None = None


class Person(_Model):
    """goAML `t_person` (`t_person_my_client` when `my_client`)."""

    my_client: bool = False
    party_id: str | None = Field(None, description="Canonical party id (not written).")
    gender: str | None = None
    title: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    prefix: str | None = None
    last_name: str | None = None
    birthdate: dt.datetime | None = None
    birth_place: str | None = None
    mothers_name: str | None = None
    alias: str | None = None
    ssn: str | None = None
    passport_number: str | None = None
    passport_country: str | None = None
    id_number: str | None = None
    nationality1: str | None = None
    nationality2: str | None = None
    nationality3: str | None = None
    residence: str | None = None
    phones: list[Phone] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    email: str | None = None
    occupation: str | None = None
    employer_name: str | None = None
    identifications: list[Identification] = Field(default_factory=list)
    deceased: bool | None = None
    date_deceased: dt.datetime | None = None
    tax_number: str | None = None
    source_of_wealth: str | None = None
    comments: str | None = None


class Director(_Model):
    """goAML `director_id`: a person who directs an entity, with the FIU's role code."""

    person: Person
    role: str | None = None


class Entity(_Model):
    """goAML `t_entity` (`t_entity_my_client` when `my_client`)."""

    my_client: bool = False
    party_id: str | None = Field(None, description="Canonical party id (not written).")
    name: str | None = None
    commercial_name: str | None = None
    incorporation_legal_form: str | None = None
    incorporation_number: str | None = None
    business: str | None = None
    phones: list[Phone] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    email: str | None = None
    url: str | None = None
    incorporation_state: str | None = None
    incorporation_country_code: str | None = None
    directors: list[Director] = Field(default_factory=list)
    incorporation_date: dt.datetime | None = None
    business_closed: bool | None = None
    date_business_closed: dt.datetime | None = None
    tax_number: str | None = None
    comments: str | None = None


class Signatory(_Model):
    """goAML `signatory`: a person who may operate an account."""

    is_primary: bool | None = None
    person: Person
    role: str | None = None


class Account(_Model):
    """goAML `t_account` (`t_account_my_client` when `my_client`)."""

    my_client: bool = False
    party_id: str | None = Field(None, description="Holder's canonical party id (not written).")
    institution_name: str | None = None
    institution_code: str | None = None
    swift: str | None = None
    non_bank_institution: bool | None = None
    branch: str | None = None
    account: str | None = None
    currency_code: str | None = None
    account_name: str | None = None
    iban: str | None = None
    client_number: str | None = None
    personal_account_type: str | None = None
    entity: Entity | None = None
    signatories: list[Signatory] = Field(default_factory=list)
    opened: dt.datetime | None = None
    closed: dt.datetime | None = None
    balance: Decimal | None = None
    date_balance: dt.datetime | None = None
    status_code: str | None = None
    beneficiary: str | None = None
    comments: str | None = None


class ForeignCurrency(_Model):
    """goAML `t_foreign_currency`: the amount as paid, when not in the local currency."""

    foreign_currency_code: str | None = None
    foreign_amount: Decimal | None = None
    foreign_exchange_rate: Decimal | None = None


class TransactionParty(_Model):
    """One side of a bipartite transaction: goAML `t_from` / `t_to` (or `_my_client`).

    Exactly one of `person`, `entity`, `account` is written; `my_client` picks the
    `_my_client` wrapper (the institution's own customer)."""

    my_client: bool = False
    party_id: str | None = Field(None, description="Canonical party id (not written).")
    funds_code: str | None = None
    funds_comment: str | None = None
    foreign_currency: ForeignCurrency | None = None
    person: Person | None = None
    entity: Entity | None = None
    account: Account | None = None
    country: str | None = None


class InvolvedParty(_Model):
    """goAML `involved_parties/party`: a multi-party transaction's participant."""

    role: str | None = None
    party_id: str | None = Field(None, description="Canonical party id (not written).")
    person: Person | None = None
    account: Account | None = None
    entity: Entity | None = None
    funds_code: str | None = None
    funds_comment: str | None = None
    foreign_currency: ForeignCurrency | None = None
    country: str | None = None
    significance: int | None = None
    comments: str | None = None


class Transaction(_Model):
    """goAML `transaction`: bipartite (`from_party` and `to_party`) or multi-party."""

    transactionnumber: str | None = None
    internal_ref_number: str | None = None
    transaction_location: str | None = None
    transaction_description: str | None = None
    date_transaction: dt.datetime | None = None
    value_date: dt.datetime | None = None
    transmode_code: str | None = None
    transmode_comment: str | None = None
    amount_local: Decimal | None = None
    from_party: TransactionParty | None = None
    to_party: TransactionParty | None = None
    involved_parties: list[InvolvedParty] = Field(default_factory=list)
    comments: str | None = None


class ReportParty(_Model):
    """goAML `report_parties/report_party`: a subject of an activity report."""

    party_id: str | None = Field(None, description="Canonical party id (not written).")
    person: Person | None = None
    account: Account | None = None
    entity: Entity | None = None
    significance: int | None = None
    reason: str | None = None
    comments: str | None = None


class Activity(_Model):
    """goAML `activity`: the subjects of a report that has no transactions (SAR)."""

    report_parties: list[ReportParty] = Field(default_factory=list)


class ReportingPerson(_Model):
    """goAML `reporting_person` (`t_person_registration_in_report`): the compliance officer."""

    gender: str | None = None
    title: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    birthdate: dt.datetime | None = None
    ssn: str | None = None
    id_number: str | None = None
    nationality1: str | None = None
    phones: list[Phone] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    email: str | None = None
    occupation: str | None = None


class ReportHeader(_Model):
    """Everything in `report` before the transactions: who reports, what and why."""

    rentity_id: str | None = None
    rentity_branch: str | None = None
    submission_code: str | None = "E"
    report_code: str | None = None
    entity_reference: str | None = None
    fiu_ref_number: str | None = None
    submission_date: dt.datetime | None = None
    currency_code_local: str | None = None
    reporting_person: ReportingPerson | None = None
    reporting_user_code: str | None = None
    location: Address | None = None
    reason: str | None = None
    action: str | None = None


class Report(ReportHeader):
    """A whole goAML report: header, then transactions (STR, CTR) or an activity (SAR),
    then indicators. `notes` maps a model field path to why it is empty (not written)."""

    report_type: ReportType = "STR"
    case_id: str | None = Field(None, description="The case it reports (not written).")
    transactions: list[Transaction] = Field(default_factory=list)
    activity: Activity | None = None
    indicators: list[str] = Field(default_factory=list)
    notes: dict[str, str] = Field(default_factory=dict)
    placeholders: dict[str, str] = Field(
        default_factory=dict,
        description="Field path → what stands in for data the tables lack (not written).",
    )
