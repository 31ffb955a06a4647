"""`cftwatch network exposure` as a job: seeds from the workspace (screening alerts at or
above a threshold, read from the `alerts` table) and from a file, exposure over the window
to the latest payment, stored in `exposure` (one run appended per call: earlier runs are
superseded, never deleted) and alerts for accounts at or above `alert_at`."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from cftwatch.engine import Engine
from cftwatch.errors import InputError
from cftwatch.jsontext import canonical_json
from cftwatch.network.components import reach
from cftwatch.network.exposure import RULES, exposure, listed_seeds, payment_edges, screening_seeds
from cftwatch.schema import TIMESTAMP_TYPE
from cftwatch.workspace import Workspace

EXPOSURE_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("computed_at", TIMESTAMP_TYPE, nullable=False),
        pa.field("as_of", TIMESTAMP_TYPE, nullable=False),
        pa.field("params", pa.string(), nullable=False),
        pa.field("account", pa.string(), nullable=False),
        pa.field("hops", pa.int64(), nullable=False),
        pa.field("seed", pa.string(), nullable=False),
        pa.field("seed_reason", pa.string()),
        pa.field("path", pa.list_(pa.string())),
        pa.field("path_txn_ids", pa.list_(pa.string())),
        pa.field("inflow", pa.float64()),
        pa.field("exposed_inflow", pa.float64()),
        pa.field("exposure", pa.float64()),
        pa.field("mode", pa.string()),
        pa.field("superseded_at", TIMESTAMP_TYPE),
    ]
)
"""The `exposure` table: one row per account and run (see docs/network.md)."""

DAY = 86_400


@dataclass(frozen=True)
class ExposureParams:
    hops: int = 3
    window_days: float = 30.0
    rule: str = "fifo"
    discount: float = 1.0
    screening_threshold: float = 0.85
    alert_at: float = 0.5

    def check(self) -> None:
        if not 1 <= self.hops <= 10:
            raise InputError.at("hops must be 1..10", field="hops", value=self.hops)
        if self.window_days <= 0:
            raise InputError.at("window must be positive", field="window", value=self.window_days)
        if self.rule not in RULES:
            raise InputError.at(f"rule must be one of {RULES}", field="rule", value=self.rule)
        for name in ("discount", "screening_threshold", "alert_at"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise InputError.at("must lie in 0..1", field=name, value=v)


def parse_window(text: str) -> float:
    """'30d', '12h' or a number of days -> days."""
    t = text.strip().lower()
    try:
        if t.endswith("d"):
            return float(t[:-1])
        if t.endswith("h"):
            return float(t[:-1]) / 24
        return float(t)
    except ValueError:
        raise InputError.at("window must be like 30d or 12h", field="window", value=text) from None


def read_seed_file(path: Path) -> list[dict[str, str]]:
    """Accounts the institution lists itself: a CSV with an `account` column (and
    optionally `reason`), or plain text with one account per line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.at(f"cannot read seeds file: {exc}", file=str(path)) from None
    lines = text.splitlines()
    if lines and "account" in [c.strip() for c in lines[0].split(",")]:
        rows = []
        for n, rec in enumerate(csv.DictReader(lines), start=2):
            acct = (rec.get("account") or "").strip()
            if not acct:
                raise InputError.at("empty account", file=str(path), record=n, field="account")
            why = (rec.get("reason") or "").strip() or "listed by the institution"
            rows.append({"account": acct, "seed_reason": why})
        return rows
    accts = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    return listed_seeds(accts, f"listed by the institution ({path.name})")


def _sentence(r: dict[str, Any], window_days: float) -> str:
    hop = "hop" if r["hops"] == 1 else "hops"
    return (
        f"Account {r['account']} received {r['exposure']:.0%} of its inflow in the "
        f"{window_days:g} days to {r['as_of']:%Y-%m-%d} from money traceable to risk seeds; "
        f"nearest seed {r['seed']} ({r['seed_reason']}) is {r['hops']} {hop} away "
        f"via {' -> '.join(r['path'])}."
    )


