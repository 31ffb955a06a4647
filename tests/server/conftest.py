"""Server fixtures: a workspace with the UN list fixture loaded, three users (the OS user
as admin, an analyst, a supervisor) with API keys, and the Redis URL of the shared state
store (skipped unless CFTWATCH_TEST_REDIS_URL is set; CFTWATCH_REQUIRE_REDIS=1 makes the
skip a failure, as in CI)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from cftwatch.lists import load_list
from cftwatch.server import create_app
from cftwatch.store import OperationalStore, create_key
from cftwatch.workspace import Workspace

FIXTURES = Path(__file__).parent.parent / "fixtures"
REDIS_ENV = "CFTWATCH_TEST_REDIS_URL"


def make_workspace(root: Path) -> tuple[Path, dict[str, str]]:
    """A workspace with the UN fixture list and a key per role: (path, role -> key)."""
    ws = Workspace.init(root)
    load_list(ws, FIXTURES / "lists" / "un_v1.xml", "un")
    store = OperationalStore.for_workspace(ws)
    ws.close()
    me = getpass.getuser()
    keys: dict[str, str] = {}
    try:
        store.add_user(me, "admin", me)
        store.add_user("ana", "analyst", me)
        store.add_user("sue", "supervisor", me)
        for user, role in ((me, "admin"), ("ana", "analyst"), ("sue", "supervisor")):
            keys[role] = create_key(store, user, me)[0]
    finally:
        store.close()
    return root, keys


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return make_workspace(tmp_path_factory.mktemp("served") / "ws")


@pytest.fixture(scope="module")
def client(served: tuple[Path, dict[str, str]]) -> Iterator[TestClient]:
    path, _keys = served
    with TestClient(create_app(path)) as c:
        yield c


@pytest.fixture
def keys(served: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return served[1]


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get(REDIS_ENV)
    if not url:
        if os.environ.get("CFTWATCH_REQUIRE_REDIS") == "1":
            pytest.fail(f"CFTWATCH_REQUIRE_REDIS=1 but {REDIS_ENV} is not set")
        pytest.skip(f"{REDIS_ENV} not set (CI sets it; see .ci/run)")
    return url
