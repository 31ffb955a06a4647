"""Rule `screened_party_transaction`: transactions with a party that screening flagged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from cftwatch.engine.windows import (
    DAY,
)
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import (
    KEYS,
    alert_shape,
)
from cftwatch.monitoring.params import (
    float_param,
    int_param,
)
from cftwatch.monitoring.scores import clip
from cftwatch.monitoring.spec import RuleInput, RuleSpec
from cftwatch.vocab import SEVERITIES


def _screened(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    s = inp.screening
    if s is None:  # nothing flagged yet: an empty result of the right shape
        s = inp.parties.filter(ibis.literal(False)).select(
            subject_type=ibis.literal("party"),
            subject_id=inp.parties.party_id,
            entity_id=inp.parties.party_id,
            score=ibis.literal(0.0),
            severity=ibis.literal("critical"),
        )
    s = s.filter(s.score >= p["min_match_score"])
    rank = ibis.cases(
        *((s.severity == v, i) for i, v in enumerate(SEVERITIES)), else_=len(SEVERITIES) - 1
    )
    flags = s.group_by(["subject_type", "subject_id"]).aggregate(
        entity_id=s.entity_id.min(), match=s.score.max(), flag_rank=rank.max()
    )
    parts: list[ir.Table] = []
    for side in ("debtor", "creditor"):
        for kind, col in (("party", f"{side}_id"), ("account", f"{side}_account")):
            f = flags.filter(flags.subject_type == kind)
            j = t.join(f, t[col] == f.subject_id)
            parts.append(
                j.select(
                    "txn_id",
                    "ts",
                    "ts_s",
                    "amount",
                    "currency",
                    acct=j[f"{side}_account"],
                    who=j[f"{'creditor' if side == 'debtor' else 'debtor'}_account"],
                    entity_id=j.entity_id,
                    match=j.match,
                    flag_rank=j.flag_rank,
                )
            )
    f = flags.filter(flags.subject_type == "transaction")
    j = t.join(f, t.txn_id == f.subject_id)
    parts.append(
        j.select(
            "txn_id",
            "ts",
            "ts_s",
            "amount",
            "currency",
            acct=j.debtor_account,
            who=j.creditor_account,
            entity_id=j.entity_id,
            match=j.match,
            flag_rank=j.flag_rank,
        )
    )
    rows = parts[0]
    for part in parts[1:]:
        rows = rows.union(part, distinct=False)
    rows = rows.filter(rows.acct.notnull())
    bucket = p["window_days"] * DAY
    rows = rows.mutate(bucket=(rows.ts_s // bucket).cast("int64"))
    g = rows.group_by([*KEYS, "bucket"]).aggregate(
        window_start=rows.ts.min(),
        window_end=rows.ts.max(),
        txn_ids=rows.txn_id.collect(distinct=True),
        amount=rows.amount.sum(),
        payments=rows.txn_id.nunique(),
        counterparties=rows.who.nunique(),
        entity=rows.entity_id.min(),
        match=rows.match.max(),
        flag_rank=rows.flag_rank.max(),
    )
    return alert_shape(
        g, payments=None, counterparties=None, entity=None, match=None, flag_rank=None
    )


def _screened_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{tx.capital(m['subject'])}, which screening matched to list entry "
        f"{m['entity']} (score {float(m['match']):.2f}), made or received "
        f"{tx.count(m['payments'], 'payment')} totalling {tx.money(m['amount'], c)} with "
        f"{tx.count(m['counterparties'], 'counterparty', 'counterparties')} between "
        f"{tx.day(m['window_start'])} and {tx.day(m['window_end'])}."
    )


RULE = RuleSpec(
    id="screened_party_transaction",
    position=12,
    typology="listed_party_payment",
    title="Transactions with a party that screening flagged",
    description=(
        "Every payment to or from a party, account or transaction that sanctions screening "
        "flagged (alerts with `source = 'screening'` and a score of at least "
        "`min_match_score`), grouped per flagged account into `window_days` periods. An "
        "alert is rated no higher than the strongest screening alert behind it (a narrative "
        "hit rated high stays high). Does nothing until screening has run."
    ),
    why=(
        "Dealing with a designated person or entity, or their front charity, is the plainest "
        "terrorist-financing exposure there is: funds must be frozen without delay and the "
        "FIU told (UNSC 1267/1373, SBP's TFS duties)."
    ),
    severity="critical",
    params=(
        float_param("min_match_score", 0.85, 0, 1, "score", "Weakest screening match that counts."),
        int_param(
            "window_days", 30, 1, 366, "days", "Payments are grouped into periods of this length."
        ),
    ),
    false_positives="Namesakes: check the screening alert's evidence first.",
    sources=("UNSC 1267/1373", "SBP BPRD Circular 3/2015 (TFS)"),
    builder=_screened,
    explain=_screened_text,
    score=lambda m, p: clip(float(m["match"])),
    severity_cap=lambda m, p: SEVERITIES[int(m["flag_rank"])],
    lookback=lambda p: dt.timedelta(0),
    needs=("screening_alerts",),
    entity_metric="entity",
)
