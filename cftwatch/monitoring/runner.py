"""`run_rules`: evaluate the enabled rules on one engine and record alerts and the run.

Alert ids are a hash of the rule, its parameters, the subject and the time window, so a
re-run over the same data finds the same ids and adds nothing; `since` restricts a run to
windows ending on or after a date while each rule still reads its own lookback before it,
so a window that crosses the boundary is found whole.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.metadata import version
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.engine import materialising as materialised
from cftwatch.engine.base import Engine
from cftwatch.errors import ConfigError, Problem
from cftwatch.jsontext import dumps
from cftwatch.monitoring.blocks import not_in
from cftwatch.monitoring.config import (
    RuleConfig,
    RuleSetting,
    builtin_rules,
    default_rules_config,
    resolve_rules_config,
)
from cftwatch.monitoring.context import above_usual, prepare_transactions, with_usual_amounts
from cftwatch.monitoring.money import (
    RelativeAmount,
    amount_quantiles,
    conversion_rates,
    parse_relative,
    relative_floors,
    resolve_setting,
    to_institution_currency,
)
from cftwatch.monitoring.profile import (
    RuleWarning,
    currency_warnings,
    data_currencies,
    profile,
    rule_warnings,
)
from cftwatch.monitoring.spec import ALERT_COLUMNS, Need, RuleInput, RuleSpec, params_hash
from cftwatch.monitoring.standing import shared_tables
from cftwatch.vocab import lower_severity, severity_rank_sql
from cftwatch.workspace import CONFIG_NAME, Workspace, quote_ident

ENGINE_MEMORY_SHARE = 0.75
"""During the rules the engine's own memory limit is this share of the configured one
(DuckDB spills to its temporary directory beyond it): the rest is left to the process's
Python rows and Arrow results, so the whole run stays within `duckdb.memory_limit`."""

Progress = Callable[[str, int, int], None]
"""progress(rule_id, done, total): called before each rule and once at the end ("done")."""

RUNS_TABLE = "monitoring_runs"
RUNS = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("started_at", cs.TIMESTAMP_TYPE, nullable=False),
        pa.field("finished_at", cs.TIMESTAMP_TYPE, nullable=False),
        pa.field("engine", pa.string(), nullable=False),
        pa.field("rules_version", pa.string(), nullable=False),
        pa.field("config_source", pa.string()),
        pa.field("config_hash", pa.string(), nullable=False),
        pa.field("config", pa.string(), nullable=False),
        pa.field("since", cs.TIMESTAMP_TYPE),
        pa.field("data_start", cs.TIMESTAMP_TYPE),
        pa.field("data_end", cs.TIMESTAMP_TYPE),
        pa.field("transactions", pa.int64(), nullable=False),
        pa.field("alerts_found", pa.int64(), nullable=False),
        pa.field("alerts_new", pa.int64(), nullable=False),
        pa.field("per_rule", pa.string(), nullable=False),
    ],
    metadata={
        "table": RUNS_TABLE,
        "doc": "One row per monitoring run: rules version, configuration, data range, counts.",
    },
)
"""Stage-private table of monitoring runs (created in the workspace on first use)."""


def rules_version() -> str:
    """Package version plus a hash of the built-in specs (ids, defaults, descriptions)."""
    specs = [s.model_dump(mode="json") for s in builtin_rules()]
    # hashed bytes: plain json.dumps, as when the stored versions were computed
    digest = hashlib.sha256(json.dumps(specs, sort_keys=True).encode()).hexdigest()[:8]
    return f"{version('cftwatch')}+{digest}"


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    typology: str
    alerts: int
    new: int
    seconds: float
    skipped: str | None = None


@dataclass
class MonitoringRun:
    """What a run did. `alerts` holds every alert found (canonical ALERTS schema), new or not."""

    run_id: str
    engine: str
    started_at: dt.datetime
    finished_at: dt.datetime
    since: dt.datetime | None
    data_start: dt.datetime | None
    data_end: dt.datetime | None
    transactions: int
    rules: list[RuleResult]
    alerts: pa.Table
    new_alerts: int
    seconds: float
    rules_version: str = field(default_factory=rules_version)
    date_only: bool = False
    warnings: list[RuleWarning] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "engine": self.engine,
            "rules_version": self.rules_version,
            "since": _iso(self.since),
            "data_start": _iso(self.data_start),
            "data_end": _iso(self.data_end),
            "transactions": self.transactions,
            "alerts_found": self.alerts.num_rows,
            "alerts_new": self.new_alerts,
            "seconds": round(self.seconds, 3),
            "date_only": self.date_only,
            "warnings": [w.to_dict() for w in self.warnings],
            "rules": [
                {
                    "rule_id": r.rule_id,
                    "typology": r.typology,
                    "alerts": r.alerts,
                    "new": r.new,
                    "seconds": round(r.seconds, 3),
                    "skipped": r.skipped,
                }
                for r in self.rules
            ],
        }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def workspace_rules_config(ws: Workspace) -> RuleConfig:
    """The `monitoring:` section of the workspace config, validated (defaults if empty)."""
    if not ws.config.monitoring:
        return default_rules_config()
    return resolve_rules_config(
        ws.config.monitoring, file=str(ws.path / CONFIG_NAME), prefix=("monitoring",)
    )


def ensure_runs_table(ws: Workspace) -> None:
    ws.ensure_table(RUNS_TABLE, RUNS)


def run_rules(
    ws: Workspace,
    rules_config: RuleConfig | None = None,
    engine: str = "duckdb",
    since: dt.date | dt.datetime | str | None = None,
    progress: Progress | None = None,
    *,
    rule_ids: list[str] | None = None,
    record: bool = True,
) -> MonitoringRun:
    """Run the enabled rules (or just `rule_ids`) and append new alerts and a run record.

    `since` (a date or UTC datetime): report only windows ending at or after it; each rule
    reads its lookback before it. `record=False` computes alerts without writing anything.
    """
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    cfg = rules_config or workspace_rules_config(ws)
    since_dt = _since(since)
    inst = ws.config.institution
    selected = _selected(cfg, rule_ids)
    run_id = f"mon-{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    eng = ws.engine(engine)
    ensure_runs_table(ws)
    ws.release_memory()

    raw = eng.current_table("transactions")
    rates, no_rate = conversion_rates(data_currencies(eng, raw), inst.currency, inst.exchange_rates)
    txns = to_institution_currency(raw, inst.currency, rates)
    since_s = int(since_dt.timestamp()) if since_dt else None
    data_start, data_end, n_txns = _data_range(eng, txns, since_s)
    data = profile(eng, txns)
    quantiles = _quantiles(eng, txns, selected)
    settings = [resolve_setting(s, inst.currency, inst.exchange_rates, quantiles) for s in selected]
    floors = {s.spec.id: relative_floors(s) for s in selected}
    ctx = _RunContext(ws, eng, run_id, started, since_s, data.date_only, floors)
    with eng.bounded_memory(ENGINE_MEMORY_SHARE), shared_tables():
        results, alerts = _evaluate(ctx, txns, settings, progress)
    new_ids = _new_ids(ws, alerts) if record else set(alerts.column("alert_id").to_pylist())
    results = _with_new_counts(results, alerts, new_ids)
    run = MonitoringRun(
        run_id=run_id,
        engine=eng.name,
        started_at=started,
        finished_at=dt.datetime.now(dt.UTC),
        since=since_dt,
        data_start=data_start,
        data_end=data_end,
        transactions=n_txns,
        rules=results,
        alerts=alerts,
        new_alerts=len(new_ids),
        seconds=time.perf_counter() - t0,
        date_only=data.date_only,
        warnings=currency_warnings(no_rate, inst.currency) + rule_warnings(settings, data),
    )
    if record:
        _record(ws, run, cfg, new_ids)
    if progress:
        progress("done", len(settings), len(settings))
    return run


def _selected(cfg: RuleConfig, rule_ids: list[str] | None) -> list[RuleSetting]:
    """The enabled rules, or exactly `rule_ids` (every unknown id reported at once)."""
    if rule_ids is None:
        return cfg.enabled()
    unknown = [r for r in rule_ids if r not in cfg.rules]
    if unknown:
        raise ConfigError([Problem("unknown rule", field="rule", value=r) for r in unknown])
    return [cfg.rules[r] for r in rule_ids]


@dataclass(frozen=True)
class _RunContext:
    ws: Workspace
    eng: Engine
    run_id: str
    started: dt.datetime
    since_s: int | None
    date_only: bool
    floors: dict[str, dict[str, RelativeAmount]] = field(default_factory=dict)
    """Per rule: its money floors given as multiples of an account's usual amount."""


