"""Single-writer workspace, with real processes: a writer holds the workspace, readers in
other processes still work (from the snapshot), a second writer is told who holds it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from cftwatch.engine.writer_lock import LockOwner, read_lock_owner
from cftwatch.lists import load_list
from cftwatch.workspace import (
    CONFIG_NAME,
    SNAPSHOT_NAME,
    Workspace,
    WorkspaceBusy,
)

ROOT = Path(__file__).resolve().parents[1]
UN_SAMPLE = ROOT / "cftwatch" / "lists" / "samples" / "un_demo.xml"
HOLDER_COMMAND = ["cftwatch", "ingest", "amlworld", "big [2026].csv"]

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    root, stop, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    sys.argv = {command!r}
    if mode == "duckdb":  # a foreign process: DuckDB's own lock, no owner file
        import duckdb
        con = duckdb.connect(str(root / "analytics.duckdb"))
    else:
        from cftwatch.workspace import Workspace
        ws = Workspace.open(root, read_only=mode == "reader")
        if mode == "writer":
            with ws.atomic():
                ws.execute("CREATE TABLE held_write (i INTEGER)")
                ws.execute("INSERT INTO held_write VALUES (1)")
        else:
            ws.query("SELECT count(*) FROM transactions")
    print("ready", flush=True)
    deadline = time.monotonic() + 120
    while not stop.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    """
).format(command=HOLDER_COMMAND)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}


