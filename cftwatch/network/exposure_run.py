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

import pyarrow as pa

from cftwatch.errors import InputError
from cftwatch.jsontext import canonical_json
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


def run_exposure(
    ws: Workspace,
    p: ExposureParams,
    seeds_file: Path | None = None,
    engine: str | None = None,
    record: bool = True,
) -> dict[str, Any]:
    """Compute exposure and (with `record`) store it and its alerts atomically; returns
    the rows (most exposed first), the alerts' count and the run id."""
    p.check()
    file_seeds = read_seed_file(seeds_file) if seeds_file else []
    eng = ws.engine(engine)
    txns = eng.table("transactions")
    as_of = ws.scalar("SELECT max(ts) FROM transactions")
    run_id = "exp-" + uuid.uuid4().hex[:12]
    now = dt.datetime.now(dt.UTC)
    if as_of is None:
        return {"run_id": run_id, "rows": [], "alerts": 0, "seeds": 0}
    as_of_s = int(as_of.timestamp())
    edges = payment_edges(txns, as_of_s, int(p.window_days * DAY))
    parts = [eng.register("_exposure_file_seeds", pa.Table.from_pylist(file_seeds, schema=_SEEDS))]
    if ws.has_table("alerts"):
        parts.append(screening_seeds(eng.table("alerts"), txns, p.screening_threshold))
    seeds = parts[0].union(parts[1]) if len(parts) > 1 else parts[0]
    n_seeds = eng.to_arrow(seeds.select("account").distinct()).num_rows
    res = eng.to_arrow(exposure(edges, seeds, p.hops, p.rule, p.discount))
    rows = sorted(res.to_pylist(), key=lambda r: (-(r["exposure"] or 0), r["hops"], r["account"]))
    params = canonical_json(asdict(p))
    for r in rows:
        r.update(run_id=run_id, computed_at=now, as_of=as_of, params=params)
    alerts = _alerts(rows, p, run_id, now)
    new_alerts = 0
    if record:
        ws.ensure_table("exposure", EXPOSURE_SCHEMA)
        table = pa.Table.from_pylist(
            [{k: r[k] for k in EXPOSURE_SCHEMA.names} for r in rows], schema=EXPOSURE_SCHEMA
        )
        with ws.atomic() as tx:
            tx.append("exposure", table)
            if alerts.num_rows:
                known = {
                    x for (x,) in tx.query("SELECT alert_id FROM alerts WHERE source = 'network'")
                }
                keep = [
                    i for i, a in enumerate(alerts.column("alert_id").to_pylist()) if a not in known
                ]
                if keep:
                    new_alerts = tx.append("alerts", alerts.take(keep))
    return {"run_id": run_id, "rows": rows, "alerts": new_alerts, "seeds": n_seeds}


_SEEDS = pa.schema([("account", pa.string()), ("seed_reason", pa.string())])
