"""Rule `gather_scatter`: gather-scatter hub."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.windows import (
    DAY,
)
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import (
    KEYS,
    alert_shape,
    as_edges,
    is_in,
    not_in,
    with_prior_count,
)
from cftwatch.monitoring.params import (
    COUNTS,
    MAX_DAYS,
    channels_param,
    explore,
    float_param,
    int_param,
    money_param,
    party_types_param,
)
from cftwatch.monitoring.scores import ratio_score
from cftwatch.monitoring.spec import RuleInput, RuleSpec
from cftwatch.network.motifs import gather_scatter


def _gather_scatter(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    paid = t.filter(t.amt >= p["min_payment"], is_in(t.channel, p["channels"]))
    inflows = paid.filter(
        not_in(paid.creditor_party_type, p["exclude_party_types"]),
        not_in(paid.creditor_account_type, p["exclude_party_types"]),
        paid.debtor_account.notnull(),
    )
    w = p["window_days"] * DAY
    g = gather_scatter(as_edges(inflows), as_edges(paid), w, p["min_senders"]).rename(acct="hub")
    out, got = g.paid_out.cast("float64"), g.amount.cast("float64")
    g = g.filter(
        g.receivers >= p["min_receivers"],
        out >= got * p["min_forward_share"],
        out <= got * p["max_forward_share"],
    )
    r = inflows.mutate(acct=inflows.creditor_account)
    g = with_prior_count(g, r, KEYS, p["baseline_days"] * DAY)
    g = g.filter(g.in_payments >= g.prior * (w / (p["baseline_days"] * DAY)) * p["burst_factor"])
    return alert_shape(g, paid_out=None, senders=None, receivers=None, prior=None)


def _gather_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    share = tx.share(m["paid_out"], m["amount"])
    return (
        f"{tx.capital(m['subject'])} collected {tx.money(m['amount'], c)} from "
        f"{tx.count(m['senders'], 'sender')} and paid {tx.pct(share)} of it "
        f"({tx.money(m['paid_out'], c)}) out to {tx.count(m['receivers'], 'other account')} "
        f"within {tx.duration(m['span_s'])}."
    )


RULE = RuleSpec(
    id="gather_scatter",
    position=14,
    typology="gather_scatter",
    title="Gather-scatter hub",
    description=(
        "An account collects from at least `min_senders` distinct senders within `window_days` "
        "and, within `window_days` of the last collection, pays at least `min_forward_share` of "
        "the total out to at least `min_receivers` distinct accounts."
    ),
    why=(
        "A hub that pools many contributions and immediately redistributes them is the shape "
        "of a collection network financing several operatives or families at once."
    ),
    severity="high",
    params=(
        int_param(
            "min_senders", 6, 2, 10_000, "accounts", "Distinct senders needed in the window."
        ),
        int_param(
            "min_receivers", 6, 2, 10_000, "accounts", "Distinct receivers of the onward payments."
        ),
        int_param(
            "window_days",
            5,
            1,
            MAX_DAYS,
            "days",
            "Collection window, and the time allowed to pay out.",
        ),
        money_param("min_payment", 5_000, 0, 1e12, "Smallest payment that counts.", floor=True),
        float_param(
            "min_forward_share", 0.8, 0.1, 1.0, "fraction", "Share of the collection paid out."
        ),
        float_param(
            "max_forward_share",
            1.0,
            1.0,
            100.0,
            "fraction",
            "Paying out more than this share of the collection means other money is involved.",
        ),
        int_param(
            "baseline_days", 14, 1, 365, "days", "Own history the collection is compared with."
        ),
        float_param(
            "burst_factor",
            4,
            0,
            1000,
            "times",
            "Incoming payments in the window must be this many times the account's usual "
            "number for a window of that length (0 turns the comparison off).",
        ),
        channels_param(
            "channels", ["wallet", "bank_transfer", "remittance", "crypto"], "Channels that count."
        ),
        party_types_param(
            "exclude_party_types",
            ["merchant", "agent", "npo", "business"],
            "Hubs of these party or account types are not considered.",
        ),
    ),
    false_positives="Committee (ROSCA) organisers, event organisers paying vendors.",
    sources=("FFIEC App. F (funnel accounts)", "FINTRAC IMVE bulletin"),
    sensitivity=(explore("min_receivers", (20, *COUNTS)),),
    builder=_gather_scatter,
    explain=_gather_text,
    score=lambda m, p: ratio_score(min(m["senders"], m["receivers"]), p["min_senders"]),
    lookback=lambda p: dt.timedelta(days=2 * p["window_days"] + p["baseline_days"]),
)
