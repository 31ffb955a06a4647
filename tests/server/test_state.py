"""Per-account state shared by workers through Redis: two apps on one workspace (two
workers) see each other's payments."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from cftwatch.server import create_app
from tests.server.conftest import make_workspace
from tests.server.test_evaluate import _fan_in


def test_two_workers_share_the_fan_in_window(tmp_path: Path, redis_url: str) -> None:
    path, keys = make_workspace(tmp_path / "ws")
    key = keys["analyst"]
    app_a, app_b = create_app(path, state_url=redis_url), create_app(path, state_url=redis_url)
    try:
        with TestClient(app_a) as a, TestClient(app_b) as b:
            first = _fan_in(a, key, "W-SHARED", 7)
            second = _fan_in(b, key, "W-SHARED", 7, start=7)
            (crossing,) = _fan_in(a, key, "W-SHARED", 1, start=14)
        assert {x["decision"] for x in first + second} == {"ACCEPT"}
        assert crossing["decision"] == "REVIEW"
        fan = [r for r in crossing["reasons"] if r["rule_id"] == "crowdfunding_fan_in"]
        assert fan[0]["numbers"]["senders"] == 15
    finally:
        engine = app_a.state.ctx.decisions
        if engine is not None:
            engine.state.clear()


def test_a_restart_on_redis_gives_the_same_decisions(tmp_path: Path, redis_url: str) -> None:
    path, keys = make_workspace(tmp_path / "ws")
    key = keys["analyst"]
    with TestClient(create_app(path, state_url=redis_url)) as a:
        _fan_in(a, key, "W-R2", 14)
        a.app.state.ctx.decisions.state.clear()  # the shared store lost everything
    app = create_app(path, state_url=redis_url)  # rebuilt from the journal
    try:
        with TestClient(app) as b:
            (crossing,) = _fan_in(b, key, "W-R2", 1, start=14)
        assert crossing["decision"] == "REVIEW"
    finally:
        app.state.ctx.decisions.state.clear()
