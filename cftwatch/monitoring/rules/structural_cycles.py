"""Rule `structural_cycles`: order-free cycles within a window."""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.windows import DAY
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import payment_edges
from cftwatch.monitoring.params import (
    days_lookback,
    explore,
    float_param,
    int_param,
    money_param,
    party_types_param,
)
from cftwatch.monitoring.scores import clip
from cftwatch.monitoring.spec import RuleInput, RuleSpec
from cftwatch.network.structure import node_ranks, structural_cycles


def _without_hubs(edges: ir.Table, max_degree: int) -> ir.Table:
    """The payments between accounts with at most `max_degree` distinct counterparties."""
    r = node_ranks(edges)
    small = r.filter(r.deg <= max_degree)
    src_ok = small.select(_m=small.acct).view()
    dst_ok = small.select(_n=small.acct).view()
    e = edges.semi_join(src_ok, edges.src == src_ok._m)
    return e.semi_join(dst_ok, e.dst == dst_ok._n)


def _occasional_links(edges: ir.Table, most: int) -> ir.Table:
    """The payments between two accounts that paid each other (in that direction) at most
    `most` times in the data read (0: every payment): a standing relationship (rent, a
    salary, a supplier) is how accounts usually pay, and rings of standing relationships
    close by chance among busy accounts."""
    if most <= 0:
        return edges
    pairs = edges.group_by(["src", "dst"]).aggregate(_pn=edges.count())
    few = pairs.filter(pairs._pn <= most).select(_ps=pairs.src, _pd=pairs.dst)
    return edges.semi_join(few, [edges.src == few._ps, edges.dst == few._pd])


def _cycles(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    """Cycles in any order, each found once from its lowest-degree member (see
    `cftwatch.network.structure.structural_cycles`)."""
    c = structural_cycles(
        _occasional_links(
            _without_hubs(payment_edges(inp, p), p["max_member_degree"]), p["max_link_payments"]
        ),
        min_hops=min(p["min_hops"], p["max_hops"]),
        max_hops=p["max_hops"],
        window_s=p["window_days"] * DAY,
        max_paths=p["max_paths_per_anchor"],
        max_spread=p["max_amount_spread"],
    )
    return c.select(
        subject_id=c.start,
        window_start=c.ts_first,
        window_end=c.ts_last,
        txn_ids=c.txn_ids,
        amount=c.amount,
        currency=c.currency,
        hops=c.hops,
        members=c.members,
    )


def _cycle_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    route = " -> ".join([*m["members"], m["members"][0]])
    return (
        f"{tx.capital(m['subject'])} is on a ring of {m['hops']} accounts that paid each other "
        f"{tx.money(m['amount'], m['currency'])} in total, one payment per link, within "
        f"{tx.duration(m['span_s'])}: {route}."
    )


RULE = RuleSpec(
    id="structural_cycles",
    position=15,
    typology="cycle",
    title="Cycles in any order within a window",
    description=(
        "Accounts that pay each other round a ring of `min_hops` to `max_hops` distinct "
        "accounts, one payment of at least `min_amount` per link, the largest at most (1 + `max_amount_spread`) times the smallest, all within `window_days` "
        "of each other in any order (unlike `short_cycles`, the money need not be passed on "
        "in sequence nor shrink on the way). Each ring is reported once, on its least "
        "connected member; at most `max_paths_per_anchor` partial paths are followed from "
        "each account, the tightest in time first."
    ),
    why=(
        "A ring of accounts that each pay the next, however the payments are scheduled, "
        "moves value round and back to its origin: schemes that space the legs out over "
        "days or weeks to defeat sequence checks still close the circle."
    ),
    severity="medium",
    params=(
        int_param(
            "min_hops", 3, 2, 10, "hops", "Shortest ring reported (2 is a pair paying back)."
        ),
        int_param("max_hops", 8, 2, 10, "hops", "Longest ring searched."),
        int_param("window_days", 30, 1, 365, "days", "First to last payment on the ring."),
        money_param("min_amount", 1, 0, 1e12, "Smallest payment on the ring."),
        float_param(
            "max_amount_spread",
            10,
            0,
            1000,
            "fraction",
            "The largest payment on the ring is at most 1 + this times the smallest. Rings "
            "whose members pay each other unrelated amounts are rings all the same: on the "
            "AMLSim tuning run the links of a laundering ring differ up to nine-fold, and "
            "1.5 (the same money less fees) missed two thirds of them. Set it low (about "
            "1.5 for fees of 10 % per hop on 10 hops) to look only for the same money.",
        ),
        int_param(
            "max_member_degree",
            100,
            2,
            1_000_000,
            "accounts",
            "Accounts with more distinct counterparties than this are not used as ring "
            "members: through a hub paid by hundreds, unrelated payments close rings by "
            "chance (on the AMLSim tuning run nine in ten rings were through such hubs and "
            "not laundering; 100 kept two thirds of the laundering rings, 50 a half, 200 "
            "three quarters with six times the false rings).",
        ),
        int_param(
            "max_link_payments",
            2,
            0,
            100_000,
            "payments",
            "Only links whose payer paid that receiver at most this many times in the data "
            "read count (0: every link): a ring of standing relationships (rent, salaries, "
            "suppliers) closes by chance among busy accounts, a ring built to move money "
            "mostly uses each link once (AMLSim tuning run: 98 % of laundering links were "
            "paid once, 9 % of the others; 2 raised lift from 3.75 to 4.43 for 67 % -> 64 % "
            "recall, 1 and 3 gave the same within a ring or two).",
        ),
        int_param(
            "max_paths_per_anchor",
            20,
            1,
            100_000,
            "paths",
            "Partial paths kept per starting account and step (bounds the cost at hubs).",
        ),
        party_types_param(
            "exclude_party_types",
            ["merchant", "agent"],
            "Accounts of these party or account types are not used as ring members.",
        ),
    ),
    false_positives="Rotating savings groups (committees), family members settling in turn.",
    sources=("FATF/Egmont TBML 2020 (round-tripping)", "AMLSim cycle typology"),
    sensitivity=(explore("min_hops", (8, 6, 5, 4, 3, 2), metric="hops"),),
    builder=_cycles,
    explain=_cycle_text,
    score=lambda m, p: clip(0.5 + 0.05 * m["hops"]),
    lookback=days_lookback("window_days"),
)