def _alerts(
    rows: list[dict[str, Any]], p: ExposureParams, run_id: str, now: dt.datetime
) -> pa.Table:
    params = canonical_json(asdict(p))
    phash = hashlib.sha256(params.encode()).hexdigest()[:16]
    out = []
    for r in rows:
        if r["exposure"] is None or r["exposure"] < p.alert_at:
            continue
        key = f"network|exposure|{r['account']}|{r['as_of'].isoformat()}|{phash}"
        out.append(
            {
                "alert_id": "NX-" + hashlib.sha256(key.encode()).hexdigest()[:20],
                "run_id": run_id,
                "source": "network",
                "rule_id": "exposure",
                "typology": "seed_exposure",
                "subject_type": "account",
                "subject_id": r["account"],
                "window_start": r["as_of"] - dt.timedelta(days=p.window_days),
                "window_end": r["as_of"],
                "severity": "high" if r["exposure"] >= 0.8 else "medium",
                "score": float(r["exposure"]),
                "txn_ids": r["path_txn_ids"],
                "params": params,
                "params_hash": phash,
                "explanation": _sentence(r, p.window_days),
                "created_at": now,
            }
        )
    return pa.Table.from_pylist(out) if out else pa.table({})


SEEDS_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("account", pa.string(), nullable=False),
        pa.field("seed_reason", pa.string()),
    ]
)
"""The `exposure_seeds` table: the seed set each exposure run used (what the next run
compares with to know which seeds changed)."""

RUNS_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("computed_at", TIMESTAMP_TYPE, nullable=False),
        pa.field("as_of", TIMESTAMP_TYPE, nullable=False),
        pa.field("params", pa.string(), nullable=False),
        pa.field("mode", pa.string(), nullable=False),
        pa.field("seeds", pa.int64(), nullable=False),
        pa.field("changed_seeds", pa.int64()),
        pa.field("recomputed", pa.int64(), nullable=False),
    ]
)
"""The `exposure_runs` table: one row per run, full or incremental."""

_SEEDS = pa.schema([("account", pa.string()), ("seed_reason", pa.string())])
_PARTY_SEEDS = pa.schema([("pid", pa.string()), ("seed_reason", pa.string())])


def seed_rows(
    ws: Workspace,
    eng: Engine,
    threshold: float,
    file_seeds: list[dict[str, str]],
    extra: list[dict[str, Any]] | None = None,
) -> dict[str, str]:
    """account -> seed_reason for every seed: screening alerts at or above `threshold`,
    the institution's file, and `extra` rows (`account` or `party`, `seed_reason`: e.g.
    the subjects of cases decided reported). A party stands for its accounts in the
    transactions. Where several reasons name one account, the smallest wins."""
    txns = eng.table("transactions")
    accts = [r for r in (extra or []) if r.get("account")] + list(file_seeds)
    parts = [eng.register("_exposure_seeds_a", pa.Table.from_pylist(
        [{"account": r["account"], "seed_reason": r["seed_reason"]} for r in accts], schema=_SEEDS
    ))]  # fmt: skip
    parties = [
        {"pid": r["party"], "seed_reason": r["seed_reason"]}
        for r in (extra or [])
        if r.get("party") and not r.get("account")
    ]
    if parties:
        pt = eng.register("_exposure_seeds_p", pa.Table.from_pylist(parties, schema=_PARTY_SEEDS))
        holders = party_accounts(_holders(ws, eng, txns))
        parts.append(holders.join(pt, "pid").select("account", "seed_reason"))
    if ws.has_table("alerts"):
        parts.append(screening_seeds(eng.table("alerts"), _holders(ws, eng, txns), threshold))
    seeds = ibis.union(*parts) if len(parts) > 1 else parts[0]
    out: dict[str, str] = {}
    for r in eng.to_arrow(seeds).to_pylist():
        why = r["seed_reason"] or "seed"
        out[r["account"]] = min(why, out.get(r["account"], why))
    return out


def _holders(ws: Workspace, eng: Engine, txns: ir.Table) -> ir.Table:
    """The transactions' debtor and creditor (party, account) columns, with the `accounts`
    table's holders added as debtors (sources that name no party on the payment)."""
    cols = ("debtor_id", "debtor_account", "creditor_id", "creditor_account")
    t = txns.select(**{c: txns[c].nullif("") for c in cols})  # nullable on both sides
    if not ws.has_table("accounts"):
        return t
    a = eng.table("accounts")
    null = ibis.null().cast("string")
    return t.union(
        a.select(
            debtor_id=a.party_id.nullif(""),
            debtor_account=a.account_id.nullif(""),
            creditor_id=null,
            creditor_account=null,
        )
    )


def party_accounts(txns: ir.Table) -> ir.Table:
    """(pid, account): each party's accounts as they appear in the transactions (or the
    `accounts` table, see `_holders`)."""
    sides = txns.select(pid=txns.debtor_id, account=txns.debtor_account).union(
        txns.select(pid=txns.creditor_id, account=txns.creditor_account)
    )
    return sides.filter(sides.pid.notnull(), sides.account.notnull()).distinct()


