"""Rule `high_risk_geography`: many senders to one account in a high-risk country or region."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from cftwatch.engine.windows import (
    DAY,
    anchors_by_distinct,
    episodes,
)
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import (
    KEYS,
    alert_shape,
    base_aggregates,
    in_high_risk_area,
    is_in,
    not_in,
    rows_in_episodes,
    with_prior_count,
)
from cftwatch.monitoring.params import (
    MAX_DAYS,
    days_lookback,
    explore,
    float_param,
    int_param,
    money_param,
    party_types_param,
)
from cftwatch.monitoring.scores import ratio_score
from cftwatch.monitoring.spec import RuleInput, RuleSpec


def _geo(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    r = t.filter(
        in_high_risk_area(t, "creditor", p),
        ~in_high_risk_area(t, "debtor", p),
        t.amt >= p["min_payment"],
        t.debtor_account.notnull(),
        is_in(t.creditor_country, p["high_risk_countries"])
        | (
            not_in(t.creditor_party_type, p["exclude_party_types"])
            & not_in(t.creditor_account_type, p["exclude_party_types"])
        ),
    ).mutate(acct=t.creditor_account, who=t.debtor_account)
    w = p["window_days"] * DAY
    least = min(p["min_senders"], p["min_senders_region"])
    anchors = anchors_by_distinct(r, KEYS, "who", w, least)
    rows = rows_in_episodes(episodes(anchors, KEYS, w), r, KEYS)
    foreign = is_in(rows.creditor_country, p["high_risk_countries"])
    g = rows.group_by([*KEYS, "ep_start"]).aggregate(
        **base_aggregates(rows),
        senders=rows.who.nunique(),
        payments=rows.count(),
        country=rows.creditor_country.max(),
        region=rows.creditor_region.max(),
        hr_country=foreign.cast("int64").max(),
    )
    need = ibis.ifelse(g.hr_country == 1, p["min_senders"], p["min_senders_region"])
    g = g.filter(g.amount.cast("float64") >= p["min_total"], g.senders >= need)
    g = with_prior_count(g, r, KEYS, p["baseline_days"] * DAY)
    g = g.filter(g.payments >= g.prior * (w / (p["baseline_days"] * DAY)) * p["burst_factor"])
    return alert_shape(g, senders=None, payments=None, country=None, region=None, prior=None)


def _geo_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    where = ", ".join(x for x in (m.get("region"), m.get("country")) if x) or "a high-risk area"
    return (
        f"{tx.count(m['senders'], 'sender')} paid {tx.money(m['amount'], c)} in "
        f"{tx.count(m['payments'], 'payment')} to {m['subject']} in {where} (high-risk) within "
        f"{tx.duration(m['span_s'])}."
    )


RULE = RuleSpec(
    id="high_risk_geography",
    position=9,
    typology="high_risk_remittance",
    title="Many senders to one account in a high-risk country or region",
    description=(
        "At least `min_senders` distinct accounts outside the high-risk areas pay one account "
        "located in a high-risk country (`high_risk_countries`) or region (`high_risk_regions`) "
        "within `window_days`, for at least `min_total` in all."
    ),
    why=(
        "Money for fighters and their families is pooled from many supporters and sent to a "
        "few receivers in or next to conflict zones, often through transit hubs; a single "
        "remittance there is ordinary, a collection converging on one receiver is not."
    ),
    severity="high",
    params=(
        int_param(
            "min_senders",
            6,
            1,
            10_000,
            "accounts",
            "Distinct senders needed when the receiver is in a high-risk country.",
        ),
        int_param(
            "min_senders_region",
            15,
            1,
            10_000,
            "accounts",
            "Distinct senders needed when the receiver is in a high-risk region of a country "
            "that is not itself high-risk (border districts: many ordinary residents).",
        ),
        int_param("window_days", 7, 1, MAX_DAYS, "days", "Length of the sliding window."),
        money_param("min_payment", 1_000, 0, 1e12, "Smallest payment that counts.", floor=True),
        money_param("min_total", 50_000, 0, 1e13, "Smallest total in the episode."),
        int_param(
            "baseline_days", 14, 1, 365, "days", "Own history the collection is compared with."
        ),
        float_param(
            "burst_factor",
            3,
            0,
            1000,
            "times",
            "Payments in the window must be this many times the receiver's usual number for a "
            "window of that length (0 turns the comparison off).",
        ),
        party_types_param(
            "exclude_party_types",
            ["merchant", "agent", "business", "npo"],
            "Receivers of these types in high-risk regions are not considered (in a high-risk "
            "country every receiver is).",
        ),
    ),
    settings=("high_risk_countries", "high_risk_regions"),
    false_positives="Diaspora families supporting relatives; border-district traders.",
    sources=("AUSTRAC 2014 (conduit countries)", "FINTRAC OA 2022", "FFIEC App. F"),
    sensitivity=(explore("min_senders", (20, 12, 8, 6, 4, 3, 2)),),
    builder=_geo,
    explain=_geo_text,
    score=lambda m, p: ratio_score(m["senders"], p["min_senders"]),
    lookback=days_lookback("window_days"),
)
