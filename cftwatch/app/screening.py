"""Screening with the workspace's operational store wired in: the screening stage reuses
analysts' verdicts through its `JudgementStore` protocol; this module passes the real one
(`OperationalStore.for_workspace`). The CLI and the server call these; runs that need no
judgements (`screening.screen_transactions`) are called on the stage itself."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from cftwatch import screening
from cftwatch.screening import JudgementRecord, NameQuery, Screener
from cftwatch.store import OperationalStore
from cftwatch.workspace import Workspace

__all__ = [
    "judge",
    "judgement_store",
    "rescreen_on_list_change",
    "screen_name_queries",
    "screen_parties",
    "screen_workspace",
]


def judgement_store(ws: Workspace) -> OperationalStore:
    """The workspace's operational store, where analysts' verdicts live."""
    return OperationalStore.for_workspace(ws)


def screen_parties(
    ws: Workspace,
    parties: pa.Table | None = None,
    *,
    screener: Screener | None = None,
    threshold: float | None = None,
    run_id: str | None = None,
) -> dict[str, int]:
    """Screen the workspace's parties (or `parties`); remembered false matches stay quiet."""
    return screening.screen_parties(
        ws,
        parties,
        judgements=judgement_store(ws),
        screener=screener,
        threshold=threshold,
        run_id=run_id,
    )


def rescreen_on_list_change(ws: Workspace, threshold: float | None = None) -> dict[str, int]:
    """After a list update: screen added/changed entries, close hits of removed ones."""
    return screening.rescreen_on_list_change(ws, threshold, judgements=judgement_store(ws))


def judge(
    ws: Workspace,
    party_key: str,
    entity_id: str,
    verdict: str,
    user: str,
    note: str | None = None,
) -> JudgementRecord:
    """Record an analyst's verdict on a (party, entity) pair in the operational store
    (which refuses anything but true_match or false_match)."""
    return screening.judge(
        ws, party_key, entity_id, verdict, user, note, judgements=judgement_store(ws)
    )


def screen_workspace(
    ws: Workspace,
    *,
    parties: bool = False,
    transactions: bool = False,
    rescreen: bool = False,
    threshold: float | None = None,
) -> dict[str, dict[str, Any]]:
    """The chosen runs over the workspace, in that order, each one's counts by its name."""
    summary: dict[str, dict[str, Any]] = {}
    if not (parties or transactions or rescreen):
        return summary
    screener = screening.load_screener(ws)
    if parties:
        summary["parties"] = screen_parties(ws, screener=screener, threshold=threshold)
    if transactions:
        summary["transactions"] = screening.screen_transactions(
            ws, screener=screener, threshold=threshold
        )
    if rescreen:
        summary["rescreen"] = rescreen_on_list_change(ws, threshold=threshold)
    return summary


IN_PROCESS_BATCH = 150
"""Queries screened together in a server process: below `Screener.screen_many`'s fork
threshold, so a request never forks worker processes from a threaded server."""


def screen_name_queries(
    screener: Screener, queries: list[NameQuery], threshold: float | None = None
) -> list[dict[str, Any]]:
    """`cftwatch screen --json`'s documents ({"query", "results"}) for `queries`, in order,
    screened in this process (the decision service calls this per request)."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(queries), IN_PROCESS_BATCH):
        chunk = queries[start : start + IN_PROCESS_BATCH]
        for query, matches in screening.screen_queries(screener, chunk, threshold):
            out.append({"query": query.name or "", "results": [m.to_dict() for m in matches]})
    return out
