"""A serving worker freezes the objects its start built (screener index, lists, prescreen)
out of the garbage collector, so a full collection while serving payments does not walk
them all (a pause of about a second with every list loaded)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from cftwatch.app.screening import settle_heap
from cftwatch.server import app as server_app
from tests.server.conftest import make_workspace


def test_a_serving_worker_freezes_what_its_start_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _keys = make_workspace(tmp_path / "ws")
    monkeypatch.setenv(server_app.ENV_WORKSPACE, str(root))
    monkeypatch.setenv(server_app.ENV_PRESCREEN, "0")
    monkeypatch.delenv(server_app.ENV_STATE, raising=False)
    gc.unfreeze()
    try:
        app = server_app.app_from_env()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the screener and the app, out of the collector's walks
        app.state.ctx.close()
        settle_heap()  # again (a list reload): unfrozen, collected, frozen anew
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
