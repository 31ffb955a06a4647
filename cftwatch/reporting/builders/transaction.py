"""`transaction`: one canonical transaction row with its two sides, its amount in the
local currency (and the foreign one), mode, place and description."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from cftwatch.reporting.builders.base import MAX_TEXT, BuildContext, Origins, Row, naive
from cftwatch.reporting.builders.party import build_transaction_party
from cftwatch.reporting.model import ForeignCurrency, Transaction, TransactionParty

_CENT = Decimal("0.01")

ORIGINS = Origins(
    element="transaction",
    model=Transaction,
    field="transactions",
    source="the case's transactions (alerts' txn_ids and evidence)",
    fields={
        "transactionnumber": "transactions.txn_id",
        "internal_ref_number": "transactions.end_to_end_id / uetr",
        "transaction_location": "transactions.<own customer side>_region and _country",
        "transaction_description": "transactions.narrative / purpose",
        "date_transaction": "transactions.ts",
        "transmode_code": "transactions.channel via profile channels.<channel>.transmode",
        "amount_local": "transactions.amount and currency (foreign amounts need an exchange rate)",
    },
)


def build_transaction(ctx: BuildContext, index: int, row: Row) -> Transaction:
    path = f"transactions[{index}]"
    channel = row.get("channel")
    codes = ctx.profile.channels.get(channel or "")
    if codes is None:
        ctx.notes[f"{path}.transmode_code"] = (
            f"channel {channel!r} has no code in profile {ctx.profile.name} channels"
            if channel
            else "the transaction has no channel"
        )
    amount_local, foreign = _local_amount(ctx, path, row.get("amount"), row.get("currency"))
    from_party = build_transaction_party(ctx, f"{path}.from_party", row, "debtor", codes, foreign)
    to_party = build_transaction_party(ctx, f"{path}.to_party", row, "creditor", codes, None)
    return Transaction(
        transactionnumber=row.get("txn_id"),
        internal_ref_number=row.get("end_to_end_id") or row.get("uetr"),
        transaction_location=_location(ctx, path, row, from_party, to_party),
        transaction_description=_description(row),
        date_transaction=naive(row.get("ts")),
        transmode_code=codes.transmode if codes else None,
        amount_local=amount_local,
        from_party=from_party,
        to_party=to_party,
    )


def local_rate(ctx: BuildContext, currency: str | None) -> Decimal | None:
    """Units of local currency per unit of `currency` (1 for the local one; None unknown)."""
    if not currency or currency == ctx.local:
        return Decimal(1)
    return ctx.institution.exchange_rates.get(currency)


def ctr_rows(ctx: BuildContext, rows: list[Row]) -> list[Row]:
    """Cash transactions at or over the profile's CTR threshold (in local currency). A
    foreign-currency one without an exchange rate is kept, so its violation is listed."""
    rule = ctx.profile.ctr
    keep = []
    for row in rows:
        if row.get("channel") not in rule.channels or row.get("amount") is None:
            continue
        rate = local_rate(ctx, row.get("currency"))
        if rate is None or Decimal(row["amount"]) * rate >= rule.threshold:
            keep.append(row)
    return keep


def _local_amount(
    ctx: BuildContext, path: str, amount: Any, currency: str | None
) -> tuple[Decimal | None, ForeignCurrency | None]:
    if amount is None:
        ctx.notes[f"{path}.amount_local"] = "the transaction has no amount"
        return None, None
    value = Decimal(amount)
    if not currency or currency == ctx.local:
        return value.quantize(_CENT, rounding=ROUND_HALF_UP), None
    rate = local_rate(ctx, currency)
    if rate is None:
        ctx.notes[f"{path}.amount_local"] = (
            f"amount is in {currency}; no exchange rate {currency}->{ctx.local} "
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
    ctx: BuildContext,
    path: str,
    row: Row,
    from_party: TransactionParty,
    to_party: TransactionParty,
) -> str | None:
    """Where it happened: our own customer's side's region and country."""
    role = "debtor" if from_party.my_client or not to_party.my_client else "creditor"
    bits = [row.get(f"{role}_region"), row.get(f"{role}_country")]
    text = ", ".join(b for b in bits if b)
    if not text:
        ctx.notes[f"{path}.transaction_location"] = (
            f"transactions.{role}_region and _country are empty"
        )
    return text or None


def _description(row: Row) -> str:
    text = " — ".join(t for t in (row.get("purpose"), row.get("narrative")) if t)
    if text:
        return text[:MAX_TEXT]
    return (
        f"{row.get('channel') or 'payment'} of {row.get('amount')} {row.get('currency')} "
        f"from {row.get('debtor_name') or row.get('debtor_account') or 'unknown payer'} "
        f"to {row.get('creditor_name') or row.get('creditor_account') or 'unknown payee'}"
    )[:MAX_TEXT]
