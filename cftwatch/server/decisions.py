"""Group commit of decisions: the decisions of concurrent requests are stored in one
transaction (one disk flush), and each request is answered only once its own decision is
committed. Under load a group holds every request that arrived during the previous
commit, so the flush cost is shared; alone, a request waits for its own commit only."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

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
    ) -> None:
        self.store = store
        self.on_stored = on_stored
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
            stored = store_decisions(self.store, [new for new, _ in group])
            if self.on_stored is not None:
                self.on_stored(stored)
        except BaseException as exc:  # every waiting request gets the error
            for _, future in group:
                future.set_exception(exc)
            return
        for (_, future), (row, created) in zip(group, stored, strict=True):
            future.set_result(answer(row, created))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)
