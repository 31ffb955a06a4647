"""Screening runs over the workspace: parties, transaction counterparties, re-screening after
a list change, analysts' verdicts. Each takes the judgement store it needs as a parameter
(`cftwatch.app.screening` passes the operational store)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

import pyarrow as pa

from cftwatch import schema as S
from cftwatch.errors import NotFoundError
from cftwatch.fingerprints import entity_fingerprint
from cftwatch.screening.index import table_version
from cftwatch.screening.judgements import (
    JudgementRecord,
    JudgementStore,
    Verdict,
    suppressed_pairs,
)
from cftwatch.screening.kyc import kyc_name_and_father
from cftwatch.screening.narrative import find_listed_names
from cftwatch.screening.notes import with_query_notes
from cftwatch.screening.screener import Match, Screener, counterparty_query, party_query
from cftwatch.screening.tables import (
    alert_row,
    append_hits,
    ensure_screening_tables,
    find_list_entity,
    last_entity_state,
    load_screener,
    now,
    open_hits_of,
    read_list_entities,
    record_entity_state,
    write_alerts,
)
from cftwatch.workspace import Workspace

__all__ = [
    "judge",
    "rescreen_on_list_change",
    "screen_name",
    "screen_parties",
    "screen_transactions",
]

TRANSACTION_COLUMNS = (
    "txn_id",
    "debtor_id",
    "debtor_name",
    "debtor_account",
    "debtor_country",
    "creditor_id",
    "creditor_name",
    "creditor_account",
    "creditor_country",
    "narrative",
)
"""What transaction screening reads: both sides' names, accounts and countries, the text."""


def judge(
    ws: Workspace,
    party_key: str,
    entity_id: str,
    verdict: str,
    user: str,
    note: str | None = None,
    *,
    judgements: JudgementStore,
) -> JudgementRecord:
    """Record an analyst's verdict on a (party, entity) pair, tied to the entity's current
    state; the judgement store refuses a verdict that is not true_match or false_match."""
    entity = find_list_entity(ws, entity_id)
    return judgements.record_judgement(
        party_key, entity_id, cast(Verdict, verdict), user, entity_fingerprint(entity), note
    )


def _party_key(row: dict[str, Any]) -> str:
    return str(row.get("party_id") or row.get("name") or "")


def _hit(
    key: str, row: dict[str, Any], match: Match, screener: Screener, reason: str | None
) -> dict[str, Any]:
    return {
        "hit_id": f"{key}|{match.entity_id}",
        "party_key": key,
        "party_name": row.get("name"),
        "entity_id": match.entity_id,
        "list_version": screener.version,
        "entity_fingerprint": screener.fingerprints.get(match.entity_id),
        "score": match.score,
        "status": "suppressed" if reason else "open",
        "reason": reason or match.sentence(),
        "recorded_at": now(),
    }


def screen_parties(
    ws: Workspace,
    parties: pa.Table | None = None,
    *,
    judgements: JudgementStore,
    screener: Screener | None = None,
    threshold: float | None = None,
    entity_ids: set[str] | None = None,
    run_id: str | None = None,
) -> dict[str, int]:
    """Screen a party table (default: the workspace's `parties`); write hits and alerts.
    A pair an analyst judged a false match is recorded as suppressed, not alerted."""
    ensure_screening_tables(ws)
    screener = screener or load_screener(ws)
    if parties is None:
        parties = ws.read("parties") if ws.has_table("parties") else S.empty(S.PARTIES)
    rows = parties.to_pylist()
    results = screener.screen_many([party_query(r) for r in rows], threshold)
    run_id = run_id or "screen-" + now().strftime("%Y%m%dT%H%M%S")
    keys = [_party_key(r) for r in rows]
    suppressed = suppressed_pairs(judgements, screener.fingerprints, keys)
    hits, alerts, n_suppressed = [], [], 0
    for row, key, matches in zip(rows, keys, results, strict=True):
        for match in matches:
            if entity_ids is not None and match.entity_id not in entity_ids:
                continue
            reason = suppressed.get((key, match.entity_id))
            hits.append(_hit(key, row, match, screener, reason))
            if reason:
                n_suppressed += 1
                continue
            by_identifier = any(f.name == "identifier" for f in match.features)
            rule_id = "screening.identifier" if by_identifier else "screening.name"
            alerts.append(
                alert_row(rule_id, "party", key, row.get("name"), match, screener, run_id)
            )
    with ws.atomic():
        append_hits(ws, hits)
        written = write_alerts(ws, alerts)
        record_entity_state(ws, screener)
    return {"screened": len(rows), "hits": len(hits), "alerts": written, "suppressed": n_suppressed}


def rescreen_on_list_change(
    ws: Workspace, threshold: float | None = None, *, judgements: JudgementStore
) -> dict[str, int]:
    """Screen only added/changed entries against all parties; close hits of removed entries."""
    ensure_screening_tables(ws)
    screener = load_screener(ws)
    previous = last_entity_state(ws)
    current = {e["entity_id"]: entity_fingerprint(e) for e in screener.index.entities}
    changed = {k for k, v in current.items() if previous.get(k) != v}
    removed = set(previous) - set(current)
    result = {"changed": len(changed), "removed": len(removed), "closed": 0}
    if removed:
        closing = open_hits_of(ws, sorted(removed))
        for hit in closing:
            hit.update(
                status="closed",
                reason="list entry removed",
                recorded_at=now(),
                list_version=screener.version,
            )
        if closing:
            with ws.atomic():
                append_hits(ws, closing)
        result["closed"] = len(closing)
    if changed:
        counts = screen_parties(
            ws, judgements=judgements, screener=screener, threshold=threshold, entity_ids=changed
        )
        result.update(counts)
    else:
        with ws.atomic():
            record_entity_state(ws, screener)
    return result


