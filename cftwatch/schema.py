"""Canonical tables: the column names and Arrow types that every stage reads and writes.

Stages exchange only these tables, never each other's internals. Each column carries a
one-line description in its Arrow field metadata (key ``doc``), which `describe()` and the
docs print. Nothing in this module does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from cftwatch import vocab

AMOUNT_TYPE = pa.decimal128(24, 8)
"""Money: 16 integer digits (large amounts in weak currencies) and 8 decimals (crypto)."""

TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = True

    def field(self) -> pa.Field:
        return pa.field(self.name, self.type, nullable=self.nullable, metadata={"doc": self.doc})


def _schema(name: str, doc: str, columns: list[Column]) -> pa.Schema:
    return pa.schema([c.field() for c in columns], metadata={"table": name, "doc": doc})


def _party_columns(role: str) -> list[Column]:
    return [
        Column(
            f"{role}_id",
            pa.string(),
            f"Stable id of the {role} party (customer id, wallet holder id).",
        ),
        Column(
            f"{role}_name",
            pa.string(),
            f"The {role}'s name as the source gives it, in its own script.",
        ),
        Column(
            f"{role}_account",
            pa.string(),
            f"The {role}'s account: IBAN, account number or wallet MSISDN.",
        ),
        Column(
            f"{role}_agent",
            pa.string(),
            f"The {role}'s institution (BIC, bank code, wallet provider).",
        ),
        Column(
            f"{role}_country",
            pa.string(),
            f"ISO 3166-1 alpha-2 country of the {role} (or its agent).",
        ),
        Column(
            f"{role}_region",
            pa.string(),
            f"Sub-national region/district of the {role}, where known.",
        ),
    ]


TRANSACTIONS = _schema(
    "transactions",
    "One payment, shaped like an ISO 20022 pacs.008 credit transfer.",
    [
        Column(
            "txn_id",
            pa.string(),
            "Unique, stable id; derived from the source where it has none.",
            False,
        ),
        Column("ts", TIMESTAMP_TYPE, "When the payment was made (UTC).", False),
        Column("amount", AMOUNT_TYPE, "Amount in `currency`, always positive.", False),
        Column("currency", pa.string(), "ISO 4217 code (or crypto ticker such as BTC).", False),
        Column(
            "channel",
            pa.string(),
            "wallet, cash_in, cash_out, card, ibft, wire, crypto, cheque, ach, bill, merchant, other.",
        ),
        *_party_columns("debtor"),
        *_party_columns("creditor"),
        Column("ultimate_debtor_name", pa.string(), "UltmtDbtr: on whose behalf the debtor paid."),
        Column(
            "ultimate_creditor_name",
            pa.string(),
            "UltmtCdtr: the final beneficiary named by the payer.",
        ),
        Column(
            "purpose",
            pa.string(),
            "Purpose code or category (ISO 20022 Purp/Cd, scenario, payment type).",
        ),
        Column("narrative", pa.string(), "Free text the payer wrote (RmtInf/Ustrd, memo, note)."),
        Column("end_to_end_id", pa.string(), "Payer's end-to-end reference (PmtId/EndToEndId)."),
        Column(
            "uetr", pa.string(), "SWIFT Unique End-to-end Transaction Reference, where present."
        ),
        Column(
            "source_format",
            pa.string(),
            "Reader that produced the row (amlworld, paysim, pacs008, ...).",
            False,
        ),
        Column(
            "source_ref",
            pa.string(),
            "Where the row came from: file name and line/record, for audit.",
            False,
        ),
        Column("load_id", pa.string(), "The ingest batch that loaded the row.", False),
    ],
)

PARTIES = _schema(
    "parties",
    "A person or organisation known to the institution (customer, counterparty).",
    [
        Column("party_id", pa.string(), "Stable id of the party.", False),
        Column("name", pa.string(), "Full name in its own script.", False),
        Column("kind", pa.string(), "person or organization."),
        Column("birth_date", pa.string(), "ISO date of birth (YYYY-MM-DD, YYYY-MM or YYYY)."),
        Column("father_name", pa.string(), "Father's name (Pakistani identity records carry it)."),
        Column("country", pa.string(), "ISO alpha-2 country of residence or registration."),
        Column("nationality", pa.string(), "ISO alpha-2 nationality."),
        Column("region", pa.string(), "Sub-national region/district."),
        Column(
            "identifiers",
            pa.list_(pa.struct([("type", pa.string()), ("value", pa.string())])),
            "National id (CNIC), passport, tax id, wallet address.",
        ),
        Column(
            "is_customer",
            pa.bool_(),
            "True for the institution's own customer (goAML *_my_client).",
        ),
        Column(
            "party_type", pa.string(), "Finer role: individual, business, merchant, agent, npo."
        ),
        Column("source_ref", pa.string(), "Where the row came from."),
        Column("national_id", pa.string(), "National identity number (CNIC in Pakistan)."),
        Column("phone", pa.string(), "Phone number (MSISDN) on file."),
        Column(
            "device_id", pa.string(), "Device id the customer onboarded or last logged in with."
        ),
        Column("ip_address", pa.string(), "IP address on file (onboarding or last login)."),
        Column("address", pa.string(), "Postal address, one line."),
        Column("occupation", pa.string(), "Occupation or line of business as declared."),
        Column("kyc_level", pa.string(), "KYC tier of the customer (e.g. L0, L1, L2, full)."),
        Column("onboarded_on", pa.date32(), "When the party became a customer."),
        Column("is_npo", pa.bool_(), "True for a non-profit (charity, trust, madrassa)."),
        Column(
            "beneficial_owners",
            pa.list_(pa.string()),
            "Beneficial owners of an organisation (party ids or names).",
        ),
        Column("load_id", pa.string(), "The ingest batch that wrote the row's current version."),
    ],
)

ACCOUNTS = _schema(
    "accounts",
    "An account or wallet and who holds it.",
    [
        Column("account_id", pa.string(), "Account number, IBAN or wallet MSISDN.", False),
        Column("party_id", pa.string(), "Holder (parties.party_id)."),
        Column("account_type", pa.string(), "bank, wallet, agent, merchant, npo."),
        Column("agent", pa.string(), "Holding institution (BIC or code)."),
        Column("currency", pa.string(), "Account currency."),
        Column("country", pa.string(), "ISO alpha-2 country."),
        Column("region", pa.string(), "Sub-national region/district."),
        Column("opened_on", pa.date32(), "Opening date."),
        Column("is_own", pa.bool_(), "Held at the reporting institution."),
        Column("source_ref", pa.string(), "Where the row came from."),
        Column("kyc_level", pa.string(), "Wallet or account KYC tier (sets its limits)."),
        Column("daily_limit", AMOUNT_TYPE, "Most the account may move in a day, in `currency`."),
        Column(
            "monthly_limit", AMOUNT_TYPE, "Most the account may move in a month, in `currency`."
        ),
        Column(
            "expected_monthly_turnover",
            AMOUNT_TYPE,
            "Turnover per month declared at onboarding (KYC profile), in `currency`.",
        ),
        Column("load_id", pa.string(), "The ingest batch that wrote the row's current version."),
    ],
)

LABELS = _schema(
    "labels",
    "Ground truth kept apart from the data (`Is Laundering`, `isFraud`, synth typologies). Never a feature.",
    [
        Column("txn_id", pa.string(), "Labelled transaction, if the label is per transaction."),
        Column("account_id", pa.string(), "Labelled account, if the label is per account."),
        Column(
            "label", pa.string(), "What the label says: laundering, fraud, or a typology id.", False
        ),
        Column("value", pa.bool_(), "True when the row is positive for the label.", False),
        Column("pattern_id", pa.string(), "Injected pattern instance (synthetic data)."),
        Column("source_format", pa.string(), "Reader or generator that produced the label.", False),
        Column("source_ref", pa.string(), "Where the label came from.", False),
        Column("load_id", pa.string(), "The ingest batch that loaded the label.", False),
    ],
)

REJECTS = _schema(
    "rejects",
    "Input records refused by a reader under `--on-error skip`, each with its reason.",
    [
        Column("load_id", pa.string(), "The ingest batch.", False),
        Column("source_format", pa.string(), "Reader.", False),
        Column("file", pa.string(), "File the record came from.", False),
        Column(
            "record",
            pa.int64(),
            "Line (CSV, 1-based incl. header) or record number (XML/JSON, 1-based).",
        ),
        Column("field", pa.string(), "Field at fault."),
        Column("value", pa.string(), "Offending value."),
        Column("reason", pa.string(), "Why it was refused.", False),
        Column("raw", pa.string(), "The raw record, truncated to 2,000 characters."),
        Column("rejected_at", TIMESTAMP_TYPE, "When.", False),
    ],
)

LOADS = _schema(
    "loads",
    "One ingest batch per file: what was loaded, when, from which bytes.",
    [
        Column("load_id", pa.string(), "Batch id.", False),
        Column("source_format", pa.string(), "Reader.", False),
        Column("file", pa.string(), "Path as given.", False),
        Column(
            "sha256",
            pa.string(),
            "Content hash; a file with a hash already loaded is not loaded again.",
            False,
        ),
        Column("rows", pa.int64(), "Transactions inserted.", False),
        Column("labels", pa.int64(), "Label rows inserted.", False),
        Column("rejects", pa.int64(), "Records refused.", False),
        Column("loaded_at", TIMESTAMP_TYPE, "When.", False),
    ],
)

ALERTS = _schema(
    "alerts",
    "Something a stage found that an analyst must look at: one row per alert, from any stage.",
    [
        Column(
            "alert_id",
            pa.string(),
            "Stable id: the same finding on a re-run gets the same id.",
            False,
        ),
        Column(
            "run_id",
            pa.string(),
            "The run that produced it (monitoring_runs.run_id or a screening run).",
            False,
        ),
        Column("source", pa.string(), "Stage: monitoring, screening, network, media.", False),
        Column("rule_id", pa.string(), "Rule or screening method that fired.", False),
        Column(
            "typology",
            pa.string(),
            "Typology id (crowdfunding_fan_in, sanctions_match, ...).",
            False,
        ),
        Column("subject_type", pa.string(), "account, party or transaction.", False),
        Column(
            "subject_id",
            pa.string(),
            "The account, party or transaction the alert is about.",
            False,
        ),
        Column("subject_name", pa.string(), "Display name of the subject, where known."),
        Column("window_start", TIMESTAMP_TYPE, "Start of the activity that triggered it."),
        Column("window_end", TIMESTAMP_TYPE, "End of that activity."),
        Column("severity", pa.string(), "low, medium, high or critical.", False),
        Column("score", pa.float64(), "0..1 strength of the finding.", False),
        Column("txn_ids", pa.list_(pa.string()), "The triggering transactions."),
        Column("amount", AMOUNT_TYPE, "Total amount involved, in `currency`."),
        Column("currency", pa.string(), "Currency of `amount`."),
        Column("params", pa.string(), "JSON of the parameters used."),
        Column(
            "params_hash",
            pa.string(),
            "Hash of `params`, so alerts from different settings are told apart.",
        ),
        Column("explanation", pa.string(), "One plain sentence with the actual numbers.", False),
        Column(
            "details",
            pa.string(),
            "JSON with the evidence (e.g. screening features and contributions).",
        ),
        Column("entity_id", pa.string(), "Matched list entity, for screening alerts."),
        Column("created_at", TIMESTAMP_TYPE, "When the alert was first produced.", False),
    ],
)

_NAME = pa.struct(
    [
        ("name", pa.string()),
        ("quality", pa.string()),  # strong | weak
        ("name_type", pa.string()),  # primary | alias | fka | original_script
        ("script", pa.string()),  # Latn, Arab, Cyrl, ...
        ("lang", pa.string()),
    ]
)
_BIRTH_DATE = pa.struct(
    [
        ("value", pa.string()),  # as listed: YYYY-MM-DD, YYYY-MM, YYYY
        ("date_from", pa.date32()),
        ("date_to", pa.date32()),
        ("circa", pa.bool_()),
    ]
)
_IDENTIFIER = pa.struct(
    [
        ("type", pa.string()),  # passport, national_id, cnic, tax_id, wallet:XBT, imo, ...
        ("value", pa.string()),
        ("normalized", pa.string()),
        ("country", pa.string()),
        ("note", pa.string()),
        ("usable", pa.bool_()),  # False for placeholders such as CNIC 0000123456789
    ]
)

LIST_ENTITIES = _schema(
    "list_entities",
    "A listed person, organisation, vessel or wallet, in the FollowTheMoney vocabulary.",
    [
        Column("entity_id", pa.string(), "Stable id: `{list_id}:{list_ref}`.", False),
        Column(
            "schema",
            pa.string(),
            "FtM schema: Person, Organization, LegalEntity, Vessel, CryptoWallet.",
            False,
        ),
        Column("primary_name", pa.string(), "The list's main name for the entry.", False),
        Column(
            "names", pa.list_(_NAME), "Every name: primary, aliases, original script, with quality."
        ),
        Column(
            "birth_dates", pa.list_(_BIRTH_DATE), "Dates of birth: exact, year-only, ranges, circa."
        ),
        Column("birth_places", pa.list_(pa.string()), "Places of birth."),
        Column(
            "nationalities",
            pa.list_(pa.string()),
            "ISO alpha-2 nationalities (or names where no code is known).",
        ),
        Column("countries", pa.list_(pa.string()), "Other country links: address, registration."),
        Column(
            "father_names",
            pa.list_(pa.string()),
            "Father's names (NACTA Fourth Schedule, some UN entries).",
        ),
        Column(
            "identifiers",
            pa.list_(_IDENTIFIER),
            "Passports, national ids, CNICs, wallet addresses.",
        ),
        Column("addresses", pa.list_(pa.string()), "Addresses as one line each."),
        Column("programs", pa.list_(pa.string()), "Sanctions programmes (UN 1267, SDGT, ...)."),
        Column(
            "list_id",
            pa.string(),
            "Source list: un, ofac-sdn, ofac-cons, uk-ofsi, eu-fsf, pk-nacta, custom:<name>.",
            False,
        ),
        Column(
            "list_ref", pa.string(), "The list's own reference (QDi.422, ent_num, Group ID).", False
        ),
        Column("listed_on", pa.date32(), "Date of listing."),
        Column(
            "linked_refs",
            pa.list_(pa.string()),
            "Other lists' references of the same entity (e.g. UN ref on an EU entry).",
        ),
        Column("remarks", pa.string(), "Free-text remarks as listed."),
        Column(
            "source_version", pa.string(), "List snapshot (version id) the row came from.", False
        ),
    ],
)

ALL_TABLES: dict[str, pa.Schema] = {
    "transactions": TRANSACTIONS,
    "parties": PARTIES,
    "accounts": ACCOUNTS,
    "labels": LABELS,
    "rejects": REJECTS,
    "loads": LOADS,
    "alerts": ALERTS,
}
"""Canonical tables created in every workspace's analytical store."""

