"""Screening with the workspace's operational store wired in: the screening stage reuses
analysts' verdicts through its `JudgementStore` protocol; this module passes the real one
(`OperationalStore.for_workspace`). The CLI and the server call these; runs that need no
judgements (`screening.screen_transactions`) are called on the stage itself."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from cftwatch import screening
from cftwatch.app.prescreen import SharedPrescreen, query_key
from cftwatch.lists import list_versions
from cftwatch.screening import JudgementRecord, Match, NameQuery, Screener, make_query
from cftwatch.store import OperationalStore
from cftwatch.workspace import ANALYTICAL_NAME, SNAPSHOT_NAME, Workspace

if TYPE_CHECKING:
    from cftwatch.screening.score import Query

__all__ = [
    "KnownParties",
    "LiveScreener",
    "active_list_version",
    "judge",
    "judgement_store",
    "known_party_queries",
    "prescreen_processes",
    "rescreen_on_list_change",
    "screen_name_queries",
    "screen_parties",
    "screen_workspace",
    "settle_heap",
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


# -- a running service's screener: cached results, lists reloaded when they change ------

log = logging.getLogger("cftwatch.server")

SCREEN_CACHE = 50_000
"""Screening results remembered per (list version, query, threshold): counterparties repeat."""
LIST_CHECK_S = 0.5
"""How often a running service looks whether the workspace's lists changed (a file stat;
the lists' versions are read only when the analytical store's files changed)."""


def active_list_version(ws: Workspace) -> str:
    """The active snapshot of every list, as one string: it changes with any list update."""
    if not ws.has_table("list_versions"):
        return ""
    return ",".join(sorted(v.version_id for v in list_versions(ws) if v.active))


def _files_signature(root: Path) -> tuple[tuple[int, int], ...]:
    out = []
    for name in (ANALYTICAL_NAME, SNAPSHOT_NAME):
        try:
            st = (root / name).stat()
        except OSError:
            out.append((0, 0))
        else:
            out.append((st.st_mtime_ns, st.st_size))
    return tuple(out)


class LiveScreener:
    """The screener over a workspace's active lists, for a process that runs for long.

    `current()` costs a clock read, and a file stat every `LIST_CHECK_S`: when the
    analytical store's files changed, a background thread reads the lists' versions and,
    if a list was updated (through the API or `cftwatch lists update`), loads the new
    screener and swaps it in atomically; requests keep the old one until then. Results are
    cached per (list version, normalised query, threshold) in a bounded LRU, so a new
    version never answers from the old one's results."""

    def __init__(
        self, workspace_path: Path, screener: Screener, version: str, check_s: float = LIST_CHECK_S
    ) -> None:
        self.workspace_path = Path(workspace_path)
        self.check_s = check_s
        self._loaded: tuple[str, Screener] = (version, screener)
        self._signature = _files_signature(self.workspace_path)
        self._next_check = time.monotonic() + check_s
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._known: dict[tuple[Any, ...], Any] = {}
        """Prescreened known parties (`prescreen`): never evicted, replaced per version."""
        self.known_parties: KnownParties | None = None
        self.shared: SharedPrescreen | None = None
        """Where the workers of this workspace share their prescreen (None: each its own)."""
        self.prescreens: list[dict[str, Any]] = []
        """What each prescreen did (version, queries, screened, seconds), newest last."""
        self._lock = threading.Lock()
        self._reloading = threading.Lock()

    @classmethod
    def load(cls, workspace_path: Path, ws: Workspace | None = None) -> LiveScreener:
        """The screener of the workspace's active lists (from `ws` when it is open)."""
        if ws is None:
            with Workspace.open(workspace_path, read_only=True) as opened:
                return cls.load(workspace_path, opened)
        return cls(workspace_path, screening.load_screener(ws), active_list_version(ws))

    @property
    def version(self) -> str:
        return self._loaded[0]

    def current(self) -> tuple[str, Screener]:
        """(list version, screener) to use now; starts a reload when the lists changed."""
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self.check_s
            signature = _files_signature(self.workspace_path)
            if signature != self._signature and not self._reloading.locked():
                threading.Thread(
                    target=self.refresh, args=(signature,), name="cftwatch-lists", daemon=True
                ).start()
        return self._loaded

    def refresh(self, signature: tuple[tuple[int, int], ...] | None = None) -> bool:
        """Reload the screener now if a list changed (True when it did). Called by a
        list update made through this process, and by `current()` in the background."""
        with self._reloading:
            signature = signature or _files_signature(self.workspace_path)
            with Workspace.open(self.workspace_path, read_only=True) as ws:
                version = active_list_version(ws)
                if version == self._loaded[0]:
                    self._signature = signature
                    return False
                fresh = screening.load_screener(ws)
            screening.find_listed_names("warm up", fresh)  # builds the narrative automaton
            with self._lock:
                self._loaded = (version, fresh)
                self._cache.clear()
                self._known = {}
            self._signature = signature
        if self.known_parties is not None:  # the new lists apply now; known names follow
            threading.Thread(
                target=self.prescreen_known, args=(1,), name="cftwatch-prescreen", daemon=True
            ).start()
        return True

    def screen_name(self, name: str, country: str | None, threshold: float | None) -> list[Match]:
        """Matches for a name (and country) on the current lists, from the cache when seen."""
        version, screener = self.current()

        def screened() -> list[Match]:
            query = make_query(name, None, None, country)
            return list(
                self._cached((version, query, threshold), lambda: screener.screen(query, threshold))
            )

        # by the text as sent first: a known or repeated name skips normalising it again
        found: list[Match] = self._cached((version, "name", name, country, threshold), screened)
        return found

    def screen_identifier(self, value: str) -> list[Match]:
        """Exact identifier matches (account numbers, ids) on the current lists, cached
        like names (a payer's account repeats)."""
        version, screener = self.current()
        found: list[Match] = self._cached(
            (version, "id", value), lambda: screener.screen_identifier(value)
        )
        return found

    def listed_in_text(self, text: str, threshold: float | None) -> list[Match]:
        """Listed names in a narrative on the current lists, cached like names (narratives
        such as "salary" or "school fees" repeat)."""
        version, screener = self.current()
        found: list[Match] = self._cached(
            ("text", version, text, threshold),
            lambda: screening.find_listed_names(text, screener, threshold),
        )
        return found

    def screen_documents(
        self, queries: list[NameQuery], threshold: float | None = None
    ) -> list[dict[str, Any]]:
        """`screen_name_queries`' documents on the current lists, each one cached."""
        version, screener = self.current()
        return [
            self._cached(
                ("doc", version, q, threshold),
                lambda q=q: screen_name_queries(screener, [q], threshold)[0],
            )
            for q in queries
        ]

    def prescreen_known(self, workers: int = 1) -> dict[str, Any]:
        """Screen every known party (`known_parties`) on the current lists into the cache
        (after a list update: the old lists' objects are collected and the new ones frozen,
        `settle_heap`)."""
        known = self.known_parties
        if known is None:
            return {}
        try:
            return self.prescreen(known.queries(), known.threshold, workers, known.budget_s)
        finally:
            settle_heap()

    def prescreen(
        self,
        queries: Sequence[Query],
        threshold: float | None,
        workers: int = 1,
        budget_s: float = 600.0,
        chunk: int = 2_000,
    ) -> dict[str, Any]:
        """Screen `queries` (the institution's known parties, as payments name them) on
        the current lists in batch, `chunk` at a time on `workers` processes (screening's
        batch path), into a cache that is never evicted and is replaced with the lists'
        version; stops after `budget_s` (the rest are screened when a payment names them).
        With `shared` (the workspace's prescreen file), the results another worker or an
        earlier start stored for this version are read, not screened again, under the
        workspace's prescreen lock (so of several workers only the first screens).
        Progress is logged per chunk. Returns what it did."""
        loaded = self.current()
        version = loaded[0]
        todo = list(dict.fromkeys(queries))
        start = time.monotonic()
        log.info("prescreen: %d known names on lists %s", len(todo), version[:60])
        shared = self.shared
        with shared.locked() if shared is not None else contextlib.nullcontext():
            stored = shared.read(version, threshold) if shared is not None else {}
            keys = [query_key(q) for q in todo]
            missing = [q for q, k in zip(todo, keys, strict=True) if k not in stored]
            with self._lock:
                if self._loaded[0] == version:
                    for q, k in zip(todo, keys, strict=True):
                        if k in stored:
                            self._known[(version, q, threshold)] = stored[k]
            found = self._screen_known(loaded, missing, threshold, workers, budget_s, chunk)
            if shared is not None and found:
                stored.update((query_key(q), ms) for q, ms in found.items())
                shared.write(version, threshold, stored)
        report = {
            "version": version,
            "queries": len(todo),
            "screened": len(found),
            "reused": len(todo) - len(missing),
            "seconds": round(time.monotonic() - start, 2),
        }
        self.prescreens.append(report)
        return report

    def _screen_known(
        self,
        loaded: tuple[str, Screener],
        todo: list[Query],
        threshold: float | None,
        workers: int,
        budget_s: float,
        chunk: int,
    ) -> dict[Query, list[Match]]:
        """`prescreen`'s screening of the names it lacks, into the cache; what it screened."""
        version, screener = loaded
        start, out = time.monotonic(), {}
        workers = fork_safe_processes(workers)
        for first in range(0, len(todo), chunk):
            part = todo[first : first + chunk]
            found = screener.screen_many(part, threshold, workers=workers)
            with self._lock:
                if self._loaded[0] != version:  # lists replaced meanwhile: their own run
                    break
                for query, matches in zip(part, found, strict=True):
                    self._known[(version, query, threshold)] = matches
                    out[query] = matches
            elapsed = time.monotonic() - start
            log.info("prescreen: %d/%d names, %.1f s", len(out), len(todo), elapsed)
            if elapsed > budget_s and len(out) < len(todo):
                log.warning(
                    "prescreen: stopped after %.0f s with %d names left (screened when met)",
                    elapsed,
                    len(todo) - len(out),
                )
                break
        return out

    def _cached(self, key: tuple[Any, ...], compute: Any) -> Any:
        known = self._known.get(key)
        if known is not None:
            return known
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        value = compute()
        with self._lock:
            if self._loaded[0] in key[:2]:  # not a result of lists replaced meanwhile
                self._cache[key] = value
                if len(self._cache) > SCREEN_CACHE:
                    self._cache.popitem(last=False)
        return value


