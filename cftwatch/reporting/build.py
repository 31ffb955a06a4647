"""A case plus canonical tables → the report model; the model → a validated XML file.

`build_goaml_report` takes plain data: a case (`ReportCase`, or anything shaped like the
cases stage's `CaseBundle`), the canonical `transactions` and `parties` Arrow tables
(optionally `accounts`), the institution's details and an FIU profile. It never refuses:
what it cannot fill stays empty with a note saying why, and validation lists it.
`write_goaml_report` writes a report only when it validates (temp file in the target
folder, validate, atomic rename); otherwise it raises `ReportValidationError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cftwatch.errors import ConfigError, Problem
from cftwatch.reporting.fiu_profile import FiuProfile
from cftwatch.reporting.model import (
    Account,
    Activity,
    Address,
    Entity,
    ForeignCurrency,
    Identification,
    Person,
    Report,
    ReportingPerson,
    ReportParty,
    ReportType,
    Signatory,
    Transaction,
    TransactionParty,
)
from cftwatch.reporting.validate import ReportValidationError, Violation, validate_report
from cftwatch.reporting.writer import GoamlWriter

MAX_TEXT = 4000
_CENT = Decimal("0.01")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BUSINESS = {
    "business": "Business",
    "merchant": "Merchant",
    "agent": "Payment agent",
    "npo": "Non-profit organisation",
}


# -- inputs ---------------------------------------------------------------------------


class ReportAlert(BaseModel):
    """What the report needs of one alert."""

    model_config = ConfigDict(extra="ignore")

    alert_id: str
    typology: str | None = None
    rule_id: str | None = None
    severity: str | None = None
    explanation: str | None = None
    txn_ids: list[str] = Field(default_factory=list)


class ReportDecision(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: str
    to_status: str | None = None
    reason: str | None = None


class ReportCase(BaseModel):
    """The case a report is about, as plain data (the cases stage's `CaseBundle` converts
    with `ReportCase.from_bundle`)."""

    model_config = ConfigDict(extra="ignore")

    case_id: str
    title: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    subject_name: str | None = None
    alerts: list[ReportAlert] = Field(default_factory=list)
    txn_ids: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    decisions: list[ReportDecision] = Field(default_factory=list)

    @classmethod
    def from_bundle(cls, bundle: Any) -> ReportCase:
        """From a `cftwatch.cases.CaseBundle` (read by attribute; no import needed)."""
        if isinstance(bundle, ReportCase):
            return bundle
        case = bundle.case
        alerts = []
        for a in bundle.alerts:
            snap = dict(getattr(a, "snapshot", None) or {})
            alerts.append(
                ReportAlert(
                    alert_id=a.alert_id,
                    typology=a.typology,
                    rule_id=a.rule_id,
                    severity=a.severity,
                    explanation=snap.get("explanation"),
                    txn_ids=[str(t) for t in (snap.get("txn_ids") or [])],
                )
            )
        notes = getattr(bundle, "current_notes", None)
        if notes is None:
            notes = bundle.notes
        return cls(
            case_id=case.case_id,
            title=case.title,
            subject_type=bundle.subject.subject_type,
            subject_id=bundle.subject.subject_id,
            subject_name=bundle.subject.subject_name,
            alerts=alerts,
            txn_ids=list(bundle.txn_ids),
            notes=[n.text for n in notes],
            decisions=[
                ReportDecision(kind=d.kind, to_status=d.to_status, reason=d.reason)
                for d in bundle.decisions
            ],
        )

    def all_txn_ids(self) -> list[str]:
        """The case's transactions: its own list, then its alerts' (first-seen order)."""
        seen: dict[str, None] = dict.fromkeys(self.txn_ids)
        for alert in self.alerts:
            seen.update(dict.fromkeys(alert.txn_ids))
        return list(seen)


class InstitutionInfo(BaseModel):
    """The reporting institution: the workspace's `institution` section merged with its
    `reporting` section (FIU-facing details)."""

    model_config = ConfigDict(extra="forbid")

    name: str = "Demo Wallet Ltd"
    country: str = "PK"
    currency: str = "PKR"
    reporting_entity_id: str = "0000"
    branch: str | None = Field(None, description="rentity_branch and own accounts' branch.")
    institution_code: str | None = Field(None, description="Bank code of own accounts.")
    swift: str | None = Field(None, description="BIC of own accounts (if no institution_code).")
    reporting_person: ReportingPerson | None = None
    reporting_user_code: str | None = None
    location: Address | None = None
    exchange_rates: dict[str, Decimal] = Field(
        default_factory=dict, description="Units of local currency per unit of a foreign one."
    )
    default_profile: str | None = Field(None, description="Profile `cftwatch report` uses.")

    @classmethod
    def from_workspace(cls, ws: Any) -> InstitutionInfo:
        """From a `Workspace`: `institution` plus the `reporting` section (validated here)."""
        base = ws.config.institution.model_dump()
        section = dict(ws.config.reporting or {})
        try:
            return cls.model_validate({**base, **section})
        except ValidationError as exc:
            raise ConfigError(
                [
                    Problem(
                        err["msg"],
                        file=str(Path(ws.path) / "cftwatch.yaml"),
                        field="reporting." + ".".join(str(p) for p in err["loc"]),
                        value=err.get("input"),
                    )
                    for err in exc.errors()
                ]
            ) from exc


# -- builder --------------------------------------------------------------------------


def build_goaml_report(
    case: Any,
    transactions: pa.Table,
    parties: pa.Table | None,
    *,
    institution: InstitutionInfo,
    profile: FiuProfile,
    report_type: ReportType | None = None,
    accounts: pa.Table | None = None,
    submission_date: dt.datetime | None = None,
) -> Report:
    """The report model for a case: STR (its transactions), CTR (its cash transactions at
    or over the profile's threshold) or SAR (an activity report on its subject). Without
    `report_type`: STR when the case has transactions, else SAR."""
    rcase = ReportCase.from_bundle(case)
    txn_ids = rcase.all_txn_ids()
    rows = _case_transactions(transactions, txn_ids)
    party_ids = _party_ids(rows, rcase)
    party_rows = _rows_by_key(parties, "party_id", party_ids)
    account_ids = {r.get(f"{role}_account") for r in rows for role in ("debtor", "creditor")}
    if rcase.subject_type == "account" and rcase.subject_id:
        account_ids.add(rcase.subject_id)
    account_rows = _rows_by_key(accounts, "account_id", {a for a in account_ids if a})
    if accounts is not None:
        for acc in account_rows.values():
            if acc.get("party_id") and acc["party_id"] not in party_rows:
                party_rows.update(_rows_by_key(parties, "party_id", {acc["party_id"]}))

    chosen: ReportType = report_type or ("STR" if rows else "SAR")
    builder = _Builder(profile, institution, party_rows, account_rows, chosen)
    report = builder.header(rcase, submission_date)
    if chosen == "SAR":
        report.activity = builder.activity(rcase, rows)
    else:
        if chosen == "CTR":
            rows = builder.ctr_rows(rows)
        txns = [builder.transaction(i, row) for i, row in enumerate(rows)]
        report.transactions = txns
        if not txns:
            builder.notes["transactions"] = (
                f"case {rcase.case_id} has no "
                + (
                    "cash transaction at or over the CTR threshold"
                    if chosen == "CTR"
                    else "transactions"
                )
                + " in the canonical transactions table"
                + (" (try --type SAR)" if chosen == "STR" else "")
            )
    report.indicators = builder.indicators(rcase)
    report.notes = dict(builder.notes)
    return report


def _case_transactions(transactions: pa.Table, txn_ids: Sequence[str]) -> list[dict[str, Any]]:
    if not txn_ids:
        return []
    wanted = pa.array(list(txn_ids), pa.string())
    subset = transactions.filter(pc.is_in(transactions["txn_id"], value_set=wanted))
    subset = subset.sort_by([("ts", "ascending"), ("txn_id", "ascending")])
    seen: set[str] = set()
    out = []
    for row in subset.to_pylist():
        if row["txn_id"] in seen:  # a transaction loaded twice is reported once
            continue
        seen.add(row["txn_id"])
        out.append(row)
    return out


def _party_ids(rows: list[dict[str, Any]], rcase: ReportCase) -> set[str]:
    ids = {r.get(f"{role}_id") for r in rows for role in ("debtor", "creditor")}
    if rcase.subject_type == "party" and rcase.subject_id:
        ids.add(rcase.subject_id)
    return {i for i in ids if i}


def _rows_by_key(
    table: pa.Table | None, key: str, wanted: Iterable[str]
) -> dict[str, dict[str, Any]]:
    values = [w for w in wanted if w]
    if table is None or not values or key not in table.column_names:
        return {}
    subset = table.filter(pc.is_in(table[key], value_set=pa.array(values, pa.string())))
    return {r[key]: r for r in subset.to_pylist()}


def _naive(ts: Any) -> dt.datetime | None:
    if ts is None:
        return None
    if isinstance(ts, dt.datetime):
        if ts.tzinfo is not None:
            ts = ts.astimezone(dt.UTC).replace(tzinfo=None)
        return ts.replace(microsecond=0)
    if isinstance(ts, dt.date):
        return dt.datetime(ts.year, ts.month, ts.day)
    return None


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


class _Builder:
    def __init__(
        self,
        profile: FiuProfile,
        institution: InstitutionInfo,
        parties: dict[str, dict[str, Any]],
        accounts: dict[str, dict[str, Any]],
        report_type: ReportType,
    ) -> None:
        self.profile = profile
        self.institution = institution
        self.parties = parties
        self.accounts = accounts
        self.report_type = report_type
        self.local = profile.local_currency or institution.currency
        self.notes: dict[str, str] = {}

    # -- header ---------------------------------------------------------------------

    def header(self, rcase: ReportCase, submission_date: dt.datetime | None) -> Report:
        report_code = self.profile.report_code(self.report_type)
        if report_code is None:
            self.notes["report_code"] = (
                f"profile {self.profile.name} has no report code for {self.report_type}"
            )
        return Report(
            report_type=self.report_type,
            case_id=rcase.case_id,
            rentity_id=self.profile.reporting_entity_id or self.institution.reporting_entity_id,
            rentity_branch=self.institution.branch,
            submission_code=self.profile.submission_code,
            report_code=report_code,
            entity_reference=rcase.case_id,
            submission_date=_naive(submission_date or dt.datetime.now(dt.UTC)),
            currency_code_local=self.local,
            reporting_person=self.institution.reporting_person or self.profile.reporting_person,
            reporting_user_code=self.institution.reporting_user_code
            or self.profile.reporting_user_code,
            location=self.institution.location,
            reason=self.reason(rcase),
            action=self.action(rcase),
        )

    def reason(self, rcase: ReportCase) -> str | None:
        parts: list[str] = []
        if rcase.title:
            parts.append(rcase.title.strip())
        explanations = list(
            dict.fromkeys(a.explanation.strip() for a in rcase.alerts if a.explanation)
        )
        if explanations:
            parts.append("Alerts: " + " ".join(explanations))
        notes = [n.strip() for n in rcase.notes if n and n.strip()]
        if notes:
            parts.append("Analyst notes: " + " ".join(notes))
        text = "\n".join(parts).strip()
        if not text:
            self.notes["reason"] = f"case {rcase.case_id} has no title, alert explanation or note"
            return None
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1].rstrip() + "…"
        return text

    def action(self, rcase: ReportCase) -> str | None:
        for decision in reversed(rcase.decisions):
            if (
                decision.kind == "status"
                and decision.reason
                and decision.to_status
                in (
                    "reported",
                    "escalated",
                )
            ):
                return decision.reason[:MAX_TEXT]
        if self.profile.default_action is None:
            self.notes["action"] = "no escalation reason on the case and no profile default_action"
        return self.profile.default_action

    def indicators(self, rcase: ReportCase) -> list[str]:
        codes: dict[str, None] = {}
        for alert in rcase.alerts:
            for code in self.profile.typology_indicators.get(alert.typology or "", []):
                codes[code] = None
        for code in self.profile.default_indicators.get(self.report_type, []):
            codes[code] = None
        if not codes:
            typologies = sorted({a.typology for a in rcase.alerts if a.typology})
            self.notes["indicators"] = (
                f"no indicator code for typologies {typologies} in profile {self.profile.name}"
            )
        return list(codes)

    # -- transactions ---------------------------------------------------------------

    def transaction(self, index: int, row: dict[str, Any]) -> Transaction:
        path = f"transactions[{index}]"
        channel = row.get("channel")
        codes = self.profile.channels.get(channel or "")
        if codes is None:
            self.notes[f"{path}.transmode_code"] = (
                f"channel {channel!r} has no code in profile {self.profile.name} channels"
                if channel
                else "the transaction has no channel"
            )
        amount = row.get("amount")
        currency = row.get("currency")
        amount_local, foreign = self._local_amount(path, amount, currency)
        from_party = self.side(f"{path}.from_party", row, "debtor", codes, foreign)
        to_party = self.side(f"{path}.to_party", row, "creditor", codes, None)
        return Transaction(
            transactionnumber=row.get("txn_id"),
            internal_ref_number=row.get("end_to_end_id") or row.get("uetr"),
            transaction_location=self._location(path, row, from_party, to_party),
            transaction_description=self._description(row),
            date_transaction=_naive(row.get("ts")),
            transmode_code=codes.transmode if codes else None,
            amount_local=amount_local,
            from_party=from_party,
            to_party=to_party,
        )

    def _local_amount(
        self, path: str, amount: Any, currency: str | None
    ) -> tuple[Decimal | None, ForeignCurrency | None]:
        if amount is None:
            self.notes[f"{path}.amount_local"] = "the transaction has no amount"
            return None, None
        value = Decimal(amount)
        if not currency or currency == self.local:
            return value.quantize(_CENT, rounding=ROUND_HALF_UP), None
        rate = self.institution.exchange_rates.get(currency)
        if rate is None:
            self.notes[f"{path}.amount_local"] = (
                f"amount is in {currency}; no exchange rate {currency}->{self.local} "
                "in workspace reporting.exchange_rates"
            )
            return None, None
        try:
            local = (value * Decimal(rate)).quantize(_CENT, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            return None, None
        return local, ForeignCurrency(
            foreign_currency_code=currency, foreign_amount=value, foreign_exchange_rate=rate
        )

    def _location(
        self,
        path: str,
        row: dict[str, Any],
        from_party: TransactionParty,
        to_party: TransactionParty,
    ) -> str | None:
        role = "debtor" if from_party.my_client or not to_party.my_client else "creditor"
        bits = [row.get(f"{role}_region"), row.get(f"{role}_country")]
        text = ", ".join(b for b in bits if b)
        if not text:
            self.notes[f"{path}.transaction_location"] = (
                f"transactions.{role}_region and _country are empty"
            )
        return text or None

    @staticmethod
    def _description(row: dict[str, Any]) -> str:
        text = " — ".join(t for t in (row.get("purpose"), row.get("narrative")) if t)
        if text:
            return text[:MAX_TEXT]
        return (
            f"{row.get('channel') or 'payment'} of {row.get('amount')} {row.get('currency')} "
            f"from {row.get('debtor_name') or row.get('debtor_account') or 'unknown payer'} "
            f"to {row.get('creditor_name') or row.get('creditor_account') or 'unknown payee'}"
        )[:MAX_TEXT]

    def side(
        self,
        path: str,
        row: dict[str, Any],
        role: str,
        codes: Any,
        foreign: ForeignCurrency | None,
    ) -> TransactionParty:
        party_id = row.get(f"{role}_id")
        party = self.parties.get(party_id or "")
        account_id = row.get(f"{role}_account")
        account_row = self.accounts.get(account_id or "")
        my_client = bool(party and party.get("is_customer")) or bool(
            account_row and account_row.get("is_own")
        )
        country = row.get(f"{role}_country") or (party or {}).get("country")
        if not country and account_row:
            country = account_row.get("country")
        funds = None
        if codes is not None:
            funds = codes.from_funds if role == "debtor" else codes.to_funds
        side = TransactionParty(
            my_client=my_client,
            party_id=party_id,
            funds_code=funds,
            foreign_currency=foreign,
            country=country,
        )
        if codes is None:
            self.notes[f"{path}.funds_code"] = (
                "the transaction's channel has no funds code in the profile"
            )
        if not country:
            self.notes[f"{path}.country"] = (
                f"transactions.{role}_country is empty and the party has no country"
            )
        name = row.get(f"{role}_name")
        if account_id:
            side.account = self.account(
                f"{path}.account", account_id, account_row, party, name, my_client, row, role
            )
        elif party is not None and party.get("kind") == "organization":
            side.entity = self.entity(party, my_client)
        else:
            side.person = self.person(f"{path}.person", party, name, my_client)
        return side

    # -- parties ----------------------------------------------------------------------

    def person(
        self, path: str, party: dict[str, Any] | None, name: str | None, my_client: bool
    ) -> Person:
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
            self.notes[f"{path}.last_name"] = "no party row and no name on the transaction"
        if party is None:
            return person
        birth = party.get("birth_date")
        if birth and _FULL_DATE.match(birth):
            try:
                person.birthdate = dt.datetime.fromisoformat(birth)
            except ValueError:
                self.notes[f"{path}.birthdate"] = f"parties.birth_date {birth!r} is not a date"
        elif birth:
            self.notes[f"{path}.birthdate"] = (
                f"parties.birth_date is only {birth!r}; goAML needs a full date"
            )
        person.nationality1 = party.get("nationality")
        person.residence = party.get("country")
        father = party.get("father_name")
        if father:
            person.comments = f"Father's name: {father}"
        for ident in party.get("identifiers") or []:
            kind = (ident.get("type") or "").lower()
            value = ident.get("value")
            if not value:
                continue
            if kind in ("cnic", "national_id", "nid", "nicop") and person.id_number is None:
                person.id_number = value
            elif kind == "passport" and person.passport_number is None:
                person.passport_number = value
                person.passport_country = party.get("nationality") or party.get("country")
            elif kind in ("ssn", "social_security") and person.ssn is None:
                person.ssn = value
            elif kind in ("tax_id", "ntn") and person.tax_number is None:
                person.tax_number = value
            code = self.profile.identifier_types.get(kind)
            if code:
                person.identifications.append(
                    Identification(
                        type=code,
                        number=value,
                        issue_country=party.get("nationality") or party.get("country"),
                    )
                )
        if my_client and not (person.id_number or person.passport_number or person.ssn):
            self.notes[f"{path}.id_number"] = (
                "parties.identifiers has no CNIC, national id or passport"
            )
        return person

    def entity(self, party: dict[str, Any], my_client: bool) -> Entity:
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

    def account(
        self,
        path: str,
        account_id: str,
        account_row: dict[str, Any] | None,
        party: dict[str, Any] | None,
        name: str | None,
        my_client: bool,
        row: dict[str, Any],
        role: str,
    ) -> Account:
        agent = row.get(f"{role}_agent") or (account_row or {}).get("agent")
        account = Account(
            my_client=my_client,
            party_id=(party or {}).get("party_id"),
            account=account_id,
            account_name=(party or {}).get("name") or name,
            currency_code=(account_row or {}).get("currency") or row.get("currency"),
        )
        agent_bic = agent if agent and _BIC.match(agent) else None
        agent_code = agent if agent and not agent_bic else None
        if my_client:
            account.institution_name = self.institution.name
            account.branch = self.institution.branch
            # the configured code wins; else the holding agent the data names (own accounts)
            if self.institution.institution_code or self.institution.swift:
                account.institution_code = self.institution.institution_code
                account.swift = None if account.institution_code else self.institution.swift
            else:
                account.institution_code, account.swift = agent_code, agent_bic
            if not (account.institution_code or account.swift):
                self.notes[f"{path}.institution_code"] = (
                    "set reporting.institution_code or reporting.swift in the workspace config"
                )
        else:
            account.institution_code, account.swift = agent_code, agent_bic
        if account_row is not None:
            kind = account_row.get("account_type")
            account.personal_account_type = self.profile.account_type_codes.get(kind or "")
            if account.personal_account_type is None:
                self.notes[f"{path}.personal_account_type"] = (
                    f"account type {kind!r} has no code in profile account_type_codes"
                )
            account.opened = _naive(account_row.get("opened_on"))
        elif my_client:
            self.notes[f"{path}.personal_account_type"] = (
                f"account {account_id} is not in the accounts table"
            )
        if party is not None and party.get("kind") == "organization":
            account.entity = self.entity(party, my_client)
        elif party is not None or name:
            person = self.person(f"{path}.signatories[0].person", party, name, my_client)
            account.signatories.append(Signatory(is_primary=True, person=person))
        return account

    # -- SAR and CTR --------------------------------------------------------------------

    def activity(self, rcase: ReportCase, rows: list[dict[str, Any]]) -> Activity:
        parties: list[ReportParty] = []
        subject_reason = self.reason(rcase)
        path = "activity.report_parties[0]"
        subject = self._subject_party(rcase, path)
        if subject is not None:
            subject.significance = 10
            subject.reason = subject_reason
            parties.append(subject)
        else:
            self.notes["activity"] = f"case {rcase.case_id} has no subject that can be reported"
        seen = {subject.party_id} if subject is not None and subject.party_id else set()
        for row in rows:
            for role in ("debtor", "creditor"):
                pid = row.get(f"{role}_id")
                if not pid or pid in seen or pid == rcase.subject_id:
                    continue
                seen.add(pid)
                party = self.parties.get(pid)
                i = len(parties)
                rp = ReportParty(party_id=pid, significance=5, reason="Counterparty of the subject")
                if party is not None and party.get("kind") == "organization":
                    rp.entity = self.entity(party, bool(party.get("is_customer")))
                else:
                    rp.person = self.person(
                        f"activity.report_parties[{i}].person",
                        party,
                        row.get(f"{role}_name"),
                        bool(party and party.get("is_customer")),
                    )
                parties.append(rp)
        return Activity(report_parties=parties)

    def _subject_party(self, rcase: ReportCase, path: str) -> ReportParty | None:
        sid = rcase.subject_id
        if not sid:
            return None
        if rcase.subject_type == "account":
            account_row = self.accounts.get(sid)
            holder = self.parties.get((account_row or {}).get("party_id") or "")
            my_client = bool(account_row and account_row.get("is_own")) or bool(
                holder and holder.get("is_customer")
            )
            row = {"currency": self.local}
            account = self.account(
                f"{path}.account",
                sid,
                account_row,
                holder,
                rcase.subject_name,
                my_client,
                row,
                "subject",
            )
            return ReportParty(party_id=(holder or {}).get("party_id"), account=account)
        party = self.parties.get(sid)
        my_client = bool(party and party.get("is_customer"))
        rp = ReportParty(party_id=sid)
        if party is not None and party.get("kind") == "organization":
            rp.entity = self.entity(party, my_client)
        else:
            rp.person = self.person(f"{path}.person", party, rcase.subject_name, my_client)
        return rp

    def ctr_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Cash transactions at or over the profile's CTR threshold (in local currency). A
        foreign-currency one without an exchange rate is kept, so its violation is listed."""
        rule = self.profile.ctr
        keep = []
        for row in rows:
            if row.get("channel") not in rule.channels or row.get("amount") is None:
                continue
            currency = row.get("currency")
            rate = (
                Decimal(1)
                if not currency or currency == self.local
                else self.institution.exchange_rates.get(currency)
            )
            if rate is None or Decimal(row["amount"]) * rate >= rule.threshold:
                keep.append(row)
        return keep


# -- writing --------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenReport:
    """A report file that validated and was written."""

    path: Path
    sha256: str
    bytes: int
    report_code: str | None
    report_type: str
    transactions: int
    xsd: Path

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "sha256": self.sha256,
            "bytes": self.bytes,
            "report_code": self.report_code,
            "report_type": self.report_type,
            "transactions": self.transactions,
            "xsd": str(self.xsd),
        }


