"""Network analytics combined with the case workflow: risk seeds from the cases decided
`reported` (read from the operational store), exposure runs with those seeds, and
components and neighbourhoods built on the same seeds and the current exposure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa
from sqlalchemy import select

from cftwatch.cases import case_service
from cftwatch.engine import Engine
from cftwatch.errors import InputError
from cftwatch.jsontext import to_jsonable
from cftwatch.network.components import components
from cftwatch.network.exposure import payment_edges
from cftwatch.network.exposure_run import (
    DAY,
    ExposureParams,
    read_seed_file,
    run_exposure,
    seed_rows,
)
from cftwatch.network.show import (
    MOTIF_KINDS,
    Neighbourhood,
    motif_rows,
    neighbourhood,
    render_html,
    write_graphml,
)
from cftwatch.store import CaseRow, OperationalStore, format_case_id
from cftwatch.workspace import Workspace


def reported_case_seeds(ws: Workspace) -> list[dict[str, Any]]:
    """(account or party, seed_reason) for the subject of every case whose status is
    `reported` (decided and filed; a reopened case is no longer a seed)."""
    store = OperationalStore.for_workspace(ws, migrate=not ws.read_only)
    try:
        with store.session(readonly=True) as s:
            q = select(CaseRow.id, CaseRow.subject_type, CaseRow.subject_id).where(
                CaseRow.status == "reported"
            )
            cases = s.execute(q.order_by(CaseRow.id)).all()
    finally:
        store.close()
    out: list[dict[str, Any]] = []
    for number, kind, subject in cases:
        why = f"case {format_case_id(number)} decided reported"
        if kind == "account":
            out.append({"account": subject, "seed_reason": why})
        elif kind == "party":
            out.append({"party": subject, "seed_reason": why})
    return out


def network_exposure(
    ws: Workspace,
    p: ExposureParams,
    seeds_file: Path | None = None,
    engine: str | None = None,
    full: bool = False,
) -> dict[str, Any]:
    """`cftwatch network exposure`: seeds from screening, the file and reported cases."""
    return run_exposure(ws, p, seeds_file, engine, extra_seeds=reported_case_seeds(ws), full=full)


def network_components(
    ws: Workspace,
    window_days: float = 30.0,
    min_exposure: float = 0.5,
    threshold: float = 0.85,
    seeds_file: Path | None = None,
    engine: str | None = None,
) -> list[dict[str, Any]]:
    """The ranked components of the risky payments in the window (see
    `cftwatch.network.components`): risky accounts are the seeds, the accounts with an
    alert, and those whose current exposure is at least `min_exposure`."""
    if not 0 <= min_exposure <= 1:
        raise InputError.at("must lie in 0..1", field="min_exposure", value=min_exposure)
    if window_days <= 0:
        raise InputError.at("window must be positive", field="window", value=window_days)
    eng = ws.engine(engine)
    as_of = ws.scalar("SELECT max(ts) FROM transactions")
    if as_of is None:
        return []
    file_seeds = read_seed_file(seeds_file) if seeds_file else []
    seeds = seed_rows(ws, eng, threshold, file_seeds, reported_case_seeds(ws))
    txns = eng.table("transactions")
    edges = payment_edges(txns, int(as_of.timestamp()), int(window_days * DAY))
    alerts = _alerts_by_account(ws)
    exposed = {
        a: x
        for a, x in ws.query(
            "SELECT account, exposure FROM exposure WHERE superseded_at IS NULL AND exposure >= ?",
            [min_exposure],
        )
    } if ws.has_table("exposure") else {}  # fmt: skip
    risky = [
        {"account": a, "exposure": exposed.get(a)}
        for a in sorted(set(seeds) | set(alerts) | set(exposed))
    ]
    reg = eng.register
    rt = reg("_cc_risky", pa.Table.from_pylist(risky, schema=_RISKY))
    st = reg("_cc_seeds", pa.Table.from_pylist([{"account": a} for a in seeds], schema=_ACCT))
    at = reg("_cc_alerts", pa.Table.from_pylist(
        [{"account": a, "n_alerts": n} for a, n in alerts.items()], schema=_ALERTS
    ))  # fmt: skip
    countries = txns.select(account=txns.debtor_account, country=txns.debtor_country).union(
        txns.select(account=txns.creditor_account, country=txns.creditor_country)
    )
    return components(eng, edges, rt, st, at, countries.distinct()).to_pylist()


def _alerts_by_account(ws: Workspace) -> dict[str, int]:
    """Alerts per account: those about the account, and those about a party that pays
    from or is paid into it."""
    if not ws.has_table("alerts"):
        return {}
    rows = ws.query(
        "WITH sides AS (SELECT debtor_id AS pid, debtor_account AS account FROM transactions "
        "UNION SELECT creditor_id, creditor_account FROM transactions) "
        "SELECT account, count(*) FROM ("
        " SELECT subject_id AS account, alert_id FROM alerts WHERE subject_type = 'account'"
        " UNION SELECT s.account, a.alert_id FROM alerts a JOIN sides s ON s.pid = a.subject_id"
        " WHERE a.subject_type = 'party' AND s.account IS NOT NULL) GROUP BY account"
    )
    return {a: int(n) for a, n in rows}


_ACCT = pa.schema([("account", pa.string())])
_RISKY = pa.schema([("account", pa.string()), ("exposure", pa.float64())])
_ALERTS = pa.schema([("account", pa.string()), ("n_alerts", pa.int64())])


def _window_edges(ws: Workspace, eng: Engine, window_days: float) -> ir.Table | None:
    if window_days <= 0:
        raise InputError.at("window must be positive", field="window", value=window_days)
    as_of = ws.scalar("SELECT max(ts) FROM transactions")
    if as_of is None:
        return None
    return payment_edges(eng.table("transactions"), int(as_of.timestamp()), int(window_days * DAY))


def network_motifs(
    ws: Workspace, kind: str, window_days: float, span_days: float, engine: str | None = None
) -> list[dict[str, Any]]:
    """`cftwatch network motifs`: instances of one motif kind in the window."""
    if kind not in MOTIF_KINDS:
        raise InputError.at(
            f"kind must be one of {', '.join(MOTIF_KINDS)}", field="kind", value=kind
        )
    if span_days <= 0:
        raise InputError.at("span must be positive", field="span", value=span_days)
    eng = ws.engine(engine)
    edges = _window_edges(ws, eng, window_days)
    return [] if edges is None else motif_rows(eng, edges, kind, int(span_days * DAY))


def network_show(
    ws: Workspace,
    account: str,
    hops: int = 2,
    window_days: float = 30.0,
    max_payments: int = 500,
    graphml: Path | None = None,
    html_path: Path | None = None,
    engine: str | None = None,
) -> Neighbourhood:
    """`cftwatch network show`: the neighbourhood, noted with current exposure and
    seeds of the latest exposure run, written as GraphML and/or HTML when asked."""
    if not 1 <= hops <= 5:
        raise InputError.at("hops must be 1..5", field="hops", value=hops)
    if max_payments < 1:
        raise InputError.at("must be at least 1", field="max_payments", value=max_payments)
    eng = ws.engine(engine)
    edges = _window_edges(ws, eng, window_days)
    if edges is None:
        raise InputError.at("the workspace has no transactions", field="account", value=account)
    nb = neighbourhood(eng, edges, account, hops, max_payments)
    if not nb.accounts:
        raise InputError.at(
            f"no payment in the last {window_days:g} days touches this account",
            field="account",
            value=account,
        )
    nb.notes = _notes(ws, set(nb.accounts))
    for path, write in ((graphml, lambda p: write_graphml(nb, p)), (html_path, None)):
        if path is None:
            continue
        try:
            if write is not None:
                write(path)
            else:
                path.write_text(render_html(nb), encoding="utf-8")
        except OSError as exc:
            raise InputError.at(f"cannot write: {exc.strerror}", file=str(path)) from None
    return nb


def _notes(ws: Workspace, accounts: set[str]) -> dict[str, str]:
    """Seed reasons (latest exposure run) and current exposure of the given accounts."""
    notes: dict[str, str] = {}
    if ws.has_table("exposure"):
        for a, x in ws.query("SELECT account, exposure FROM exposure WHERE superseded_at IS NULL"):
            if a in accounts and x is not None:
                notes[a] = f"exposure {x:.0%}"
    if ws.has_table("exposure_runs"):
        last = ws.scalar("SELECT run_id FROM exposure_runs ORDER BY computed_at DESC LIMIT 1")
        for a, why in ws.query(
            "SELECT account, seed_reason FROM exposure_seeds WHERE run_id = ?", [last]
        ):
            if a in accounts:
                notes[a] = f"seed: {why}"
    return notes


def attach_neighbourhood(
    workspace: Path, nb: Neighbourhood, case_id: str, actor: str, requested: str | None = None
) -> dict[str, Any]:
    """Put the neighbourhood on a case as evidence (kind `other`, the accounts and payments
    in its detail) and its payments as transaction evidence; `actor` is the OS user, who
    may act as `requested` if an admin. Adding it twice adds nothing."""
    with case_service(workspace) as service:
        user = service.act_as(actor, requested)
        first, last = (nb.payments[0], nb.payments[-1]) if nb.payments else ({}, {})
        ref = f"network:{nb.account}:{nb.hops}h:{first.get('txn_id')}..{last.get('txn_id')}"
        ev = service.add_evidence(
            case_id,
            user,
            "other",
            ref,
            explanation=(
                f"Payment neighbourhood of {nb.account} within {nb.hops} hops: "
                f"{len(nb.accounts)} accounts, {len(nb.payments)} payments"
                + (" (cut)" if nb.truncated else "")
            ),
            detail=to_jsonable(nb.to_dict()),
        )
        added = service.add_transactions(case_id, user, [p["txn_id"] for p in nb.payments])
    return {"case_id": ev.case_id, "ref": ref, "transactions_added": added}