def settle_heap() -> None:
    """Collect the garbage of a start (or list reload) and freeze what is left (the
    screener's index, the lists, the prescreen: hundreds of thousands of objects that live
    as long as the process) out of the garbage collector: else each full collection walks
    them all, a pause of about a second in the middle of serving payments, and one comes
    whenever the caches have grown by a quarter of that (`gc.freeze`)."""
    gc.unfreeze()  # what a fork-pool prescreen froze, or an earlier start
    gc.collect()
    gc.freeze()


# -- the institution's known parties, screened before their payments come ------------

PRESCREEN_MAX = 500_000
"""Most known names prescreened (the newest counterparties first beyond the parties)."""


def known_party_queries(ws: Workspace, limit: int = PRESCREEN_MAX) -> list[Query]:
    """The queries payments will make for the workspace's known parties: each party's
    name with its own country and its accounts' countries (`parties`, `accounts`), then
    the counterparties of its transactions as they were named (name, country), newest
    first; distinct, at most `limit`."""
    pairs: dict[tuple[str, str | None], None] = {}
    if ws.has_table("parties"):
        sql = "SELECT p.name, p.country FROM parties p WHERE p.name IS NOT NULL"
        if ws.has_table("accounts"):
            sql += (
                " UNION SELECT p.name, a.country FROM parties p JOIN accounts a"
                " USING (party_id) WHERE p.name IS NOT NULL AND a.country IS NOT NULL"
            )
        for name, country in ws.query(sql + " ORDER BY 1, 2 NULLS FIRST"):
            pairs[(name, country)] = None
    if ws.has_table("transactions"):
        rows = ws.query(
            "SELECT name, country FROM (SELECT debtor_name AS name, debtor_country AS country,"
            " ts FROM transactions UNION ALL SELECT creditor_name, creditor_country, ts"
            " FROM transactions) WHERE name IS NOT NULL GROUP BY 1, 2"
            " ORDER BY max(ts) DESC, 1, 2 LIMIT ?",
            [limit],
        )
        for name, country in rows:
            pairs[(name, country)] = None
    return [make_query(name, None, None, country) for name, country in list(pairs)[:limit]]