def _quantiles(eng: Engine, txns: ir.Table, settings: list[RuleSetting]) -> dict[float, float]:
    """Percentile -> amount for every `qNN` money parameter of the run (one pass)."""
    wanted: set[float] = set()
    for s in settings:
        for p in s.spec.params:
            rel = parse_relative(s.params.get(p.name)) if p.kind == "money" else None
            if rel is not None and rel.basis == "quantile":
                wanted.add(rel.value)
    if not wanted:
        return {}
    row = eng.to_arrow(amount_quantiles(txns, wanted)).to_pylist()[0]
    return {p: float(row[f"q{i}"] or 0.0) for i, p in enumerate(sorted(wanted))}


def _evaluate(
    ctx: _RunContext, txns: ir.Table, settings: list[RuleSetting], progress: Progress | None
) -> tuple[list[RuleResult], pa.Table]:
    """Each rule on the prepared (cached) transactions: its results and all alerts found."""
    eng = ctx.eng
    accounts = eng.current_table("accounts")
    parties = eng.current_table("parties")
    prepared = _prepare(txns, accounts, parties)
    if any(ctx.floors.values()):
        prepared = with_usual_amounts(prepared)
    cached = prepared.cache() if settings else prepared
    screening = _screening_alerts(ctx.ws, eng)
    missing_input: dict[Need, str | None] = {
        "screening_alerts": None if screening is not None else "no screening alerts yet"
    }
    results: list[RuleResult] = []
    tables: list[pa.Table] = []
    try:
        for i, setting in enumerate(settings):
            if progress:
                progress(setting.spec.id, i, len(settings))
            r0 = time.perf_counter()
            spec = setting.spec
            skipped = next((why for n in spec.needs if (why := missing_input[n])), None)
            if skipped:
                results.append(RuleResult(spec.id, spec.typology, 0, 0, 0.0, skipped))
                continue
            restricted = _restrict(cached, setting, ctx.since_s, ctx.floors.get(spec.id, {}))
            rule_input = RuleInput(restricted, accounts, parties, screening, ctx.date_only)
            stored = materialised.mark()
            try:
                table = _rule_alerts(ctx, setting, rule_input)
            finally:  # the rule's intermediate tables (cycle search steps): memory back
                materialised.drop_since(stored)
            tables.append(table)
            results.append(
                RuleResult(spec.id, spec.typology, table.num_rows, 0, time.perf_counter() - r0)
            )
    finally:
        if cached is not prepared:
            _release(cached)
    alerts = pa.concat_tables(tables) if tables else cs.empty(cs.ALERTS)
    return results, dedupe_alerts(alerts)