def _current(ws: Workspace) -> list[dict[str, Any]]:
    """The exposure rows no later run superseded."""
    if not ws.has_table("exposure"):
        return []
    return ws.query_dicts("SELECT * FROM exposure WHERE superseded_at IS NULL")


def _ensure_tables(ws: Workspace) -> None:
    """`exposure` and `exposure_seeds`; an `exposure` table from before incremental runs
    gets the new columns (older rows: superseded unless they are the latest run's)."""
    if not ws.ensure_table("exposure", EXPOSURE_SCHEMA):
        have = {r[0] for r in ws.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'exposure'"
        )}  # fmt: skip
        if "superseded_at" not in have:
            ws.execute("ALTER TABLE exposure ADD COLUMN mode VARCHAR")
            ws.execute("ALTER TABLE exposure ADD COLUMN superseded_at TIMESTAMPTZ")
            ws.execute(
                "UPDATE exposure SET superseded_at = now() WHERE run_id <> "
                "(SELECT arg_max(run_id, computed_at) FROM exposure)"
            )
    ws.ensure_table("exposure_seeds", SEEDS_SCHEMA)
    ws.ensure_table("exposure_runs", RUNS_SCHEMA)


def _previous(ws: Workspace, params: str, as_of: dt.datetime) -> tuple[str, dict[str, str]] | None:
    """The latest run and its seeds, if its settings and window end match (else None:
    a full recompute is needed)."""
    if not ws.has_table("exposure_runs"):
        return None
    row = ws.query_one(
        "SELECT run_id, params, as_of FROM exposure_runs ORDER BY computed_at DESC LIMIT 1"
    )
    if row is None or row[1] != params or row[2] != as_of:
        return None
    seeds = ws.query("SELECT account, seed_reason FROM exposure_seeds WHERE run_id = ?", [row[0]])
    return row[0], {a: r or "seed" for a, r in seeds}


def changed_seeds(old: dict[str, str], new: dict[str, str]) -> set[str]:
    """Accounts that became, stopped being, or changed reason as a seed."""
    return {a for a in old.keys() | new.keys() if old.get(a) != new.get(a)}


def affected_accounts(
    eng: Engine, edges: ir.Table, changed: set[str], hops: int
) -> tuple[set[str], ir.Table]:
    """The accounts whose exposure a change of the `changed` seeds can alter (those seeds
    and everything within `hops` downstream of them), and the edges enough to recompute
    them: every payment into or out of an account within `hops` - 1 upstream of one.

    Why that suffices: an account's exposure is carried along at most `hops` payments,
    and FIFO positions need all of an account's inflows and outflows; a payer further
    upstream could only pass on money along a longer path."""
    start = eng.register(
        "_exposure_changed",
        pa.Table.from_pylist([{"account": a} for a in sorted(changed)], schema=_ACCOUNTS),
    )
    down = eng.to_arrow(reach(edges, start, hops, "out").select("account"))
    affected = set(down.column("account").to_pylist())
    d = eng.register("_exposure_affected", down)
    up = eng.register("_exposure_upstream", eng.to_arrow(reach(edges, d, hops - 1, "in")))
    u1, u2 = up.view(), up.view()
    a = edges.semi_join(u1, edges.src == u1.account)
    b = edges.semi_join(u2, edges.dst == u2.account)
    return affected, a.union(b, distinct=True)


_ACCOUNTS = pa.schema([("account", pa.string())])