@dataclass(frozen=True)
class KnownParties:
    """Where a running service finds its known parties to prescreen (at start and after
    each list update), with what threshold and time budget."""

    workspace_path: Path
    threshold: float | None
    budget_s: float = 600.0

    def queries(self) -> list[Query]:
        with Workspace.open(self.workspace_path, read_only=True) as ws:
            return known_party_queries(ws)


def process_threads() -> int:
    """Threads of this process as the OS counts them (native ones too: DuckDB's, a client
    library's), or Python's own count where the OS does not say."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def fork_safe_processes(processes: int) -> int:
    """`processes`, or 1 when this process already runs other threads: a child forked from
    a multi-threaded process inherits whatever lock another thread held at the fork (the
    allocator's, a library's) and can wait on it forever, so a server that has opened its
    stores (or is serving) screens in its own process instead of forking."""
    if processes > 1 and (threads := process_threads()) > 1:
        log.info("prescreen: %d threads running, screening in this process", threads)
        return 1
    return processes


def prescreen_processes(serving_workers: int = 1) -> int:
    """Processes the start-up prescreen may fork: every core of the machine (of several
    serving workers only the first screens; the others read its results). A worker that
    already runs threads screens in itself whatever this says (`fork_safe_processes`)."""
    del serving_workers  # one shared prescreen (`SharedPrescreen`), whatever the workers
    return max(1, os.cpu_count() or 1)
