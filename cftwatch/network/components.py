"""Reachability and connected components of the payment graph, in plain Ibis.

`reach` gives the accounts within k hops of a set (out, in or either direction; plain
hops, not time-respecting: a superset, as incremental exposure needs). `label_components`
is iterative SQL label propagation in the style of Splink's clustering: every account
starts with its own id as label, each round takes the smallest label among itself and its
neighbours and then jumps to its label's label, until nothing changes. Each round is
materialised (`Engine.to_arrow` then `register`), so plans stay small on Spark too.

`components` restricts the graph to *risky* edges (those touching a risky account: a
seed, an alerted account, an account whose exposure reaches a threshold) and returns one
row per component with its aggregated risk; `rank_components` orders them for analysts.
"""

from __future__ import annotations

from typing import Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from cftwatch.engine import Engine

Direction = Literal["out", "in", "both"]

LABELS_SCHEMA = pa.schema([("account", pa.string()), ("component", pa.string())])


def _steps(edges: ir.Table, direction: Direction) -> ir.Table:
    """(_from, _to) pairs one hop apart in `direction`, distinct."""
    fwd = edges.select(_from=edges.src, _to=edges.dst)
    back = edges.select(_from=edges.dst, _to=edges.src)
    if direction == "out":
        return fwd.distinct()
    if direction == "in":
        return back.distinct()
    return fwd.union(back, distinct=True)


def reach(edges: ir.Table, start: ir.Table, hops: int, direction: Direction = "out") -> ir.Table:
    """(account, hops): every account within `hops` of an account in `start` (a table with
    an `account` column; those accounts themselves at 0 hops), the fewest hops to it."""
    steps = _steps(edges, direction)
    seen = start.select(account=start.account, hops=ibis.literal(0, "int64")).distinct()
    frontier = seen
    for h in range(1, hops + 1):
        s = steps.view()
        j = frontier.join(s, frontier.account == s._from)
        frontier = j.select(account=j._to, hops=ibis.literal(h, "int64")).distinct()
        frontier = frontier.anti_join(seen.view(), "account")
        seen = seen.union(frontier)
    return seen.group_by("account").aggregate(hops=seen.hops.min())


def label_components(eng: Engine, pairs: ir.Table, max_rounds: int = 100) -> pa.Table:
    """(account, component) for every account in `pairs` (columns `a`, `b`, undirected):
    the component is its smallest account id. Iterates to a fixed point (at most
    `max_rounds` rounds; the jump to the label's label shortens long chains)."""
    links = pairs.select("a", "b").union(pairs.select(a=pairs.b, b=pairs.a))
    nodes = links.select(account=links.a).distinct()
    links = links.union(nodes.select(a=nodes.account, b=nodes.account))  # itself too
    labels = eng.to_arrow(nodes.select("account", component=nodes.account))
    for n in range(max_rounds):
        cur = eng.register(f"_cc_labels_{n}", labels)
        lv = cur.view()
        j = links.join(lv, links.b == lv.account)
        step = j.group_by(account=j.a).aggregate(component=j.component.min())
        hv = cur.view()
        hop = hv.select(_k=hv.account, _c=hv.component)
        p = step.left_join(hop, step.component == hop._k)
        jumped = p.select("account", component=ibis.least(p.component, p._c.fill_null(p.component)))
        new = eng.to_arrow(jumped).sort_by("account").cast(LABELS_SCHEMA)
        if new.equals(labels):
            return new
        labels = new
    return labels


def risky_edges(edges: ir.Table, risky: ir.Table) -> ir.Table:
    """The edges with a risky payer or payee (`risky` has an `account` column)."""
    r = risky.select(_r=risky.account).distinct()
    a = edges.semi_join(r, edges.src == r._r)
    rv = r.view()
    b = edges.semi_join(rv, edges.dst == rv._r)
    return a.union(b, distinct=True)


def components(
    eng: Engine,
    edges: ir.Table,
    risky: ir.Table,
    seeds: ir.Table,
    alerts: ir.Table,
    countries: ir.Table,
) -> pa.Table:
    """One row per connected component of the risky edges: `component` (its smallest
    account), `accounts` (sorted), `size`, `seeds` (seed accounts inside, sorted),
    `n_seeds`, `alerts` (alerts on its accounts), `payments`, `flow` (sum of `amt` of its
    edges), `countries` (sorted), `max_exposure`.

    `risky`: (account, exposure) — exposure may be null; `seeds`, `alerts`, `countries`:
    (account), (account, n_alerts), (account, country)."""
    re = risky_edges(edges, risky)
    lab = eng.register("_cc_labels", label_components(eng, re.select(a=re.src, b=re.dst)))
    lv = lab.view()
    e = re.join(lv, re.src == lv.account)
    flows = e.group_by("component").aggregate(payments=e.txn_id.count(), flow=e.amt.sum())
    sd = seeds.select(_s=seeds.account).distinct()
    ls = lab.left_join(sd, lab.account == sd._s)
    al = alerts.select(_a=alerts.account, _n=alerts.n_alerts)
    ls = ls.left_join(al, ls.account == al._a)
    rk = risky.select(_k=risky.account, _x=risky.exposure)
    ls = ls.left_join(rk, ls.account == rk._k)
    per = ls.group_by("component").aggregate(
        accounts=ls.account.collect(),
        size=ls.account.nunique(),
        seeds=ls._s.collect(),
        n_seeds=ls._s.nunique(),
        alerts=ls._n.sum(),
        max_exposure=ls._x.max(),
    )
    cl = countries.filter(countries.country.notnull())
    cj = lab.join(cl, lab.account == cl.account)
    cn = cj.group_by(_c=cj.component).aggregate(countries=cj.country.collect())
    out = per.join(flows, "component").left_join(cn, per.component == cn._c).drop("_c")
    rows = eng.to_arrow(out).to_pylist()
    for r in rows:
        for k in ("accounts", "seeds", "countries"):
            r[k] = sorted({x for x in r[k] or [] if x is not None})
        r["alerts"] = int(r["alerts"] or 0)
    return pa.Table.from_pylist(rank_components(rows))


def rank_components(rows: list[dict]) -> list[dict]:
    """Most seeds first, then most alerts, highest exposure, largest flow; with `rank`."""
    rows = sorted(
        rows,
        key=lambda r: (
            -r["n_seeds"],
            -r["alerts"],
            -(r["max_exposure"] or 0.0),
            -(r["flow"] or 0.0),
            r["component"],
        ),
    )
    return [{"rank": i, **r} for i, r in enumerate(rows, 1)]


__all__ = ["components", "label_components", "rank_components", "reach", "risky_edges"]
