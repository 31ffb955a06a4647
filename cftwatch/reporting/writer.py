"""goAML XML from the report model, streamed with lxml's incremental writer.

`GoamlWriter` writes the header, then one transaction element at a time, so a report with
hundreds of thousands of transactions never sits in memory as one tree. Element order
follows the goAML element tree (and the project's XSD): a model field that is None is
simply left out, and the XSD says whether that is allowed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextlib import ExitStack
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO, Any

from lxml import etree

from cftwatch.reporting.model import (
    Account,
    Activity,
    Address,
    Entity,
    ForeignCurrency,
    Identification,
    InvolvedParty,
    Person,
    Phone,
    Report,
    ReportHeader,
    ReportingPerson,
    ReportParty,
    Signatory,
    Transaction,
    TransactionParty,
)

_CENT = Decimal("0.01")
DRAFT_COMMENT = " DRAFT: built by cftwatch for review; not filed and not recorded on the case "


def format_datetime(value: dt.datetime | dt.date) -> str:
    """goAML's xs:dateTime without a zone: `2025-01-10T00:00:00` (aware values go to UTC)."""
    if not isinstance(value, dt.datetime):
        return f"{value.isoformat()}T00:00:00"
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat(timespec="seconds")


def format_amount(value: Decimal) -> str:
    """Two decimals, half up, never scientific notation."""
    return f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):f}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return format_datetime(value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
    return str(value)


def _leaf(parent: etree._Element, name: str, value: Any) -> None:
    if value is None or value == "":
        return
    etree.SubElement(parent, name).text = _text(value)


def _leaves(parent: etree._Element, model: Any, names: Iterable[str]) -> None:
    for name in names:
        _leaf(parent, name, getattr(model, name))


_ADDRESS_FIELDS = (
    "address_type",
    "address",
    "town",
    "city",
    "zip",
    "country_code",
    "state",
    "comments",
)
_PHONE_FIELDS = (
    "tph_contact_type",
    "tph_communication_type",
    "tph_country_prefix",
    "tph_number",
    "tph_extension",
    "comments",
)
_IDENTIFICATION_FIELDS = (
    "type",
    "number",
    "issue_date",
    "expiry_date",
    "issued_by",
    "issue_country",
    "comments",
)
_PERSON_HEAD = (
    "gender",
    "title",
    "first_name",
    "middle_name",
    "prefix",
    "last_name",
    "birthdate",
    "birth_place",
    "mothers_name",
    "alias",
    "ssn",
    "passport_number",
    "passport_country",
    "id_number",
    "nationality1",
    "nationality2",
    "nationality3",
    "residence",
)
_PERSON_TAIL = ("deceased", "date_deceased", "tax_number", "source_of_wealth", "comments")
_REPORTING_PERSON_HEAD = (
    "gender",
    "title",
    "first_name",
    "middle_name",
    "last_name",
    "birthdate",
    "ssn",
    "id_number",
    "nationality1",
)
_ENTITY_HEAD = (
    "name",
    "commercial_name",
    "incorporation_legal_form",
    "incorporation_number",
    "business",
)
_ENTITY_TAIL = (
    "incorporation_date",
    "business_closed",
    "date_business_closed",
    "tax_number",
    "comments",
)
_ACCOUNT_HEAD = ("institution_name", "institution_code", "swift", "non_bank_institution", "branch")
_ACCOUNT_MIDDLE = (
    "account",
    "currency_code",
    "account_name",
    "iban",
    "client_number",
    "personal_account_type",
)
_ACCOUNT_TAIL = ("opened", "closed", "balance", "date_balance", "status_code", "beneficiary")
_HEADER_HEAD = (
    "rentity_id",
    "rentity_branch",
    "submission_code",
    "report_code",
    "entity_reference",
    "fiu_ref_number",
    "submission_date",
    "currency_code_local",
)
_TXN_HEAD = (
    "transactionnumber",
    "internal_ref_number",
    "transaction_location",
    "transaction_description",
    "date_transaction",
    "value_date",
    "transmode_code",
    "transmode_comment",
)


def address_element(name: str, address: Address) -> etree._Element:
    el = etree.Element(name)
    _leaves(el, address, _ADDRESS_FIELDS)
    return el


def _phones_addresses(
    parent: etree._Element, phones: list[Phone], addresses: list[Address]
) -> None:
    if phones:
        wrapper = etree.SubElement(parent, "phones")
        for phone in phones:
            _leaves(etree.SubElement(wrapper, "phone"), phone, _PHONE_FIELDS)
    if addresses:
        wrapper = etree.SubElement(parent, "addresses")
        for address in addresses:
            wrapper.append(address_element("address", address))


def person_element(name: str, person: Person) -> etree._Element:
    el = etree.Element(name)
    _leaves(el, person, _PERSON_HEAD)
    _phones_addresses(el, person.phones, person.addresses)
    _leaves(el, person, ("email", "occupation", "employer_name"))
    for ident in person.identifications:
        el.append(identification_element(ident))
    _leaves(el, person, _PERSON_TAIL)
    return el


def identification_element(ident: Identification) -> etree._Element:
    el = etree.Element("identification")
    _leaves(el, ident, _IDENTIFICATION_FIELDS)
    return el


def reporting_person_element(person: ReportingPerson) -> etree._Element:
    el = etree.Element("reporting_person")
    _leaves(el, person, _REPORTING_PERSON_HEAD)
    _phones_addresses(el, person.phones, person.addresses)
    _leaves(el, person, ("email", "occupation"))
    return el


def entity_element(name: str, entity: Entity) -> etree._Element:
    el = etree.Element(name)
    _leaves(el, entity, _ENTITY_HEAD)
    _phones_addresses(el, entity.phones, entity.addresses)
    _leaves(el, entity, ("email", "url", "incorporation_state", "incorporation_country_code"))
    for director in entity.directors:
        director_el = person_element("director_id", director.person)
        _leaf(director_el, "role", director.role)
        el.append(director_el)
    _leaves(el, entity, _ENTITY_TAIL)
    return el


def signatory_element(signatory: Signatory) -> etree._Element:
    el = etree.Element("signatory")
    if signatory.is_primary:
        _leaf(el, "is_primary", "1")  # fixed="1" in goAML: the lexical form must be 1
    el.append(person_element("t_person", signatory.person))
    _leaf(el, "role", signatory.role)
    return el


def account_element(name: str, account: Account) -> etree._Element:
    el = etree.Element(name)
    _leaves(el, account, _ACCOUNT_HEAD)
    _leaves(el, account, _ACCOUNT_MIDDLE)
    if account.entity is not None:
        el.append(entity_element("t_entity", account.entity))
    for signatory in account.signatories:
        el.append(signatory_element(signatory))
    _leaves(el, account, _ACCOUNT_TAIL)
    _leaf(el, "comments", account.comments)
    return el


def foreign_currency_element(name: str, fc: ForeignCurrency) -> etree._Element:
    el = etree.Element(name)
    _leaves(el, fc, ("foreign_currency_code", "foreign_amount", "foreign_exchange_rate"))
    return el


def side_element(direction: str, side: TransactionParty) -> etree._Element:
    """`t_from`, `t_from_my_client`, `t_to` or `t_to_my_client` (direction: from | to)."""
    el = etree.Element(f"t_{direction}_my_client" if side.my_client else f"t_{direction}")
    _leaf(el, f"{direction}_funds_code", side.funds_code)
    _leaf(el, f"{direction}_funds_comment", side.funds_comment)
    if side.foreign_currency is not None:
        el.append(foreign_currency_element(f"{direction}_foreign_currency", side.foreign_currency))
    if side.account is not None:
        el.append(account_element(f"{direction}_account", side.account))
    elif side.person is not None:
        el.append(person_element(f"{direction}_person", side.person))
    elif side.entity is not None:
        el.append(entity_element(f"{direction}_entity", side.entity))
    _leaf(el, f"{direction}_country", side.country)
    return el


def _subject(parent: etree._Element, subject: InvolvedParty | ReportParty) -> None:
    """person / person_my_client / account / ... of a report party or involved party."""
    if subject.person is not None:
        suffix = "_my_client" if subject.person.my_client else ""
        parent.append(person_element(f"person{suffix}", subject.person))
    elif subject.account is not None:
        suffix = "_my_client" if subject.account.my_client else ""
        parent.append(account_element(f"account{suffix}", subject.account))
    elif subject.entity is not None:
        suffix = "_my_client" if subject.entity.my_client else ""
        parent.append(entity_element(f"entity{suffix}", subject.entity))


def transaction_element(txn: Transaction) -> etree._Element:
    el = etree.Element("transaction")
    _leaves(el, txn, _TXN_HEAD)
    if txn.transaction_location is None:  # mandatory in goAML 5.0.1, but may be empty
        before = sum(1 for c in el if c.tag in ("transactionnumber", "internal_ref_number"))
        el.insert(before, etree.Element("transaction_location"))
    if txn.amount_local is not None:
        etree.SubElement(el, "amount_local").text = format_amount(txn.amount_local)
    if txn.involved_parties:
        wrapper = etree.SubElement(el, "involved_parties")
        for party in txn.involved_parties:
            p = etree.SubElement(wrapper, "party")
            _leaf(p, "role", party.role)
            _subject(p, party)
            _leaf(p, "funds_code", party.funds_code)
            _leaf(p, "funds_comment", party.funds_comment)
            if party.foreign_currency is not None:
                p.append(foreign_currency_element("foreign_currency", party.foreign_currency))
            _leaves(p, party, ("country", "significance", "comments"))
    else:
        if txn.from_party is not None:
            el.append(side_element("from", txn.from_party))
        if txn.to_party is not None:
            el.append(side_element("to", txn.to_party))
    _leaf(el, "comments", txn.comments)
    return el


def activity_element(activity: Activity) -> etree._Element:
    el = etree.Element("activity")
    wrapper = etree.SubElement(el, "report_parties")
    for party in activity.report_parties:
        p = etree.SubElement(wrapper, "report_party")
        _subject(p, party)
        _leaves(p, party, ("significance", "reason", "comments"))
    return el


def header_elements(header: ReportHeader) -> list[etree._Element]:
    """The report's children before its transactions or activity."""
    holder = etree.Element("report")
    _leaves(holder, header, _HEADER_HEAD)
    if header.reporting_person is not None:
        holder.append(reporting_person_element(header.reporting_person))
    _leaf(holder, "reporting_user_code", header.reporting_user_code)
    if header.location is not None:
        holder.append(address_element("location", header.location))
    _leaves(holder, header, ("reason", "action"))
    return list(holder)


def indicators_element(codes: Iterable[str]) -> etree._Element:
    el = etree.Element("report_indicators")
    for code in codes:
        _leaf(el, "indicator", code)
    return el


class GoamlWriter:
    """Streams one goAML report: `write_header`, then `write_transaction` per transaction
    (or `write_activity`), then `write_indicators`; the context closes `</report>`.

    >>> with GoamlWriter(path) as w:
    ...     w.write_header(report)
    ...     for t in report.transactions:
    ...         w.write_transaction(t)
    ...     w.write_indicators(report.indicators)
    """

    def __init__(self, target: str | Path | IO[bytes], *, draft: bool = False) -> None:
        self._target = str(target) if isinstance(target, Path) else target
        self._draft = draft
        self._stack = ExitStack()
        self._xf: Any = None
        self.transactions_written = 0

    def __enter__(self) -> GoamlWriter:
        self._xf = self._stack.enter_context(etree.xmlfile(self._target, encoding="utf-8"))
        self._xf.write_declaration()
        if self._draft:
            self._xf.write(etree.Comment(DRAFT_COMMENT))
        self._stack.enter_context(self._xf.element("report"))
        self._xf.write("\n")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.__exit__(*exc)  # type: ignore[arg-type]
        self._xf = None

    def _write(self, element: etree._Element) -> None:
        if self._xf is None:
            raise RuntimeError("GoamlWriter is not open: use it in a `with` block")
        self._xf.write(element)
        self._xf.write("\n")  # one line per element: violations carry useful line numbers

    def write_header(self, header: ReportHeader) -> None:
        for element in header_elements(header):
            self._write(element)

    def write_transaction(self, txn: Transaction) -> None:
        self._write(transaction_element(txn))
        self.transactions_written += 1

    def write_activity(self, activity: Activity) -> None:
        self._write(activity_element(activity))

    def write_indicators(self, codes: Iterable[str]) -> None:
        self._write(indicators_element(codes))

    def write_report(self, report: Report) -> None:
        """Everything of `report`, in order."""
        self.write_header(report)
        for txn in report.transactions:
            self.write_transaction(txn)
        if report.activity is not None:
            self.write_activity(report.activity)
        self.write_indicators(report.indicators)


def report_to_bytes(report: Report) -> bytes:
    """The whole report as UTF-8 XML bytes (for small reports and tests)."""
    import io

    buffer = io.BytesIO()
    with GoamlWriter(buffer) as writer:
        writer.write_report(report)
    return buffer.getvalue()
