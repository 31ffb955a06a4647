"""What an analyst is shown: an account's neighbourhood (accounts within k hops either
way and the payments among them) as rows, GraphML or a self-contained HTML drawing, and
motif listings over the window.

The neighbourhood is computed in Ibis (`reach`), and only the bounded result (at most
`max_payments` payments) comes into Python, where it is drawn: no graph library needed.
GraphML is written with lxml (XML escaping); the HTML is one file with an inline SVG, no
script and no CDN, every string escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa
from lxml import etree

from cftwatch.engine import Engine
from cftwatch.network.components import reach
from cftwatch.network.motifs import gather_scatter, scatter_gather, short_cycles
from cftwatch.network.structure import structural_cycles

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"


@dataclass
class Neighbourhood:
    """An account, the accounts within `hops` of it (account -> hops) and their payments."""

    account: str
    hops: int
    accounts: dict[str, int]
    payments: list[dict[str, Any]]
    truncated: bool = False
    notes: dict[str, str] = field(default_factory=dict)
    """account -> a short label (seed reason, exposure) drawn beside it."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "hops": self.hops,
            "accounts": [
                {"account": a, "hops": h, "note": self.notes.get(a)}
                for a, h in sorted(self.accounts.items(), key=lambda x: (x[1], x[0]))
            ],
            "payments": self.payments,
            "truncated": self.truncated,
        }


_PAY_COLS = ("txn_id", "ts", "src", "dst", "amt", "currency", "channel")


def neighbourhood(
    eng: Engine, edges: ir.Table, account: str, hops: int = 2, max_payments: int = 500
) -> Neighbourhood:
    """The accounts within `hops` payments of `account` in either direction, and the
    payments between two of them (earliest first, at most `max_payments`)."""
    start = eng.register("_show_start", pa.table({"account": [account]}))
    near = eng.to_arrow(reach(edges, start, hops, "both"))
    accounts = dict(zip(near["account"].to_pylist(), near["hops"].to_pylist(), strict=True))
    if len(accounts) < 2:  # only itself: no payment touches it
        return Neighbourhood(account, hops, {}, [])
    n = eng.register("_show_near", near.select(["account"]))
    n1, n2 = n.view(), n.view()
    e = edges.semi_join(n1, edges.src == n1.account).semi_join(n2, edges.dst == n2.account)
    e = e.select(*_PAY_COLS).order_by(["ts", "txn_id"]).limit(max_payments + 1)
    pays = eng.to_arrow(e).to_pylist()
    truncated = len(pays) > max_payments
    return Neighbourhood(account, hops, accounts, pays[:max_payments], truncated)


def _q(name: str) -> str:
    return f"{{{GRAPHML_NS}}}{name}"


def write_graphml(nb: Neighbourhood, path: Path) -> Path:
    """The neighbourhood as GraphML (directed; one edge per payment)."""
    root = etree.Element(_q("graphml"), nsmap={None: GRAPHML_NS})  # type: ignore[dict-item]
    keys = (
        ("hops", "node", "int"),
        ("note", "node", "string"),
        ("txn_id", "edge", "string"),
        ("ts", "edge", "string"),
        ("amount", "edge", "double"),
        ("currency", "edge", "string"),
        ("channel", "edge", "string"),
    )
    for name, where, kind in keys:
        etree.SubElement(
            root, "key", id=name, attrib={"for": where, "attr.name": name, "attr.type": kind}
        )
    g = etree.SubElement(root, _q("graph"), id=nb.account, edgedefault="directed")
    for acct, h in sorted(nb.accounts.items()):
        node = etree.SubElement(g, _q("node"), id=acct)
        etree.SubElement(node, _q("data"), key="hops").text = str(h)
        if nb.notes.get(acct):
            etree.SubElement(node, _q("data"), key="note").text = nb.notes[acct]
    for p in nb.payments:
        ed = etree.SubElement(g, _q("edge"), id=p["txn_id"], source=p["src"], target=p["dst"])
        values = {**p, "ts": _ts(p["ts"]), "amount": repr(float(p["amt"]))}
        for name in ("txn_id", "ts", "amount", "currency", "channel"):
            if values.get(name) is not None:
                etree.SubElement(ed, _q("data"), key=name).text = str(values[name])
    path.write_bytes(
        etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    )
    return path


def _ts(v: Any) -> str:
    return v.isoformat() if isinstance(v, dt.datetime) else str(v)


