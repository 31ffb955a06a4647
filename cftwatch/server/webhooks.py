"""Webhook delivery: signed POSTs to the workspace's targets, off the request path.

`notify(event, payload)` is what a route calls (a REVIEW/BLOCK decision, a case change):
it only queues, so a slow or dead receiver never slows a payment decision. One delivery
thread sends each queued event to every target that wants it, signed (see
`cftwatch.app.webhook_targets`), and retries a failure (a network error, HTTP 408, 429
or 5xx) with exponential backoff up to `max_attempts`; other 4xx answers are final.
Every attempt is appended to `<workspace>/webhook_deliveries.jsonl`. Redirects are not
followed and proxies from the environment are not used.

With the operational store (`store=`, as the server runs it) each delivery is a row of its
queue table before its first attempt, and every attempt is recorded there
(`cftwatch.store.webhook_queue`): a server that stops or is killed leaves its pending
retries in the store, and the next server to run resumes them (a clean stop hands them
over at once; a killed server's are taken over when their lease runs out)."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cftwatch.app.webhook_targets import (
    DELIVERIES_NAME,
    DELIVERY_HEADER,
    EVENT_HEADER,
    EVENTS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSettings,
    WebhookTarget,
    decision_event,
    load_webhooks,
    secret_of,
    sign,
)
from cftwatch.errors import CftwatchError, InputError
from cftwatch.jsontext import dumps
from cftwatch.store import OperationalStore
from cftwatch.store.webhook_queue import (
    NewDelivery,
    claim_pending,
    enqueue_deliveries,
    record_attempt,
    release_leases,
)

__all__ = [
    "WebhookDispatcher",
    "decision_event",
    "install",
    "installed",
    "notify",
    "start_for_workspace",
    "uninstall",
]

MAX_PENDING = 10_000
"""Deliveries queued at most; beyond it new ones are recorded as dropped, not sent."""
_RETRY_STATUSES = frozenset({408, 425, 429})
LEASE_S = 60.0
"""How long past its due time a queued delivery stays with the server that holds it."""
RESUME_EVERY_S = 5.0
"""How often a server looks for pending deliveries left by a server that stopped."""
log = logging.getLogger("cftwatch.server")


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    target: WebhookTarget = field(compare=False)
    event: str = field(compare=False)
    delivery_id: str = field(compare=False)
    body: bytes = field(compare=False)
    attempt: int = field(default=1, compare=False)
    queue_id: int | None = field(default=None, compare=False)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


class WebhookDispatcher:
    """Queues events and delivers them from one background thread (`start`/`close`)."""

    def __init__(
        self,
        settings: WebhookSettings,
        log_path: Path | None = None,
        *,
        store: OperationalStore | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.log_path = log_path
        self.store = store
        self._fresh: list[_Job] = []
        self._next_resume = 0.0
        self.attempts: deque[dict[str, Any]] = deque(maxlen=1000)
        """The latest attempts, as appended to the log (for tests and `/v1/webhooks`)."""
        self._clock = clock
        self._heap: list[_Job] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._log_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closing = False
        self._busy = 0

    def start(self) -> WebhookDispatcher:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cftwatch-webhooks", daemon=True)
            self._thread.start()
        return self

    def notify(self, event: str, payload: Any) -> str | None:
        """Queue `event` for every target that wants it; the delivery id, or None if none."""
        if event not in EVENTS:
            raise InputError.at(f"not one of {', '.join(EVENTS)}", field="event", value=event)
        targets = [t for t in self.settings.targets if event in t.events]
        if not targets:
            return None
        delivery_id = uuid.uuid4().hex
        body = dumps({"id": delivery_id, "event": event, "data": payload}).encode("utf-8")
        with self._cond:
            for target in targets:
                if len(self._heap) + len(self._fresh) >= MAX_PENDING:
                    self._record(target, event, delivery_id, 0, None, "queue full: dropped", True)
                    continue
                job = _Job(self._clock(), next(self._seq), target, event, delivery_id, body)
                if self.store is not None:  # the delivery thread saves it (in a group) first
                    self._fresh.append(job)
                else:
                    self._push(job)
            self._cond.notify()
        return delivery_id

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or being sent (True), or `timeout` passes (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._busy or self._fresh:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread after what is due now. Pending retries are left undelivered:
        with a store they stay queued there, handed to the next server."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.store is not None:
            with self._cond:
                held = [j.queue_id for j in self._heap if j.queue_id is not None]
                self._heap.clear()
            self._stored(release_leases, held)

    # -- the delivery thread ---------------------------------------------------------

    def _push(self, job: _Job) -> None:
        heapq.heappush(self._heap, job)

    def _run(self) -> None:
        while True:
            if self.store is not None:
                self._save_fresh()
                self._resume()
            job = self._next_job()
            if job is False:
                return
            if job is True:  # queue work (save new jobs, resume others) comes first
                continue
            try:
                self._deliver(job)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _next_job(self) -> _Job | bool:
        """The next due job; True when there is queue work first; False when closing."""
        with self._cond:
            while True:
                if self._closing:
                    return False
                if self._fresh:
                    return True
                wait = None if self.store is None else self._next_resume - self._clock()
                if wait is not None and wait <= 0:
                    return True
                if self._heap:
                    due = self._heap[0].due - self._clock()
                    if due <= 0:
                        self._busy += 1
                        return heapq.heappop(self._heap)
                    wait = due if wait is None else min(wait, due)
                self._cond.wait(wait)

    def _stored(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A queue-table operation; a store error is logged (the delivery goes on in
        memory) rather than ending the delivery thread."""
        try:
            return operation(self.store, *args, **kwargs)
        except CftwatchError as exc:
            log.warning("webhook queue: %s", exc)
            return None

    def _save_fresh(self) -> None:
        with self._cond:
            fresh, self._fresh = self._fresh, []
            if not fresh:
                return
            self._busy += 1  # neither queued nor fresh while saved: `drain` must wait
        new = [NewDelivery(j.delivery_id, j.event, j.target.url, j.body.decode()) for j in fresh]
        ids = self._stored(enqueue_deliveries, new, LEASE_S) or [None] * len(fresh)
        with self._cond:
            for job, queue_id in zip(fresh, ids, strict=True):
                job.queue_id = queue_id
                self._push(job)
            self._busy -= 1
            self._cond.notify_all()

    def _resume(self) -> None:
        """Take over pending deliveries whose server stopped (their lease ran out)."""
        if self._clock() < self._next_resume:
            return
        self._next_resume = self._clock() + RESUME_EVERY_S
        targets = {t.url: t for t in self.settings.targets}
        now_wall = time.time()
        for row in self._stored(claim_pending, LEASE_S) or []:
            target = targets.get(row.url)
            if target is None:  # the target was removed from webhooks.yaml since
                self._stored_attempt(row.id, row.attempts, None, "target removed", True, False)
                continue
            delay = max(0.0, row.due_at.timestamp() - now_wall)
            job = _Job(
                self._clock() + delay,
                next(self._seq),
                target,
                row.event,
                row.delivery_id,
                row.body.encode(),
                row.attempts + 1,
                row.id,
            )
            with self._cond:
                self._push(job)

    def _stored_attempt(
        self,
        queue_id: int | None,
        attempt: int,
        status: int | None,
        error: str | None,
        final: bool,
        ok: bool,
        delay: float = 0.0,
    ) -> None:
        if self.store is None or queue_id is None:
            return
        next_due = None if final else dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay)
        self._stored(
            record_attempt,
            queue_id,
            attempt=attempt,
            status=status,
            error=error,
            delivered=ok,
            final=final,
            next_due=next_due,
            lease_s=LEASE_S,
        )

    def _deliver(self, job: _Job) -> None:
        status, error = self._send(job)
        ok = status is not None and 200 <= status < 300
        retry = not ok and (status is None or status >= 500 or status in _RETRY_STATUSES)
        final = ok or not retry or job.attempt >= self.settings.max_attempts
        if error is None and not ok:
            error = f"HTTP {status}"
        self._record(job.target, job.event, job.delivery_id, job.attempt, status, error, final)
        delay = 0.0 if final else self.settings.retry_delay(job.attempt)
        self._stored_attempt(job.queue_id, job.attempt, status, error, final, ok, delay)
        if not final:
            job.due = self._clock() + delay
            job.attempt += 1
            job.seq = next(self._seq)
            with self._cond:
                heapq.heappush(self._heap, job)
                self._cond.notify()

    def _send(self, job: _Job) -> tuple[int | None, str | None]:
        secret = secret_of(job.target)
        if secret is None:
            return None, f"secret variable {job.target.secret_env} is not set: not sent"
        stamp = str(int(time.time()))
        request = urllib.request.Request(
            job.target.url,
            data=job.body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "cftwatch-webhooks/1",
                EVENT_HEADER: job.event,
                DELIVERY_HEADER: job.delivery_id,
                TIMESTAMP_HEADER: stamp,
                SIGNATURE_HEADER: sign(secret, stamp, job.body),
            },
        )
        try:
            with _OPENER.open(request, timeout=self.settings.timeout_s) as response:
                return int(response.status), None
        except urllib.error.HTTPError as exc:
            exc.close()
            return int(exc.code), None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return None, f"{type(exc).__name__}: {reason}"

    def _record(
        self,
        target: WebhookTarget,
        event: str,
        delivery_id: str,
        attempt: int,
        status: int | None,
        error: str | None,
        final: bool,
    ) -> None:
        row = {
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "delivery_id": delivery_id,
            "event": event,
            "url": target.url,
            "attempt": attempt,
            "status": status,
            "ok": status is not None and 200 <= status < 300,
            "final": final,
            "error": error,
        }
        self.attempts.append(row)
        if self.log_path is None:
            return
        with self._log_lock, self.log_path.open("a", encoding="utf-8") as log:
            log.write(dumps(row) + "\n")