def run_exposure(
    ws: Workspace,
    p: ExposureParams,
    seeds_file: Path | None = None,
    engine: str | None = None,
    record: bool = True,
    extra_seeds: list[dict[str, Any]] | None = None,
    full: bool = False,
) -> dict[str, Any]:
    """Compute exposure and (with `record`) store it and its alerts atomically; returns
    the current rows (most exposed first), the alerts' count, the run id and mode.

    Incremental unless `full`: when the latest recorded run has the same settings and
    window end, only the accounts a seed change can reach are recomputed; their rows
    are superseded (`superseded_at`), never deleted. Otherwise everything is."""
    p.check()
    file_seeds = read_seed_file(seeds_file) if seeds_file else []
    eng = ws.engine(engine)
    as_of = ws.scalar("SELECT max(ts) FROM transactions")
    run_id = "exp-" + uuid.uuid4().hex[:12]
    now = dt.datetime.now(dt.UTC)
    if as_of is None:
        return {"run_id": run_id, "rows": [], "alerts": 0, "seeds": 0, "mode": "full",
                "recomputed": 0}  # fmt: skip
    params = canonical_json(asdict(p))
    seeds = seed_rows(ws, eng, p.screening_threshold, file_seeds, extra_seeds)
    edges = payment_edges(
        eng.table("transactions"), int(as_of.timestamp()), int(p.window_days * DAY)
    )
    prev = None if full or not record else _previous(ws, params, as_of)
    affected: set[str] | None = None  # None: every account
    changed: set[str] | None = None
    if prev is None:
        rows = current = _compute(eng, edges, seeds, p)
    else:
        changed = changed_seeds(prev[1], seeds)
        affected, sub = (
            affected_accounts(eng, edges, changed, p.hops) if changed else (set(), edges)
        )
        rows = (
            [r for r in _compute(eng, sub, seeds, p) if r["account"] in affected]
            if affected
            else []
        )
        current = [r for r in _current(ws) if r["account"] not in affected]
    for r in rows:
        r.update(run_id=run_id, computed_at=now, as_of=as_of, params=params)
        r.update(mode="full" if prev is None else "incremental", superseded_at=None)
    current = rows if prev is None else current + rows
    current.sort(key=lambda r: (-(r["exposure"] or 0), r["hops"], r["account"]))
    res = {"run_id": run_id, "rows": current, "seeds": len(seeds), "alerts": 0}
    res.update(mode="full" if prev is None else "incremental", recomputed=len(rows))
    if changed is not None:
        res["changed_seeds"] = sorted(changed)
    if record:
        res["alerts"] = _record(ws, p, run_id, now, as_of, seeds, rows, affected, res)
    return res


def _compute(
    eng: Engine, edges: ir.Table, seeds: dict[str, str], p: ExposureParams
) -> list[dict[str, Any]]:
    st = pa.Table.from_pylist(
        [{"account": a, "seed_reason": r} for a, r in sorted(seeds.items())], schema=_SEEDS
    )
    t = eng.register("_exposure_seed_set", st)
    return eng.to_arrow(exposure(edges, t, p.hops, p.rule, p.discount)).to_pylist()


def _record(
    ws: Workspace,
    p: ExposureParams,
    run_id: str,
    now: dt.datetime,
    as_of: dt.datetime,
    seeds: dict[str, str],
    rows: list[dict[str, Any]],
    affected: set[str] | None,
    res: dict[str, Any],
) -> int:
    """Supersede what this run recomputes (everything, or `affected`), append its rows,
    seeds and run record, and raise alerts not raised before; all in one transaction."""
    _ensure_tables(ws)
    table = pa.Table.from_pylist(
        [{k: r[k] for k in EXPOSURE_SCHEMA.names} for r in rows], schema=EXPOSURE_SCHEMA
    )
    seed_t = pa.Table.from_pylist(
        [{"run_id": run_id, "account": a, "seed_reason": r} for a, r in sorted(seeds.items())],
        schema=SEEDS_SCHEMA,
    )
    run = {
        "run_id": run_id,
        "computed_at": now,
        "as_of": as_of,
        "params": canonical_json(asdict(p)),
        "mode": res["mode"],
        "seeds": len(seeds),
        "changed_seeds": None if affected is None else len(res.get("changed_seeds", [])),
        "recomputed": len(rows),
    }
    alerts = _alerts(res["rows"], p, run_id, now)
    new_alerts = 0
    with ws.atomic() as tx:
        if affected is None:
            tx.execute("UPDATE exposure SET superseded_at = ? WHERE superseded_at IS NULL", [now])
        elif affected:
            gone = pa.Table.from_pylist(
                [{"account": a} for a in sorted(affected)], schema=_ACCOUNTS
            )
            with tx.registered("_exposure_gone", gone) as g:
                tx.execute(
                    "UPDATE exposure SET superseded_at = ? WHERE superseded_at IS NULL "
                    f"AND account IN (SELECT account FROM {g})",
                    [now],
                )
        tx.append("exposure", table)
        tx.append("exposure_seeds", seed_t)
        tx.append("exposure_runs", pa.Table.from_pylist([run], schema=RUNS_SCHEMA))
        if alerts.num_rows:
            known = {x for (x,) in tx.query("SELECT alert_id FROM alerts WHERE source = 'network'")}
            keep = [
                i for i, a in enumerate(alerts.column("alert_id").to_pylist()) if a not in known
            ]
            if keep:
                new_alerts = tx.append("alerts", alerts.take(keep))
    return new_alerts
