"""The single-writer lock of a workspace's analytical store: `analytics.lock`, an OS file
lock (a killed writer frees it) holding who writes (command, pid, host, start time) for
the one-line busy message. Readers never take it; they only read who holds it."""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the owner file alone, pid liveness
    fcntl = None  # type: ignore[assignment]

from cftwatch.errors import ConflictError

LOCK_NAME = "analytics.lock"


@dataclass(frozen=True)
class LockOwner:
    """Who holds a workspace for writing, as its `analytics.lock` says."""

    pid: int
    command: str
    started_at: str
    host: str

    def alive(self) -> bool:
        """False only when the holder is surely gone (a dead pid on this host)."""
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True
        return True

    def describe(self) -> str:
        return (
            f"`{_visible(self.command)}` (pid {self.pid} on {_visible(self.host)},"
            f" since {_visible(self.started_at)})"
        )


class WorkspaceBusy(ConflictError):
    """Another process is writing the workspace (exit code 4, like other conflicts)."""

    def __init__(
        self, root: Path, owner: LockOwner | None, *, pid: int | None = None, store: str = ""
    ) -> None:
        self.root = root
        self.owner = owner
        self.pid = owner.pid if owner else pid
        if owner is not None:
            who = f"{owner.describe()} is writing to it"
        else:
            who = f"another process (pid {pid}) has {store or 'the store'} open"
        super().__init__(
            f"workspace {_visible(str(root))} is busy: {who}; run this again when it has finished"
        )

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["owner"] = None if self.owner is None else self.owner.__dict__.copy()
        d["pid"] = self.pid
        return d


def read_lock_owner(root: Path) -> LockOwner | None:
    """The live writer named in `<root>/analytics.lock`, or None (no file, empty, or stale:
    a holder whose pid is dead is ignored)."""
    try:
        raw = json.loads((root / LOCK_NAME).read_text(encoding="utf-8") or "null")
        owner = LockOwner(
            int(raw["pid"]), str(raw["command"]), str(raw["started_at"]), str(raw["host"])
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return owner if owner.alive() else None


def command_line() -> str:
    """This process's command as a user typed it (`cftwatch ingest …`), for the owner file."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path("python")
    name = argv0.parent.name if argv0.name == "__main__.py" else argv0.name  # python -m x
    return shlex.join([name, *sys.argv[1:]])[:300]


class _WriterLocks:
    """The writer locks this process holds, one per workspace, counted: several Workspace
    objects of one process may write the same folder (DuckDB shares its file among them)."""

    def __init__(self) -> None:
        self._held: dict[Path, tuple[int, int]] = {}  # resolved root -> (fd, count)

    def holds(self, root: Path) -> bool:
        return root.resolve() in self._held

    def holds_more_than_one(self, root: Path) -> bool:
        return self._held.get(root.resolve(), (0, 0))[1] > 1

    def acquire(self, root: Path, command: str) -> None:
        key = root.resolve()
        if key in self._held:
            fd, count = self._held[key]
            self._held[key] = (fd, count + 1)
            return
        fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_flock(fd, root):
            os.close(fd)
            raise WorkspaceBusy(root, read_lock_owner(root))
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        owner = {"pid": os.getpid(), "command": command, "started_at": started}
        owner["host"] = socket.gethostname()
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(owner).encode("utf-8"), 0)
        self._held[key] = (fd, 1)

    def release(self, root: Path) -> bool:
        """Drop one hold; True when it was the last (the lock is then free)."""
        key = root.resolve()
        held = self._held.get(key)
        if held is None:  # already released (a workspace closed twice, e.g. again at exit)
            return False
        fd, count = held
        if count > 1:
            self._held[key] = (fd, count - 1)
            return False
        del self._held[key]
        os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor releases the flock
        return True


def _try_flock(fd: int, root: Path) -> bool:
    if fcntl is None:  # pragma: no cover - not POSIX
        return read_lock_owner(root) is None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


WRITER_LOCKS = _WriterLocks()
"""This process's writer locks."""


def _visible(text: str) -> str:
    """Control characters (ANSI/OSC escapes, newlines) shown as escapes, never sent raw."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
