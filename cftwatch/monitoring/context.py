"""Customer context on the transactions the rules read: who holds each account (party
type, account type, KYC level, NPO flag, from the `parties` and `accounts` tables that
`cftwatch ingest parties|accounts` fills) and, when a rule's floor is relative, each
account's usual payment and its peer group's.

Peer group = the same party type, account type and KYC level; an account's usual payment
is the median of the payments it sends or receives; the peer figure is the median of its
peers' usual payments (`baseline.with_peer_baseline`). Portable Ibis (DuckDB and Spark).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from cftwatch.monitoring.baseline import with_peer_baseline
from cftwatch.monitoring.money import RelativeAmount

PEER_GROUP = ("party_type", "account_type", "kyc_level")
"""What makes accounts peers for `Nx_peer_median`."""

_COLUMNS = (
    "txn_id",
    "ts",
    "amount",
    "currency",
    "channel",
    "purpose",
    "debtor_id",
    "debtor_account",
    "debtor_country",
    "debtor_region",
    "creditor_id",
    "creditor_account",
    "creditor_country",
    "creditor_region",
)


def _holders(accounts: ir.Table, parties: ir.Table) -> tuple[ir.Table, ir.Table]:
    """One row per account (type, holder, KYC level) and per party (type, kind, KYC
    level); a party flagged as an NPO with no type counts as `npo`. Columns an older
    workspace lacks are read as NULL."""

    def top(t: ir.Table, name: str) -> ir.Value:
        return t[name].max() if name in t.columns else ibis.null("string")

    acc = accounts.group_by("account_id").aggregate(
        _at=accounts.account_type.max(),
        _ap=accounts.party_id.max(),
        _ak=top(accounts, "kyc_level"),
    )
    npo = (
        parties.is_npo.cast("int8").max() == 1
        if "is_npo" in parties.columns
        else ibis.literal(False)
    )
    par = parties.group_by("party_id").aggregate(
        _pt=parties.party_type.max(),
        _pk=parties.kind.max(),
        _pl=top(parties, "kyc_level"),
        _pn=npo,
    )
    par = par.mutate(_pt=ibis.coalesce(par._pt, ibis.ifelse(par._pn, "npo", ibis.null("string"))))
    return acc, par.drop("_pn")


def prepare_transactions(txns: ir.Table, accounts: ir.Table, parties: ir.Table) -> ir.Table:
    """Transactions (with `orig_amount`/`orig_currency` where converted) plus epoch
    seconds, a float amount and, per side, the holder's
    `*_account_type`, `*_party_type`, `*_party_kind` and `*_kyc_level` (the account's
    KYC level, else the party's)."""
    acc, par = _holders(accounts, parties)
    kept = [c for c in ("orig_amount", "orig_currency") if c in txns.columns]
    t = txns.select(
        *_COLUMNS,
        *kept,
        ts_s=txns.ts.epoch_seconds().floor().cast("int64"),
        amt=txns.amount.cast("float64"),
    )
    for side in ("debtor", "creditor"):
        a = acc.select(
            **{
                f"_{side}_acc": acc.account_id,
                f"{side}_account_type": acc._at,
                f"_{side}_ap": acc._ap,
                f"_{side}_ak": acc._ak,
            }
        )
        t = t.left_join(a, t[f"{side}_account"] == a[f"_{side}_acc"]).drop(f"_{side}_acc")
        p = par.select(
            **{
                f"_{side}_pid": par.party_id,
                f"{side}_party_type": par._pt,
                f"{side}_party_kind": par._pk,
                f"_{side}_pl": par._pl,
            }
        )
        holder = ibis.coalesce(t[f"{side}_id"], t[f"_{side}_ap"])
        t = t.left_join(p, holder == p[f"_{side}_pid"])
        t = t.mutate(
            **{f"{side}_kyc_level": ibis.coalesce(t[f"_{side}_ak"], t[f"_{side}_pl"])}
        ).drop(f"_{side}_pid", f"_{side}_ap", f"_{side}_ak", f"_{side}_pl")
    return t


def with_usual_amounts(t: ir.Table) -> ir.Table:
    """Add `{side}_own_median` and `{side}_peer_median` for the debtor and the creditor
    account: the account's median payment (sent or received) and the median of those of
    its peer group (`PEER_GROUP`)."""
    legs = None
    for side in ("debtor", "creditor"):
        leg = t.select(
            acct=t[f"{side}_account"],
            amt=t.amt,
            party_type=t[f"{side}_party_type"],
            account_type=t[f"{side}_account_type"],
            kyc_level=t[f"{side}_kyc_level"],
        )
        legs = leg if legs is None else legs.union(leg)
    assert legs is not None
    legs = legs.filter(legs.acct.notnull())
    own = legs.group_by("acct").aggregate(
        usual=legs.amt.approx_median(),
        party_type=legs.party_type.max(),
        account_type=legs.account_type.max(),
        kyc_level=legs.kyc_level.max(),
    )
    own = with_peer_baseline(own, PEER_GROUP, "usual")
    for side in ("debtor", "creditor"):
        u = own.select(
            **{
                f"_{side}_u": own.acct,
                f"{side}_own_median": own.usual,
                f"{side}_peer_median": own.peer_median,
            }
        )
        t = t.left_join(u, t[f"{side}_account"] == u[f"_{side}_u"]).drop(f"_{side}_u")
    return t


def above_usual(t: ir.Table, floor: RelativeAmount) -> ir.BooleanValue:
    """The payment is at least `floor.value` times the usual amount (own or peer, as the
    floor says) of its sender's or its receiver's account."""
    basis = "own_median" if floor.basis == "own_median" else "peer_median"
    k = float(floor.value)
    sent = (t.amt >= t[f"debtor_{basis}"] * k).fill_null(False)
    received = (t.amt >= t[f"creditor_{basis}"] * k).fill_null(False)
    return sent | received


__all__ = ["PEER_GROUP", "above_usual", "prepare_transactions", "with_usual_amounts"]