# Vocabulary lives in `cftwatch.vocab`; re-exported here because canonical columns use it.
CHANNELS = vocab.CHANNELS
SEVERITIES = vocab.SEVERITIES


def column_names(schema: pa.Schema) -> list[str]:
    return [f.name for f in schema]


def column_doc(schema: pa.Schema, name: str) -> str:
    meta = schema.field(name).metadata or {}
    return meta.get(b"doc", b"").decode()


def describe(schema: pa.Schema) -> list[tuple[str, str, bool, str]]:
    """(name, type, nullable, doc) for each column, for docs and `cftwatch tables --schema`."""
    return [(f.name, str(f.type), f.nullable, column_doc(schema, f.name)) for f in schema]


def empty(schema: pa.Schema) -> pa.Table:
    # not `schema.empty_table()`: that imports pandas (~50 MB RSS) for every workspace
    return pa.Table.from_batches([], schema=schema)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Reorder/cast `table` to `schema`, adding missing nullable columns as nulls.

    Raises ValueError naming the column when a non-nullable column is absent or a
    value cannot be cast.
    """
    arrays = []
    for f in schema:
        if f.name in table.column_names:
            col = table.column(f.name)
            if not col.type.equals(f.type):
                try:
                    col = col.cast(f.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise ValueError(
                        f"column {f.name!r}: cannot cast {col.type} to {f.type}: {exc}"
                    ) from exc
            if not f.nullable and col.null_count:
                raise ValueError(
                    f"column {f.name!r}: {col.null_count} null value(s) in a required column"
                )
            arrays.append(col)
        elif f.nullable:
            arrays.append(pa.nulls(table.num_rows, f.type))
        else:
            raise ValueError(f"column {f.name!r} is required but missing")
    return pa.Table.from_arrays(arrays, schema=schema)