_active: WebhookDispatcher | None = None
_active_lock = threading.Lock()


def install(dispatcher: WebhookDispatcher | None) -> None:
    """Make `dispatcher` the one `notify` uses (None: webhooks off)."""
    global _active
    with _active_lock:
        _active = dispatcher


def installed() -> WebhookDispatcher | None:
    return _active


def uninstall(dispatcher: WebhookDispatcher | None = None) -> None:
    """Stop `dispatcher` (default: the installed one), and forget it if it is installed."""
    global _active
    with _active_lock:
        if dispatcher is None or dispatcher is _active:
            dispatcher, _active = _active, None
    if dispatcher is not None:
        dispatcher.close()


def notify(event: str, payload: Any) -> str | None:
    """Queue `event` (see `EVENTS`) with its JSON payload for the configured targets; a
    no-op (None) when no dispatcher is installed. Never blocks on the network."""
    dispatcher = _active
    if dispatcher is None:
        return None
    return dispatcher.notify(event, payload)


def start_for_workspace(
    root: str | Path, store: OperationalStore | None = None
) -> WebhookDispatcher:
    """Read `webhooks.yaml`, start a dispatcher logging to the workspace (and queueing in
    `store`: retries survive a restart) and install it."""
    folder = Path(root)
    dispatcher = WebhookDispatcher(
        load_webhooks(folder), folder / DELIVERIES_NAME, store=store
    ).start()
    install(dispatcher)
    return dispatcher