def _layout(nb: Neighbourhood, size: float) -> dict[str, tuple[float, float]]:
    """The account in the middle, each further hop on a wider ring, evenly spaced."""
    c = size / 2
    rings: dict[int, list[str]] = {}
    for a, h in sorted(nb.accounts.items(), key=lambda x: (x[1], x[0])):
        rings.setdefault(h, []).append(a)
    step = (size / 2 - 60) / max(1, max(rings, default=1))
    pos = {}
    for h, accts in rings.items():
        for i, a in enumerate(accts):
            ang = 2 * math.pi * i / len(accts) + h * 0.4
            pos[a] = (c + h * step * math.cos(ang), c + h * step * math.sin(ang))
    return pos


def render_html(nb: Neighbourhood, title: str | None = None) -> str:
    """A self-contained HTML page: an inline SVG drawing and the payments as a table."""
    size = 720.0
    pos = _layout(nb, size)
    esc = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size:g}" height="{size:g}" '
        f'viewBox="0 0 {size:g} {size:g}" role="img">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="18" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker></defs>',
    ]
    for p in nb.payments:
        (x1, y1), (x2, y2) = pos[p["src"]], pos[p["dst"]]
        tip = f"{p['txn_id']}: {p['src']} -> {p['dst']} {p['amt']:,.2f} {p['currency']} {_ts(p['ts'])}"
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#888" '
            f'marker-end="url(#arrow)"><title>{esc(tip)}</title></line>'
        )
    for a, (x, y) in sorted(pos.items()):
        colour = "#c0392b" if a == nb.account else ("#e67e22" if a in nb.notes else "#2c7fb8")
        label = a if a not in nb.notes else f"{a} ({nb.notes[a]})"
        parts.append(
            f'<g><circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{colour}"><title>{esc(label)}'
            f'</title></circle><text x="{x + 12:.1f}" y="{y + 4:.1f}" font-size="11">'
            f"{esc(a)}</text></g>"
        )
    parts.append("</svg>")
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{esc(str(v))}</td>"
            for v in (
                p["txn_id"],
                _ts(p["ts"]),
                p["src"],
                p["dst"],
                f"{p['amt']:,.2f}",
                p["currency"],
            )
        )
        + "</tr>"
        for p in nb.payments
    )
    head = esc(title or f"Neighbourhood of {nb.account} ({nb.hops} hops)")
    more = "<p>Only the first payments are shown.</p>" if nb.truncated else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{head}</title><style>body{{font-family:sans-serif}}td,th{{padding:2px 8px}}"
        f"</style></head><body><h1>{head}</h1>{''.join(parts)}{more}<table><tr><th>payment</th>"
        f"<th>time</th><th>from</th><th>to</th><th>amount</th><th>currency</th></tr>{rows}"
        "</table></body></html>\n"
    )


MOTIF_KINDS: dict[str, Callable[[ir.Table, int], ir.Table]] = {
    "cycles": lambda e, span: short_cycles(e, 4, span, span, 0.1),
    "scatter_gather": lambda e, span: scatter_gather(e, span, 0.8, 3),
    "gather_scatter": lambda e, span: gather_scatter(e, e, span, 5),
    "structural_cycles": lambda e, span: structural_cycles(e, 3, 4, span, 200, 0.25),
}
"""The motif listings `cftwatch network motifs --kind` offers, with the settings they use
(see the functions in `cftwatch.network.motifs` and `.structure`)."""


def motif_rows(eng: Engine, edges: ir.Table, kind: str, span_s: int) -> list[dict[str, Any]]:
    """Instances of one motif kind in `edges`, each with its accounts and payments."""
    if kind not in MOTIF_KINDS:
        raise ValueError(f"kind must be one of {tuple(MOTIF_KINDS)}")
    rows = eng.to_arrow(MOTIF_KINDS[kind](edges, span_s)).to_pylist()
    for r in rows:
        r["accounts"] = _accounts_of(kind, r)
        r["txn_ids"] = sorted(r["txn_ids"]) if kind != "cycles" else r["txn_ids"]
    return sorted(
        rows, key=lambda r: (str(r.get("window_start") or r.get("ts_first")), r["txn_ids"])
    )


def _accounts_of(kind: str, r: dict[str, Any]) -> list[str]:
    if kind in ("cycles", "structural_cycles"):
        return list(r["members"])
    if kind == "scatter_gather":
        return [r["src"], r["dst"]]
    return [r["hub"]]


__all__ = [
    "MOTIF_KINDS",
    "Neighbourhood",
    "motif_rows",
    "neighbourhood",
    "render_html",
    "write_graphml",
]
