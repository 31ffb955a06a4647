"""`t_account` / `from_account` / `to_account`: an account, who holds it (an entity, or a
person as its primary signatory) and, for our own customers, our institution's codes."""

from __future__ import annotations

import re

from cftwatch.reporting.builders.base import BuildContext, Origins, Row, is_organization, naive
from cftwatch.reporting.builders.entity import build_entity
from cftwatch.reporting.builders.person import build_person
from cftwatch.reporting.model import Account, Signatory

_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")

ORIGINS = Origins(
    element="t_account",
    model=Account,
    field="account",
    source="transactions.{role}_account",
    fields={
        "account": "transactions.{role}_account",
        "institution_name": (
            "workspace institution.name (own customers), else transactions.{role}_agent"
        ),
        "institution_code": "workspace reporting.institution_code, else transactions.{role}_agent",
        "swift": "workspace reporting.swift, else transactions.{role}_agent",
        "currency_code": "accounts.currency, else transactions.currency",
        "personal_account_type": "accounts.account_type via profile account_type_codes",
        "opened": "accounts.opened_on",
        "client_number": "accounts.party_id (the holder's customer number)",
        "status_code": "profile account_status_code",
        "branch": "workspace reporting.branch (own accounts)",
    },
)


def build_account(
    ctx: BuildContext,
    path: str,
    account_id: str,
    *,
    account_row: Row | None,
    holder: Row | None,
    name: str | None,
    my_client: bool,
    agent: str | None,
    currency: str | None,
) -> Account:
    """The account at `path`. `agent` and `currency` are what the transaction names; the
    accounts row, when there is one, fills the rest."""
    account = Account(
        my_client=my_client,
        party_id=(holder or {}).get("party_id"),
        account=account_id,
        account_name=(holder or {}).get("name") or name,
        currency_code=(account_row or {}).get("currency") or currency,
    )
    _institution(ctx, path, account, agent or (account_row or {}).get("agent"))
    if account_row is not None:
        kind = account_row.get("account_type")
        account.personal_account_type = ctx.profile.account_type_codes.get(kind or "")
        if account.personal_account_type is None:
            ctx.notes[f"{path}.personal_account_type"] = (
                f"account type {kind!r} has no code in profile account_type_codes"
            )
        account.opened = naive(account_row.get("opened_on"))
    elif my_client:
        ctx.notes[f"{path}.personal_account_type"] = (
            f"account {account_id} is not in the accounts table"
        )
    if my_client:
        account.client_number = (account_row or {}).get("party_id") or (holder or {}).get(
            "party_id"
        )
        account.status_code = ctx.profile.account_status_code
    if holder is not None and is_organization(holder):
        account.entity = build_entity(holder, my_client)
    elif holder is not None or name:
        person = build_person(ctx, f"{path}.signatories[0].person", holder, name, my_client)
        role = ctx.profile.signatory_role if my_client else None
        account.signatories.append(Signatory(is_primary=True, person=person, role=role))
    return account


def _institution(ctx: BuildContext, path: str, account: Account, agent: str | None) -> None:
    """Who holds the account: our institution for our own customers (its configured code
    wins; else the holding agent the data names), else the agent on the transaction."""
    agent_bic = agent if agent and _BIC.match(agent) else None
    agent_code = agent if agent and not agent_bic else None
    if not account.my_client:
        account.institution_code, account.swift = agent_code, agent_bic
        account.institution_name = agent  # goAML needs a name; the data has only the code
        return
    institution = ctx.institution
    account.institution_name = institution.name
    account.branch = institution.branch
    if institution.institution_code or institution.swift:
        account.institution_code = institution.institution_code
        account.swift = None if account.institution_code else institution.swift
    else:
        account.institution_code, account.swift = agent_code, agent_bic
    if not (account.institution_code or account.swift):
        ctx.notes[f"{path}.institution_code"] = (
            "set reporting.institution_code or reporting.swift in the workspace config"
        )