class Holder:
    """A process holding the workspace until `release()` (or killed)."""

    def __init__(self, root: Path, mode: str = "writer") -> None:
        self.stop = root.parent / f"stop-{mode}-{time.monotonic_ns()}"
        script = root.parent / "holder.py"
        script.write_text(HOLDER, encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(root), str(self.stop), mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.proc.kill()
            raise AssertionError(f"holder failed: {line}{self.proc.communicate()[1]}")

    def release(self) -> None:
        self.stop.touch()
        assert self.proc.wait(timeout=60) == 0, self.proc.communicate()[1]


def cftwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cftwatch", *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A workspace with the UN sample loaded, closed (so its snapshot exists)."""
    path = tmp_path / "ws"
    with Workspace.init(path) as ws:
        load_list(ws, UN_SAMPLE, "un")
    return path


def _set(root: Path, **duckdb_settings: object) -> None:
    config_path = root / CONFIG_NAME
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["duckdb"].update(duckdb_settings)
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")


def test_readers_work_during_a_write_and_see_it_after(root):
    holder = Holder(root)
    try:
        tables = cftwatch("tables", "-w", str(root), "--json")
        assert tables.returncode == 0, tables.stderr
        counts = json.loads(tables.stdout)
        assert counts["list_entities"] == 39
        assert "held_write" not in counts  # the state before the write in progress
        assert "is writing" in tables.stderr and "as of" in tables.stderr
        show = cftwatch("lists", "show", "QDi.422", "-w", str(root), "--json")
        assert show.returncode == 0, show.stderr
        assert json.loads(show.stdout)["entity_id"] == "un:QDi.422"
        with Workspace.open(root, read_only=True) as ws:  # and in this process
            assert ws.snapshot is not None
            assert ws.scalar("SELECT count(*) FROM list_entities") == 39
    finally:
        holder.release()
    with Workspace.open(root, read_only=True) as ws:
        assert ws.snapshot is None
        assert ws.table_counts()["held_write"] == 1
    assert read_lock_owner(root) is None


def test_second_writer_gets_one_line_naming_the_first(root):
    holder = Holder(root)
    try:
        out = cftwatch("lists", "load", "-s", "un", str(UN_SAMPLE), "-w", str(root))
        as_json = cftwatch("lists", "load", "-s", "un", str(UN_SAMPLE), "-w", str(root), "--json")
    finally:
        holder.release()
    assert out.returncode == 4
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "busy" in lines[0] and f"pid {holder.proc.pid}" in lines[0]
    assert "cftwatch ingest amlworld 'big [2026].csv'" in lines[0]  # markup-like text kept
    assert "Traceback" not in out.stderr and "Could not set lock" not in out.stderr
    assert as_json.returncode == 4
    error = json.loads(as_json.stdout.splitlines()[0])
    assert error["error"] == "WorkspaceBusy"
    assert error["owner"]["pid"] == holder.proc.pid
    assert error["owner"]["command"].startswith("cftwatch ingest amlworld")


def test_cases_versions_and_single_name_screening_work_during_a_write(root):
    from typer.testing import CliRunner

    from cftwatch.cli import app

    holder = Holder(root)
    try:
        runner = CliRunner()
        cases = runner.invoke(app, ["cases", "list", "-w", str(root), "--json"])
        assert cases.exit_code == 0, cases.output
        screen = runner.invoke(app, ["screen", "Masood Azhar", "-w", str(root), "--json"])
        assert screen.exit_code == 0, screen.output
        assert "QDi.422" in screen.stdout
        versions = runner.invoke(app, ["lists", "versions", "-w", str(root), "--json"])
        assert versions.exit_code == 0, versions.output
        assert [v["version_id"] for v in json.loads(versions.stdout)] == ["un-v1"]
        writes = runner.invoke(app, ["screen", "--parties", "-w", str(root)])
        assert writes.exit_code == 4  # screening the parties writes alerts: refused
    finally:
        holder.release()


def test_reader_without_a_snapshot_is_told_who_writes(root):
    (root / SNAPSHOT_NAME).unlink()
    holder = Holder(root)
    try:
        with pytest.raises(WorkspaceBusy, match=r"cftwatch ingest amlworld") as err:
            Workspace.open(root, read_only=True)
        assert err.value.exit_code == 4
    finally:
        holder.release()


def test_no_snapshot_when_switched_off(root):
    _set(root, snapshot=False)
    (root / SNAPSHOT_NAME).unlink()
    with Workspace.open(root) as ws:
        ws.execute("CREATE TABLE t (i INTEGER)")
    assert not (root / SNAPSHOT_NAME).exists()


def test_killed_writer_frees_the_workspace(root):
    holder = Holder(root)
    holder.proc.send_signal(signal.SIGKILL)
    holder.proc.wait(timeout=30)
    assert json.loads((root / "analytics.lock").read_text())["pid"] == holder.proc.pid
    assert read_lock_owner(root) is None  # a dead pid's owner file is stale
    with Workspace.open(root, read_only=True) as ws:  # no live writer: the store itself
        assert ws.snapshot is None
        assert ws.table_counts()["held_write"] == 1  # committed before the kill
    with Workspace.open(root) as ws:  # the OS freed its file lock
        ws.execute("INSERT INTO held_write VALUES (2)")


def test_writer_waits_for_a_short_reader(root):
    (root / SNAPSHOT_NAME).unlink()  # so the reader holds the store's file itself
    reader = Holder(root, mode="reader")
    try:
        started = time.monotonic()
        with pytest.raises(WorkspaceBusy):
            _set(root, lock_wait_seconds=0.3)
            Workspace.open(root)
        assert time.monotonic() - started >= 0.3
        _set(root, lock_wait_seconds=30)
        subprocess.Popen(["sh", "-c", f"sleep 1; touch '{reader.stop}'"])
        with Workspace.open(root) as ws:
            ws.execute("CREATE TABLE after_reader (i INTEGER)")
        assert reader.proc.wait(timeout=60) == 0
    finally:
        reader.stop.touch()


def test_foreign_duckdb_holder_is_named_by_pid(root):
    _set(root, lock_wait_seconds=0.2)
    (root / SNAPSHOT_NAME).unlink()
    foreign = Holder(root, mode="duckdb")
    try:
        with pytest.raises(WorkspaceBusy, match=rf"another process \(pid {foreign.proc.pid}\)"):
            Workspace.open(root)
        assert read_lock_owner(root) is None  # the failed writer left no owner behind
    finally:
        foreign.release()


def test_owner_text_is_shown_with_control_characters_escaped():
    owner = LockOwner(1, "cftwatch screen \x1b]8;;evil\x07x", "now", "host\n")
    text = owner.describe()
    assert "\x1b" not in text and "\x07" not in text and "\n" not in text
    assert "\\x1b" in text


def test_same_process_writers_share_the_lock(tmp_path):
    first = Workspace.init(tmp_path / "ws")
    second = Workspace.open(tmp_path / "ws")  # the demo and the tests do this
    second.close()
    assert read_lock_owner(tmp_path / "ws") is not None  # still held by `first`
    first.close()
    assert read_lock_owner(tmp_path / "ws") is None


def test_a_writer_dropped_without_close_frees_the_lock(tmp_path):
    import gc

    Workspace.init(tmp_path / "ws")  # never closed
    gc.collect()
    assert read_lock_owner(tmp_path / "ws") is None
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.has_table("transactions")