def _known_parties(ws: Workspace, ids: set[str]) -> dict[str, dict[str, Any]]:
    """The `parties` rows (the institution's customers) among these counterparty ids."""
    if not ids or not ws.has_table("parties"):
        return {}
    wanted = pa.table({"party_id": pa.array(sorted(ids), pa.string())})
    with ws.registered("_screening_wanted", wanted) as rel:
        rows = ws.query_dicts(f"SELECT p.* FROM parties p JOIN {rel} w USING (party_id)")
    return {str(r["party_id"]): r for r in rows}


class _Counterparties:
    """Transaction sides gathered for screening: names (deduplicated by name and country,
    with the ids and transactions they appear on), account identifiers and narratives."""

    def __init__(self, txns: Iterable[dict[str, Any]], narratives: bool) -> None:
        self.parties: dict[tuple[str, str | None], dict[str, Any]] = {}
        self.accounts: dict[str, list[str]] = defaultdict(list)
        self.narratives: list[tuple[str, str]] = []
        for t in txns:
            for side in ("debtor", "creditor"):
                name = t.get(f"{side}_name")
                if name and name.strip():
                    key = (name.strip(), t.get(f"{side}_country"))
                    entry = self.parties.setdefault(key, {"ids": set(), "txns": []})
                    entry["ids"].add(t.get(f"{side}_id") or name.strip())
                    entry["txns"].append(t["txn_id"])
                if t.get(f"{side}_account"):
                    self.accounts[t[f"{side}_account"]].append(t["txn_id"])
            if narratives and t.get("narrative"):
                self.narratives.append((t["txn_id"], t["narrative"]))


def screen_transactions(
    ws: Workspace,
    *,
    screener: Screener | None = None,
    threshold: float | None = None,
    narratives: bool = True,
) -> dict[str, int]:
    """Screen debtor/creditor names (deduplicated), account identifiers and narratives."""
    ensure_screening_tables(ws)
    screener = screener or load_screener(ws)
    if not ws.has_table("transactions"):
        raise NotFoundError("no transactions in the workspace: run `cftwatch ingest` first")
    sides = _Counterparties(ws.read("transactions", TRANSACTION_COLUMNS).to_pylist(), narratives)
    keys = list(sides.parties)
    known = _known_parties(ws, {i for entry in sides.parties.values() for i in entry["ids"]})
    queries = [counterparty_query(n, c, sides.parties[(n, c)]["ids"], known) for n, c in keys]
    results = screener.screen_many(queries, threshold)
    run_id = "screen-txn-" + now().strftime("%Y%m%dT%H%M%S")
    alerts = []
    for key, matches in zip(keys, results, strict=True):
        entry = sides.parties[key]
        subject, txn_ids = sorted(entry["ids"])[0], sorted(set(entry["txns"]))
        for match in matches:
            alerts.append(
                alert_row(
                    "screening.name", "party", subject, key[0], match, screener, run_id, txn_ids
                )
            )
    for account, account_txns in sides.accounts.items():
        txn_ids = sorted(set(account_txns))
        for match in screener.screen_identifier(account):
            alerts.append(
                alert_row(
                    "screening.identifier",
                    "account",
                    account,
                    None,
                    match,
                    screener,
                    run_id,
                    txn_ids,
                )
            )
    for txn_id, text in sides.narratives:
        for match in find_listed_names(text, screener, threshold):
            alerts.append(
                alert_row(
                    "screening.narrative",
                    "transaction",
                    txn_id,
                    None,
                    match,
                    screener,
                    run_id,
                    [txn_id],
                )
            )
    with ws.atomic():
        written = write_alerts(ws, alerts)
    return {"counterparties": len(keys), "accounts": len(sides.accounts), "alerts": written}


_DEFAULT: dict[str, Screener] = {}


def screen_name(
    name: str,
    kind: str | None = None,
    birth_date: str | None = None,
    country: str | None = None,
    identifiers: Iterable[str] = (),
    father_name: str | None = None,
    threshold: float | None = None,
    *,
    workspace: Workspace | None = None,
    screener: Screener | None = None,
) -> list[Match]:
    """Screen one name against the workspace's active lists (or a given Screener); the
    workspace's Screener is kept between calls while its lists are unchanged."""
    if screener is None:
        ws = workspace or Workspace.open()
        key = str(ws.path)
        entities = read_list_entities(ws)
        screener = _DEFAULT.get(key)
        if screener is None or screener.version != table_version(entities):
            screener = _DEFAULT[key] = load_screener(ws, entities)
    name, father = kyc_name_and_father(name, father_name, kind)
    matches = screener.screen_name(name, kind, birth_date, country, identifiers, father, threshold)
    return with_query_notes(matches, name, father, father != father_name)
