"""Group commit of decisions: the decisions of concurrent requests are stored in one
transaction (one disk flush), and each request is answered only once its own decision is
committed. Under load a group holds every request that arrived during the previous
commit, so the flush cost is shared; alone, a request waits for its own commit only.

Several workers on one SQLite store take turns through an OS file lock beside the database
(`commit_lock_path`) before they begin their transaction: a worker that finds the lock held
wakes the moment it is let go, where SQLite's own busy handler sleeps and polls (1, 2, 5,
... up to 100 ms), which is a slow request each time two workers commit at once."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path

from cftwatch.app.decide import Decision, NewDecision, answer
from cftwatch.store import OperationalStore, PaymentDecision, store_decisions

log = logging.getLogger("cftwatch.server")

MAX_GROUP = 500
"""Most decisions committed in one transaction."""

_Item = tuple[NewDecision, "Future[Decision]"]


class GroupCommitter:
    """One writer thread per process that stores decisions in groups."""

    def __init__(
        self,
        store: OperationalStore,
        on_stored: Callable[[list[tuple[PaymentDecision, bool]]], object] | None = None,
        lock_path: Path | None = None,
    ) -> None:
        self.store = store
        self.on_stored = on_stored
        self._lock_file = open(lock_path, "a+b") if lock_path is not None else None  # noqa: SIM115
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="cftwatch-commit", daemon=True)
        self._thread.start()

    async def commit(self, new: NewDecision) -> Decision:
        """Store `new` (with the group it joins); its answer once it is durable."""
        future: Future[Decision] = Future()
        self._queue.put((new, future))
        return await asyncio.wrap_future(future)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                group.append(item)
            self._store(group)

    def _store(self, group: list[_Item]) -> None:
        try:
            with self._turn():
                stored = store_decisions(self.store, [new for new, _ in group])
            if self.on_stored is not None:
                self.on_stored(stored)
        except BaseException as exc:  # every waiting request gets the error
            for _, future in group:
                future.set_exception(exc)
            return
        for (_, future), (row, created) in zip(group, stored, strict=True):
            future.set_result(answer(row, created))

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
        """This process's turn to write (the workers' file lock), when there is one."""
        if self._lock_file is None:
            yield
            return
        fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)
        if self._lock_file is not None:
            self._lock_file.close()


def commit_lock_path(store: OperationalStore) -> Path | None:
    """The workers' commit lock beside a SQLite store's file (None for PostgreSQL, which
    queues writers itself, and for an in-memory database)."""
    url = store.url
    if store.dialect != "sqlite" or not url.startswith("sqlite:///"):
        return None
    database = url.removeprefix("sqlite:///")
    if not database or database == ":memory:":
        return None
    return Path(database + ".commit-lock")