def _rule_alerts(ctx: _RunContext, setting: RuleSetting, rule_input: RuleInput) -> pa.Table:
    spec = setting.spec
    expr = spec.builder(rule_input, setting.params)
    missing = [c for c in ALERT_COLUMNS if c not in expr.columns]
    if missing:  # a programming error in a rule, not a user error
        raise RuntimeError(f"rule {spec.id} does not return {missing}")
    if ctx.since_s is not None:
        expr = expr.filter(expr.window_end.epoch_seconds() >= ctx.since_s)
    found = ctx.eng.to_arrow(expr)
    relative = {k: v.text() for k, v in ctx.floors.get(spec.id, {}).items()}
    return _alerts_from(ctx.ws, found, setting, ctx.run_id, ctx.started, relative)


def _with_new_counts(
    results: list[RuleResult], alerts: pa.Table, new_ids: set[str]
) -> list[RuleResult]:
    new_per_rule: dict[str, int] = {}
    for aid, rid in zip(
        alerts.column("alert_id").to_pylist(), alerts.column("rule_id").to_pylist(), strict=True
    ):
        if aid in new_ids:
            new_per_rule[rid] = new_per_rule.get(rid, 0) + 1
    return [
        RuleResult(
            r.rule_id, r.typology, r.alerts, new_per_rule.get(r.rule_id, 0), r.seconds, r.skipped
        )
        for r in results
    ]


def _record(ws: Workspace, run: MonitoringRun, cfg: RuleConfig, new_ids: set[str]) -> None:
    alerts = run.alerts
    mask = pa.array([a in new_ids for a in alerts.column("alert_id").to_pylist()], pa.bool_())
    with ws.atomic() as tx:
        tx.append("alerts", alerts.filter(mask))
        tx.append(RUNS_TABLE, _run_row(run, cfg))


# -- inputs ---------------------------------------------------------------------------


def _since(value: dt.date | dt.datetime | str | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise ConfigError(
                Problem(
                    "expected a date (YYYY-MM-DD) or an ISO datetime", field="since", value=value
                )
            ) from exc
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)


_prepare = prepare_transactions


