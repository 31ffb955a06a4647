"""The prescreen forks screening workers only from a single-threaded process."""

from __future__ import annotations

import threading

import pytest

from cftwatch.app import screening as app_screening


def test_a_process_with_other_threads_screens_in_itself() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        assert app_screening.process_threads() >= 2
        assert app_screening.fork_safe_processes(4) == 1
    finally:
        stop.set()
        other.join()


def test_a_single_threaded_process_keeps_its_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_screening, "process_threads", lambda: 1)
    assert app_screening.fork_safe_processes(4) == 4
    assert app_screening.fork_safe_processes(1) == 1
