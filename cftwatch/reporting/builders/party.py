"""`t_from` / `t_from_my_client` / `t_to` / `t_to_my_client`: one side of a transaction,
with its funds code, country and the account, entity or person behind it."""

from __future__ import annotations

from cftwatch.reporting.builders.account import build_account
from cftwatch.reporting.builders.base import BuildContext, Origins, Row, client_flag
from cftwatch.reporting.builders.entity import build_person_or_entity, hold
from cftwatch.reporting.fiu_profile import ChannelCodes
from cftwatch.reporting.model import ForeignCurrency, TransactionParty

ORIGINS = Origins(
    element="t_from / t_to",
    model=TransactionParty,
    fields={
        "funds_code": "transactions.channel via profile channels.<channel>.{side}_funds",
        "country": "transactions.{role}_country, else parties.country",
        "foreign_currency": "transactions.currency and workspace reporting.exchange_rates",
    },
)


def build_transaction_party(
    ctx: BuildContext,
    path: str,
    row: Row,
    role: str,
    codes: ChannelCodes | None,
    foreign: ForeignCurrency | None,
) -> TransactionParty:
    """The `role` (debtor or creditor) side of the transaction `row`, at `path`."""
    party_id = row.get(f"{role}_id")
    party = ctx.party(party_id)
    account_id = row.get(f"{role}_account")
    account_row = ctx.account(account_id)
    my_client = client_flag(
        ctx,
        path,
        party,
        bool(party and party.get("is_customer")) or bool(account_row and account_row.get("is_own")),
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
        ctx.notes[f"{path}.funds_code"] = (
            "the transaction's channel has no funds code in the profile"
        )
    if not country:
        ctx.notes[f"{path}.country"] = (
            f"transactions.{role}_country is empty and the party has no country"
        )
    name = row.get(f"{role}_name")
    if account_id:
        side.account = build_account(
            ctx,
            f"{path}.account",
            account_id,
            account_row=account_row,
            holder=party,
            name=name,
            my_client=my_client,
            agent=row.get(f"{role}_agent"),
            currency=row.get("currency"),
        )
        return side
    hold(side, build_person_or_entity(ctx, path, party, name, my_client))
    return side
