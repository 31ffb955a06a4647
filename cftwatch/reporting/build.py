"""A case plus canonical tables → the report model.

`build_goaml_report` takes plain data: a `ReportCase`, the canonical `transactions` and
`parties` Arrow tables (optionally `accounts`), the institution's details and an FIU
profile. It never refuses: what it cannot fill stays empty with a note saying why, and
validation lists it. Each goAML element has its own builder in `builders/`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from cftwatch.reporting.builders.activity import build_activity
from cftwatch.reporting.builders.base import BuildContext, Row
from cftwatch.reporting.builders.header import build_header, report_indicators
from cftwatch.reporting.builders.transaction import build_transaction, ctr_rows
from cftwatch.reporting.fiu_profile import FiuProfile
from cftwatch.reporting.inputs import InstitutionInfo, ReportCase
from cftwatch.reporting.model import Report, ReportType

ROLES = ("debtor", "creditor")


def build_goaml_report(
    case: ReportCase,
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
    rows = case_transactions(transactions, case.all_txn_ids())
    party_ids, account_ids = referenced_ids(rows, case)
    party_rows = _rows_by_key(parties, "party_id", party_ids)
    account_rows = _rows_by_key(accounts, "account_id", account_ids)
    holders = {a["party_id"] for a in account_rows.values() if a.get("party_id")}
    party_rows.update(_rows_by_key(parties, "party_id", holders - party_rows.keys()))

    chosen: ReportType = report_type or ("STR" if rows else "SAR")
    ctx = BuildContext(profile, institution, party_rows, account_rows, chosen)
    report = build_header(ctx, case, submission_date)
    if chosen == "SAR":
        report.activity = build_activity(ctx, case, rows, report.reason)
    else:
        if chosen == "CTR":
            rows = ctr_rows(ctx, rows)
        report.transactions = [build_transaction(ctx, i, row) for i, row in enumerate(rows)]
        if not report.transactions:
            ctx.notes["transactions"] = _no_transactions_note(case, chosen)
    report.indicators = report_indicators(ctx, case)
    report.notes = dict(ctx.notes)
    report.placeholders = dict(ctx.placeholders)
    return report


def _no_transactions_note(case: ReportCase, chosen: ReportType) -> str:
    what = "cash transaction at or over the CTR threshold" if chosen == "CTR" else "transactions"
    hint = " (try --type SAR)" if chosen == "STR" else ""
    return f"case {case.case_id} has no {what} in the canonical transactions table{hint}"


def case_transactions(transactions: pa.Table, txn_ids: Sequence[str]) -> list[Row]:
    """The case's transaction rows, oldest first; one loaded twice is reported once."""
    if not txn_ids:
        return []
    wanted = pa.array(list(txn_ids), pa.string())
    subset = transactions.filter(pc.is_in(transactions["txn_id"], value_set=wanted))
    subset = subset.sort_by([("ts", "ascending"), ("txn_id", "ascending")])
    seen: set[str] = set()
    out = []
    for row in subset.to_pylist():
        if row["txn_id"] in seen:
            continue
        seen.add(row["txn_id"])
        out.append(row)
    return out


def referenced_ids(rows: Iterable[Row], case: ReportCase) -> tuple[set[str], set[str]]:
    """The party ids and account ids the transaction rows and the case subject name (the
    rows a report needs from the parties and accounts tables, besides account holders)."""
    party_ids: set[str] = set()
    account_ids: set[str] = set()
    for row in rows:
        for role in ROLES:
            party_ids.add(row.get(f"{role}_id") or "")
            account_ids.add(row.get(f"{role}_account") or "")
    party_ids.add(case.subject_of_type("party") or "")
    account_ids.add(case.subject_of_type("account") or "")
    return party_ids - {""}, account_ids - {""}


def _rows_by_key(table: pa.Table | None, key: str, wanted: Iterable[str]) -> dict[str, Row]:
    values = [w for w in wanted if w]
    if table is None or not values or key not in table.column_names:
        return {}
    subset = table.filter(pc.is_in(table[key], value_set=pa.array(values, pa.string())))
    return {r[key]: r for r in subset.to_pylist()}
