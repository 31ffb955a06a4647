"""A killed server loses no accepted payment: every payment answered before `kill -9`
is in the journal after a restart, and is answered from it (stored once)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from cftwatch.store import OperationalStore, decisions_since
from tests.server.conftest import auth, make_workspace
from tests.server.test_evaluate import pay


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CFTWATCH_SERVE_WORKSPACE": str(path)}
    env["PYTHONPATH"] = os.pathsep.join([str(Path.cwd()), env.get("PYTHONPATH", "")])
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "cftwatch.server.app:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "died")
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("the server did not start")


def test_a_killed_server_loses_no_accepted_payment(tmp_path: Path) -> None:
    path, keys = make_workspace(tmp_path / "ws")
    port = _free_port()
    proc = _start(path, port)
    accepted: list[str] = []
    stop = threading.Event()

    def send() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as c:
            i = 0
            while not stop.is_set():
                p = pay(f"k-{i}", minutes=i, creditor_account="W-KILL")
                try:
                    r = c.post("/v1/transactions/evaluate", json=p, headers=auth(keys["analyst"]))
                except httpx.HTTPError:
                    return
                if r.status_code == 200:
                    accepted.append(p["txn_id"])
                i += 1

    sender = threading.Thread(target=send)
    sender.start()
    try:
        time.sleep(2.0)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        stop.set()
        sender.join(timeout=10)
    assert len(accepted) > 5, "the server answered too few payments to test anything"
    store = OperationalStore(f"sqlite:///{path / 'store.sqlite'}")
    try:
        stored = [d.payment_key for d in decisions_since(store)]
    finally:
        store.close()
    assert set(accepted) <= set(stored) and len(stored) == len(set(stored))
    proc = _start(path, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as c:
            again = pay(accepted[-1], minutes=len(accepted) - 1, creditor_account="W-KILL")
            r = c.post("/v1/transactions/evaluate", json=again, headers=auth(keys["analyst"]))
        assert r.status_code == 200 and r.json()["replayed"] is True
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_concurrent_decisions_are_committed_together_and_once(tmp_path: Path) -> None:
    import asyncio
    import datetime as dt

    from cftwatch.app.decide import NewDecision
    from cftwatch.server.decisions import GroupCommitter

    store = OperationalStore(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.migrate()
    committer = GroupCommitter(store)
    ts = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    def new(i: int) -> NewDecision:
        return NewDecision(f"g-{i}", ts, "ACCEPT", {"txn_id": f"g-{i}"}, [], "ana")

    async def send() -> list:
        return await asyncio.gather(*(committer.commit(new(i % 40)) for i in range(50)))

    try:
        answers = asyncio.run(send())
    finally:
        committer.close()
    assert sum(not a.replayed for a in answers) == 40
    stored = [d.payment_key for d in decisions_since(store)]
    assert sorted(stored) == sorted(f"g-{i}" for i in range(40))
    audited = store.audit_entries(entity_type="payment")
    assert len(audited) == 40 and {a.user for a in audited} == {"ana"}
    assert store.verify_audit()[1] is None
    store.close()


def test_two_workers_committers_take_turns_through_the_lock(tmp_path: Path) -> None:
    """Two committers (as two workers have) on one SQLite store, both under the commit
    lock beside it: every decision stored once; the lock is held while one writes."""
    import asyncio
    import datetime as dt
    import fcntl

    from cftwatch.app.decide import NewDecision
    from cftwatch.server.decisions import GroupCommitter, commit_lock_path

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    stores = [OperationalStore(url), OperationalStore(url)]
    stores[0].migrate()
    lock = commit_lock_path(stores[0])
    assert lock == tmp_path / "store.sqlite.commit-lock"
    assert commit_lock_path(OperationalStore("sqlite://")) is None
    committers = [GroupCommitter(s, lock_path=lock) for s in stores]
    ts = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    async def send() -> list:
        return await asyncio.gather(
            *(
                committers[i % 2].commit(
                    NewDecision(f"t-{i}", ts, "ACCEPT", {"txn_id": f"t-{i}"}, [], "ana")
                )
                for i in range(60)
            )
        )

    with open(lock, "a+b") as held:  # a third process's turn: the committers wait for it
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        pending = threading.Thread(target=lambda: results.extend(asyncio.run(send())))
        results: list = []
        pending.start()
        time.sleep(0.3)
        assert results == []
        assert len(list(decisions_since(stores[0]))) == 0
        fcntl.flock(held.fileno(), fcntl.LOCK_UN)
        pending.join(timeout=60)
    for c in committers:
        c.close()
    assert len(results) == 60 and not any(a.replayed for a in results)
    assert len(list(decisions_since(stores[0]))) == 60
    for s in stores:
        s.close()
