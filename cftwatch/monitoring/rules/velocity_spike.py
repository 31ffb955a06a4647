"""Rule `velocity_spike`: velocity spike against the account's own baseline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from cftwatch.engine.windows import (
    DAY,
)
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.baseline import baseline_params, keep_unusual
from cftwatch.monitoring.blocks import (
    KEYS,
    alert_shape,
    base_aggregates,
    not_in,
)
from cftwatch.monitoring.params import (
    channels_param,
    explore,
    float_param,
    int_param,
    money_param,
    party_types_param,
)
from cftwatch.monitoring.scores import clip
from cftwatch.monitoring.spec import RuleInput, RuleSpec


def _velocity(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    out = t.filter(
        not_in(t.channel, p["exclude_channels"]),
        not_in(t.debtor_party_type, p["exclude_party_types"]),
        not_in(t.debtor_account_type, p["exclude_party_types"]),
    ).mutate(acct=t.debtor_account, who=t.creditor_account, day=(t.ts_s // DAY).cast("int64"))
    daily = out.group_by([*KEYS, "day"]).aggregate(d_total=out.amount.sum(), d_n=out.count())
    bd = p["baseline_days"]
    w = ibis.range_window(preceding=bd, following=0, group_by=KEYS, order_by="day")
    daily = daily.mutate(_prev=(daily.d_total.sum().over(w) - daily.d_total).cast("float64"))
    seen = (
        t.select(acct=t.debtor_account, ts_s=t.ts_s)
        .union(t.select(acct=t.creditor_account, ts_s=t.ts_s))
        .group_by("acct")
        .aggregate(first_day=lambda s: (s.ts_s.min() // DAY).cast("int64"))
    )
    seen = seen.select(_a=seen.acct, first_day=seen.first_day)
    d = daily.join(seen, daily.acct == seen._a)
    mean = d._prev / bd
    spikes = d.filter(
        d.day - d.first_day >= bd,
        d.d_total.cast("float64") >= p["min_amount"],
        d.d_total.cast("float64") > mean * p["factor"],
        d.d_n >= p["min_payments"],
    ).select(_k=d.acct, _c=d.currency, _d=d.day, baseline=mean)
    j = out.join(spikes, [out.acct == spikes._k, out.currency == spikes._c, out.day == spikes._d])
    g = j.group_by([*KEYS, "day", "baseline"]).aggregate(
        **base_aggregates(j), payments=j.count(), recipients=j.who.nunique()
    )
    if p["baseline_weeks"] > 0:
        g = keep_unusual(g.mutate(_at=g.day * DAY), out, "acct", "_at", 7 * DAY,
                         p["baseline_weeks"], p["baseline_min_z"], by_amount=True).drop("_at")  # fmt: skip
    return alert_shape(g, payments=None, recipients=None, baseline=None)


def _velocity_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    base = float(m["baseline"])
    if base > 0:
        ratio = f"{tx.times(float(m['amount']) / base)} its average daily outflow of {tx.money(base, c)}"
    else:
        ratio = "after no outgoing payments at all"
    return (
        f"{tx.capital(m['subject'])} sent {tx.money(m['amount'], c)} in "
        f"{tx.count(m['payments'], 'payment')} to {tx.count(m['recipients'], 'account')} on "
        f"{tx.day(m['window_start'])}, {ratio} over the previous {p['baseline_days']} days."
    )


RULE = RuleSpec(
    id="velocity_spike",
    position=6,
    typology="velocity_spike",
    title="Velocity spike against the account's own baseline",
    description=(
        "An account's outgoing total on one day is at least `min_amount` and more than "
        "`factor` times its own mean daily outflow over the previous `baseline_days` days "
        "(accounts seen for less than `baseline_days` are not judged)."
    ),
    why=(
        "A sudden burst out of an account that was quiet (a returning traveller's account, a "
        "collection wallet being emptied, a mule activated) is a change of behaviour that no "
        "fixed threshold sees; comparing an account with itself does."
    ),
    severity="medium",
    params=(
        float_param(
            "factor", 10, 1.5, 1000, "times", "How many times the baseline mean counts as a spike."
        ),
        int_param(
            "baseline_days", 14, 3, 365, "days", "Days of own history the baseline averages."
        ),
        money_param("min_amount", 500_000, 0, 1e13, "Smallest daily outflow considered."),
        int_param("min_payments", 3, 1, 10_000, "payments", "Outgoing payments needed on the day."),
        channels_param(
            "exclude_channels",
            ["bill", "merchant", "card", "cash_in"],
            "Channels left out of outflows (cash_in is the agent's side of a deposit).",
        ),
        party_types_param(
            "exclude_party_types",
            ["merchant", "agent", "business"],
            "Payers of these party or account types are not considered.",
        ),
        *baseline_params("total of outgoing payments", 12),
    ),
    false_positives="Rent, school fees, a car or property purchase, Eid spending.",
    sources=(
        "FATF Virtual Assets red flags 2020 (bursts within 24 h)",
        "FINTRAC TF Assessment 2018",
    ),
    sensitivity=(explore("factor", (50, 30, 20, 10, 5, 3)),),
    builder=_velocity,
    explain=_velocity_text,
    score=lambda m, p: clip(
        1.0
        if float(m["baseline"]) <= 0
        else 0.5
        + 0.5 * (float(m["amount"]) / float(m["baseline"]) - p["factor"]) / (3 * p["factor"])
    ),
    lookback=lambda p: dt.timedelta(days=max(p["baseline_days"] + 1, 7 * p["baseline_weeks"] + 7)),
)