def write_goaml_report(
    report: Report,
    target: str | Path,
    *,
    profile: FiuProfile,
    xsd: str | Path | None = None,
) -> WrittenReport:
    """Write `report` to `target` only if it validates against the XSD (`xsd`, else the
    profile's bundled one) and the profile's mandatory fields. Otherwise nothing is written
    and `ReportValidationError` lists every violation, mapped to its field."""
    xsd_path = profile.xsd_path(xsd)
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            with GoamlWriter(handle) as writer:
                writer.write_report(report)
            handle.flush()
            os.fsync(handle.fileno())
        violations = validate_report(tmp, xsd_path, report=report, profile=profile)
        if violations:
            raise ReportValidationError(violations, file=str(target))
        digest, size = _sha256(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return WrittenReport(
        path=target,
        sha256=digest,
        bytes=size,
        report_code=report.report_code,
        report_type=report.report_type,
        transactions=len(report.transactions),
        xsd=xsd_path,
    )


def check_goaml_report(
    report: Report, *, profile: FiuProfile, xsd: str | Path | None = None
) -> list[Violation]:
    """The violations `write_goaml_report` would raise, without writing anything."""
    import io

    buffer = io.BytesIO()
    with GoamlWriter(buffer) as writer:
        writer.write_report(report)
    return validate_report(buffer.getvalue(), profile.xsd_path(xsd), report=report, profile=profile)


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
