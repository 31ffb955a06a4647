"""Rule `npo_high_risk_payments`: non-profit paying individuals in high-risk regions."""

from __future__ import annotations

from typing import Any

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
    rows_in_episodes,
)
from cftwatch.monitoring.params import (
    MAX_DAYS,
    days_lookback,
    int_param,
    money_param,
)
from cftwatch.monitoring.scores import ratio_score
from cftwatch.monitoring.spec import RuleInput, RuleSpec


def _npo(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    r = t.filter(
        (t.debtor_party_type == "npo") | (t.debtor_account_type == "npo"),
        (t.creditor_party_type == "individual")
        | (t.creditor_party_type.isnull() & (t.creditor_party_kind == "person")),
        in_high_risk_area(t, "creditor", p),
        t.amt >= p["min_payment"],
    ).mutate(acct=t.debtor_account, who=t.creditor_account)
    w = p["window_days"] * DAY
    anchors = anchors_by_distinct(r, KEYS, "who", w, p["min_beneficiaries"])
    rows = rows_in_episodes(episodes(anchors, KEYS, w), r, KEYS)
    g = rows.group_by([*KEYS, "ep_start"]).aggregate(
        **base_aggregates(rows),
        beneficiaries=rows.who.nunique(),
        payments=rows.count(),
        areas=rows.creditor_region.nunique(),
        area=rows.creditor_region.max(),
    )
    return alert_shape(g, beneficiaries=None, payments=None, areas=None, area=None)


def _npo_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    where = m.get("area") or "high-risk areas"
    if m["areas"] and m["areas"] > 1:
        where = f"{m['areas']} high-risk areas including {where}"
    return (
        f"Non-profit {m['subject']} paid {tx.money(m['amount'], c)} to "
        f"{tx.count(m['beneficiaries'], 'individual')} in {where} in "
        f"{tx.count(m['payments'], 'payment')} within {tx.duration(m['span_s'])}."
    )


RULE = RuleSpec(
    id="npo_high_risk_payments",
    position=11,
    typology="charity_diversion",
    title="Non-profit paying individuals in high-risk regions",
    description=(
        "An NPO account (party type or account type `npo`) pays at least "
        "`min_beneficiaries` distinct individuals located in a high-risk country or region "
        "within `window_days`, each payment at least `min_payment`."
    ),
    why=(
        "Charities are diverted by paying 'relief' or 'stipends' to individuals in areas where "
        "terrorist groups operate instead of buying programme goods from vendors; FATF's NPO "
        "typologies and SBP's NPO account rules single this out."
    ),
    severity="high",
    params=(
        int_param(
            "min_beneficiaries",
            4,
            1,
            10_000,
            "individuals",
            "Distinct individuals paid in the window.",
        ),
        int_param("window_days", 10, 1, MAX_DAYS, "days", "Length of the sliding window."),
        money_param("min_payment", 5_000, 0, 1e12, "Smallest payment that counts.", floor=True),
    ),
    settings=("high_risk_countries", "high_risk_regions"),
    false_positives="Genuine cash-assistance programmes in border districts (check the NPO's stated mission).",
    sources=("FATF Risk of Terrorist Abuse in NPOs 2014", "SBP AML/CFT/CPF Regulations, Reg. 6"),
    builder=_npo,
    explain=_npo_text,
    score=lambda m, p: ratio_score(m["beneficiaries"], p["min_beneficiaries"]),
    lookback=days_lookback("window_days"),
)