def _restrict(
    t: ir.Table,
    setting: RuleSetting,
    since_s: int | None,
    floors: dict[str, RelativeAmount] | None = None,
) -> ir.Table:
    preds = [not_in(t[col], values) for col, values in setting.exclude.items()]
    preds += [above_usual(t, rel) for rel in (floors or {}).values()]
    if since_s is not None:
        lookback = setting.spec.lookback(setting.params)
        if lookback is not None:
            preds.append(t.ts_s >= since_s - int(lookback.total_seconds()))
    return t.filter(*preds) if preds else t


def _screening_alerts(ws: Workspace, eng: Engine) -> ir.Table | None:
    if not ws.scalar("SELECT count(*) FROM alerts WHERE source = ?", ["screening"]):
        return None
    a = eng.current_table("alerts")
    a = a.filter(a.source == "screening")
    return a.select("subject_type", "subject_id", "entity_id", "score", "severity")


def _data_range(
    eng: Engine, txns: ir.Table, since_s: int | None
) -> tuple[dt.datetime | None, dt.datetime | None, int]:
    t = txns
    if since_s is not None:
        t = t.filter(t.ts.epoch_seconds() >= since_s)
    row = eng.to_arrow(t.aggregate(lo=t.ts.min(), hi=t.ts.max(), n=t.count())).to_pylist()[0]
    return _utc(row["lo"]), _utc(row["hi"]), int(row["n"] or 0)


def _release(t: ir.Table) -> None:
    with contextlib.suppress(Exception):  # a cache that is already gone is fine
        t.release()


# -- alerts ------------------------------------------------------------------------


def _utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return None


