"""Small canonical tables and a case for reporting tests (fixtures as code)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.reporting import (
    Address,
    FiuProfile,
    InstitutionInfo,
    Phone,
    ReportAlert,
    ReportCase,
    ReportDecision,
    ReportingPerson,
    build_goaml_report,
)
from cftwatch.reporting.model import Report

URDU_NAME = "محمد علی خان"
ARABIC_NAME = "عبد الله بن يوسف"
NPO_NAME = "الرحمت ویلفیئر ٹرسٹ"
UTC = dt.UTC
SUBMITTED = dt.datetime(2025, 2, 1, 8, 0, 0)


def party(party_id: str, name: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "party_id": party_id,
        "name": name,
        "kind": "person",
        "birth_date": "1988-03-14",
        "father_name": None,
        "country": "PK",
        "nationality": "PK",
        "region": "Peshawar",
        "identifiers": [{"type": "cnic", "value": "17301-1234567-1"}],
        "is_customer": True,
        "party_type": "individual",
        "source_ref": "test",
    }
    row.update(extra)
    return row


def parties_table(extra: list[dict[str, Any]] | None = None) -> pa.Table:
    rows = [
        party("P1", URDU_NAME, father_name="علی خان"),
        party(
            "P2",
            "Ayesha Siddiqui Malik",
            identifiers=[{"type": "cnic", "value": "42101-7654321-2"}],
        ),
        party(
            "P3",
            ARABIC_NAME,
            country="AE",
            nationality="AE",
            is_customer=False,
            identifiers=[{"type": "passport", "value": "A1234567"}],
        ),
        party(
            "P4",
            NPO_NAME,
            kind="organization",
            birth_date=None,
            identifiers=[],
            party_type="npo",
        ),
        *(extra or []),
    ]
    return cs.conform(pa.Table.from_pylist(rows), cs.PARTIES)


def accounts_table() -> pa.Table:
    rows = [
        {
            "account_id": "W-0300111",
            "party_id": "P1",
            "account_type": "wallet",
            "agent": "DEMO",
            "currency": "PKR",
            "country": "PK",
            "region": "Peshawar",
            "opened_on": dt.date(2021, 5, 1),
            "is_own": True,
            "source_ref": "test",
        },
        {
            "account_id": "W-0300222",
            "party_id": "P2",
            "account_type": "wallet",
            "agent": "DEMO",
            "currency": "PKR",
            "country": "PK",
            "region": "Karachi",
            "opened_on": dt.date(2022, 1, 9),
            "is_own": True,
            "source_ref": "test",
        },
        {
            "account_id": "W-0300444",
            "party_id": "P4",
            "account_type": "npo",
            "agent": "DEMO",
            "currency": "PKR",
            "country": "PK",
            "region": "Quetta",
            "opened_on": dt.date(2020, 2, 2),
            "is_own": True,
            "source_ref": "test",
        },
    ]
    return cs.conform(pa.Table.from_pylist(rows), cs.ACCOUNTS)


def txn(
    txn_id: str,
    debtor: tuple[str, str, str | None],
    creditor: tuple[str, str, str | None],
    amount: str,
    *,
    channel: str = "wallet",
    currency: str = "PKR",
    day: int = 10,
    **extra: Any,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "txn_id": txn_id,
        "ts": dt.datetime(2025, 1, day, 9, 30, 15, tzinfo=UTC),
        "amount": Decimal(amount),
        "currency": currency,
        "channel": channel,
        "debtor_id": debtor[0],
        "debtor_name": debtor[1],
        "debtor_account": debtor[2],
        "debtor_agent": "DEMO",
        "debtor_country": "PK",
        "debtor_region": "Peshawar",
        "creditor_id": creditor[0],
        "creditor_name": creditor[1],
        "creditor_account": creditor[2],
        "creditor_agent": "DEMO",
        "creditor_country": "PK",
        "creditor_region": "Karachi",
        "narrative": "donation",
        "purpose": None,
        "source_format": "test",
        "source_ref": f"test:{txn_id}",
        "load_id": "L1",
    }
    row.update(extra)
    return row


P1 = ("P1", URDU_NAME, "W-0300111")
P2 = ("P2", "Ayesha Siddiqui Malik", "W-0300222")
P3 = ("P3", ARABIC_NAME, None)
P4 = ("P4", NPO_NAME, "W-0300444")


def transactions_table(extra: list[dict[str, Any]] | None = None) -> pa.Table:
    rows = [
        txn("T1", P2, P1, "4950.00", day=10),
        txn("T2", P4, P1, "15000.50", day=11, narrative="امداد برائے متاثرین"),
        txn(
            "T3",
            P1,
            P3,
            "2500000",
            channel="cash_out",
            day=12,
            creditor_country="AE",
            creditor_region=None,
        ),
        txn(
            "T4",
            P3,
            P1,
            "300",
            channel="wire",
            currency="USD",
            day=13,
            debtor_country="AE",
            debtor_agent="EBILAEAD",
        ),
        txn("T9", P2, P4, "10", day=14),  # not in the case
        *(extra or []),
    ]
    return cs.conform(pa.Table.from_pylist(rows), cs.TRANSACTIONS)


def institution(**extra: Any) -> InstitutionInfo:
    data: dict[str, Any] = {
        "name": "Demo Wallet Ltd",
        "country": "PK",
        "currency": "PKR",
        "reporting_entity_id": "4711",
        "branch": "Head Office Islamabad",
        "institution_code": "DEMO",
        "reporting_person": ReportingPerson(
            first_name="Sana",
            last_name="Qureshi",
            email="compliance@demowallet.pk",
            occupation="Money Laundering Reporting Officer",
            phones=[
                Phone(
                    tph_contact_type="BUS",
                    tph_communication_type="M",
                    tph_country_prefix="92",
                    tph_number="515550100",
                )
            ],
        ),
        "reporting_user_code": "DEMO_MLRO",
        "location": Address(
            address_type="BUS", address="Plot 5, Blue Area", city="Islamabad", country_code="PK"
        ),
        "exchange_rates": {"USD": Decimal("278.50")},
    }
    data.update(extra)
    return InstitutionInfo.model_validate(data)


def case(**extra: Any) -> ReportCase:
    data: dict[str, Any] = {
        "case_id": "CASE-000007",
        "title": "Crowdfunding collection into a wallet, cashed out abroad",
        "subject_type": "party",
        "subject_id": "P1",
        "subject_name": URDU_NAME,
        "alerts": [
            ReportAlert(
                alert_id="A1",
                typology="crowdfunding_fan_in",
                explanation="12 senders paid the wallet PKR 185,000 in 3 days.",
                txn_ids=["T1", "T2"],
            ),
            ReportAlert(
                alert_id="A2",
                typology="cash_out",
                explanation="92% of the inflow was withdrawn within 24 hours.",
                txn_ids=["T3", "T4"],
            ),
        ],
        "txn_ids": [],
        "notes": ["Customer's stated occupation is student; no business income."],
        "decisions": [
            ReportDecision(
                kind="status",
                to_status="escalated",
                reason="Escalated to MLRO: pattern matches TF crowdfunding.",
            )
        ],
    }
    data.update(extra)
    return ReportCase.model_validate(data)


def build_report(
    profile: FiuProfile, tables: tuple[pa.Table, pa.Table, pa.Table], **kw: Any
) -> Report:
    """The report of `case()` (or `case=`) over the fixture tables, submitted at SUBMITTED."""
    txns, parties, accounts = tables
    return build_goaml_report(
        kw.pop("case", case()),
        txns,
        parties,
        accounts=accounts,
        institution=kw.pop("institution", institution()),
        profile=profile,
        submission_date=SUBMITTED,
        **kw,
    )