def _plain(value: Any) -> Any:
    """Metric values as engine-independent JSON values: floats rounded to four places
    (engines differ in the last digits), money kept exact as `Decimal`."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dt.datetime):
        return _utc(value).isoformat()  # type: ignore[union-attr]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def alert_id(rule_id: str, p_hash: str, subject: str, start: dt.datetime, end: dt.datetime) -> str:
    raw = f"{rule_id}|{p_hash}|{subject}|{start.isoformat()}|{end.isoformat()}"
    return "mon-" + hashlib.sha256(raw.encode()).hexdigest()[:24]


_TYPE_WORD = {"wallet": "wallet", "agent": "agent account", "merchant": "merchant account"}


def _subjects(ws: Workspace, ids: list[str]) -> dict[str, tuple[str, str | None]]:
    """account id -> (label for sentences, holder name)."""
    if not ids:
        return {}
    wanted = pa.table({"account_id": pa.array(sorted(set(ids)), pa.string())})
    ws.release_memory()
    with ws.registered("_monitoring_subjects", wanted) as w:
        rows = ws.query(
            f"SELECT w.account_id, max(a.account_type), max(p.name) FROM {w} w "
            "LEFT JOIN accounts a ON a.account_id = w.account_id "
            "LEFT JOIN parties p ON p.party_id = a.party_id GROUP BY w.account_id"
        )
    out: dict[str, tuple[str, str | None]] = {}
    for acc, kind, name in rows:
        word = _TYPE_WORD.get(kind or "", "account")
        label = f"{word} {acc}" + (f" ({name})" if name else "")
        out[acc] = (label, name)
    return out


def _alerts_from(
    ws: Workspace,
    found: pa.Table,
    setting: RuleSetting,
    run_id: str,
    now: dt.datetime,
    relative: dict[str, str] | None = None,
) -> pa.Table:
    """Alert rows; `relative` names the floors given as multiples of the usual amount
    (their value in `params` is 0: the run filtered the payments instead)."""
    spec = setting.spec
    rows = found.to_pylist()
    subjects = _subjects(ws, [r["subject_id"] for r in rows if r["subject_id"]])
    used: dict[str, Any] = {"params": setting.params, "exclude": setting.exclude}
    if relative:
        used["relative"] = relative
    p_hash = params_hash(used) if relative else setting.params_hash
    params_json = dumps(used, sort_keys=True)
    out: list[dict[str, Any]] = []
    for r in rows:
        subject = r["subject_id"]
        if subject is None:
            continue
        start, end = _utc(r["window_start"]), _utc(r["window_end"])
        assert start is not None and end is not None
        metrics = {k: v for k, v in r.items() if k not in ALERT_COLUMNS}
        label, name = subjects.get(subject, (f"account {subject}", None))
        amount = r["amount"]
        ctx = dict(metrics)
        ctx |= {
            "subject": label,
            "currency": r["currency"],
            "amount": amount if amount is not None else Decimal(0),
            "window_start": start,
            "window_end": end,
            "span_s": (end - start).total_seconds(),
        }
        txn_ids = sorted({x for x in (r["txn_ids"] or []) if x is not None})
        out.append(
            {
                "alert_id": alert_id(spec.id, p_hash, subject, start, end),
                "run_id": run_id,
                "source": "monitoring",
                "rule_id": spec.id,
                "typology": spec.typology,
                "subject_type": "account",
                "subject_id": subject,
                "subject_name": name,
                "window_start": start,
                "window_end": end,
                "severity": _capped(setting.severity, spec, ctx, setting.params),
                "score": float(spec.score(ctx, setting.params)),
                "txn_ids": txn_ids,
                "amount": amount,
                "currency": r["currency"],
                "params": params_json,
                "params_hash": p_hash,
                "explanation": spec.explain(ctx, setting.params),
                "details": dumps(
                    {"rule": spec.title, **{k: _plain(v) for k, v in metrics.items()}},
                    sort_keys=True,
                ),
                "entity_id": metrics.get(spec.entity_metric) if spec.entity_metric else None,
                "created_at": now,
            }
        )
    table = pa.Table.from_pylist(out, schema=cs.ALERTS) if out else cs.empty(cs.ALERTS)
    return table


def _capped(severity: str, spec: RuleSpec, ctx: dict[str, Any], params: dict[str, Any]) -> str:
    if spec.severity_cap is None:
        return severity
    cap = spec.severity_cap(ctx, params)
    return lower_severity(severity, cap)


def dedupe_alerts(alerts: pa.Table) -> pa.Table:
    """One row per alert id. Where a rule found several instances with the same subject and
    window (two rings through one account closing at the same payments), the one with the
    smallest sorted payment ids is kept, so the choice does not depend on the order an
    engine returns rows in (DuckDB and Spark give the same alert)."""
    ids = alerts.column("alert_id").to_pylist()
    if len(set(ids)) == len(ids):
        return alerts
    txns = alerts.column("txn_ids").to_pylist()
    best: dict[str, int] = {}
    for i, aid in enumerate(ids):
        j = best.get(aid)
        if j is None or (txns[i] or []) < (txns[j] or []):
            best[aid] = i
    return alerts.take(pa.array(sorted(best.values()), pa.int64()))


def _new_ids(ws: Workspace, alerts: pa.Table) -> set[str]:
    ids = alerts.column("alert_id").to_pylist()
    if not ids:
        return set()
    ws.release_memory()
    wanted = pa.table({"alert_id": pa.array(ids, pa.string())})
    with ws.registered("_monitoring_ids", wanted) as w:
        rows = ws.query(f"SELECT a.alert_id FROM alerts a JOIN {w} w ON a.alert_id = w.alert_id")
    return set(ids) - {r[0] for r in rows}


def _run_row(run: MonitoringRun, cfg: RuleConfig) -> pa.Table:
    config = cfg.to_dict()
    return pa.Table.from_pylist(
        [
            {
                "run_id": run.run_id,
                "started_at": run.started_at,
                "finished_at": run.finished_at,
                "engine": run.engine,
                "rules_version": run.rules_version,
                "config_source": cfg.source,
                "config_hash": params_hash(config),
                "config": dumps(config, sort_keys=True),
                "since": run.since,
                "data_start": run.data_start,
                "data_end": run.data_end,
                "transactions": run.transactions,
                "alerts_found": run.alerts.num_rows,
                "alerts_new": run.new_alerts,
                "per_rule": dumps(run.to_dict()["rules"]),
            }
        ],
        schema=RUNS,
    )


def read_runs(ws: Workspace) -> pa.Table:
    ensure_runs_table(ws)
    return ws.query_arrow(f"SELECT * FROM {quote_ident(RUNS_TABLE)} ORDER BY started_at")


__all__ = [
    "RUNS",
    "RUNS_TABLE",
    "MonitoringRun",
    "Progress",
    "RuleResult",
    "alert_id",
    "read_runs",
    "rules_version",
    "run_rules",
    "top_alerts",
    "workspace_rules_config",
]


def top_alerts(ws: Workspace, limit: int = 10, run_id: str | None = None) -> list[dict[str, Any]]:
    """The strongest monitoring alerts (severity, then score, then amount), for the demo."""
    where = "source = 'monitoring'" + (" AND run_id = ?" if run_id else "")
    ws.release_memory()
    table = ws.query_arrow(
        "SELECT alert_id, rule_id, typology, subject_id, subject_name, severity, score, "
        "amount, currency, window_start, window_end, explanation FROM alerts "
        f"WHERE {where} ORDER BY {severity_rank_sql()} DESC, score DESC, "
        "amount DESC NULLS LAST, alert_id LIMIT ?",
        [run_id, limit] if run_id else [limit],
    )
    return table.to_pylist()
