"""The service screens the institution's known parties before their payments come: at start
and after each list update, into a cache per list version; a payment that names a known
party is answered from it, with the same decision as when the name is screened in line, and
a new name is still screened in line."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from cftwatch import schema as cs
from cftwatch.app.screening import known_party_queries
from cftwatch.lists import load_list
from cftwatch.screening import make_query
from cftwatch.server import create_app
from cftwatch.server.app import ENV_PRESCREEN as ENV
from cftwatch.workspace import Workspace
from tests.server.conftest import FIXTURES, auth, make_workspace

LISTED = "Eric Badege"  # in un_v1 only
ADDED = "Harakat-ul Jihad Islami"  # in un_v2 only
CUSTOMERS = ["Ayesha Qureshi", "Bilal Malik", LISTED, ADDED]


def _with_parties(root: Path) -> None:
    with Workspace.open(root) as ws:
        ws.ensure_tables()
        ws.append(
            "parties",
            pa.Table.from_pylist(
                [
                    {"party_id": f"P{i}", "name": n, "country": "PK", "load_id": "t"}
                    for i, n in enumerate(CUSTOMERS)
                ],
                schema=cs.PARTIES,
            ),
        )
        ws.append(
            "accounts",
            pa.Table.from_pylist(
                [{"account_id": "AC1", "party_id": "P0", "country": "AE", "load_id": "t"}],
                schema=cs.ACCOUNTS,
            ),
        )


def _payment(txn_id: str, creditor: str, country: str | None = "PK") -> dict[str, Any]:
    return {
        "txn_id": txn_id,
        "ts": "2026-11-30T10:00:00Z",
        "amount": "1000.00",
        "currency": "PKR",
        "debtor_name": "Ayesha Qureshi",
        "debtor_country": "PK",
        "creditor_name": creditor,
        "creditor_country": country,
    }


def _decide(client: TestClient, key: str, payment: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/v1/transactions/evaluate", json=payment, headers=auth(key))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_known_party_queries_take_parties_accounts_and_counterparties(tmp_path: Path) -> None:
    root, _keys = make_workspace(tmp_path / "ws")
    _with_parties(root)
    with Workspace.open(root) as ws:
        ws.append(
            "transactions",
            pa.Table.from_pylist(
                [
                    {
                        "txn_id": "T1",
                        "ts": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                        "amount": 5,
                        "currency": "PKR",
                        "debtor_name": "Kiran Butt",
                        "debtor_country": "GB",
                        "creditor_name": "Bilal Malik",
                        "source_format": "json",
                        "source_ref": "test:1",
                        "channel": "wallet",
                        "load_id": "t",
                    }
                ],
                schema=cs.TRANSACTIONS,
            ),
        )
        queries = set(known_party_queries(ws))
    expected = {make_query(n, None, None, "PK") for n in CUSTOMERS}
    expected |= {make_query("Ayesha Qureshi", None, None, "AE")}  # her account's country
    expected |= {make_query("Kiran Butt", None, None, "GB"), make_query("Bilal Malik")}
    assert queries == expected
    with Workspace.open(root, read_only=True) as ws:
        assert len(known_party_queries(ws, limit=2)) == 2


def test_known_parties_are_answered_from_the_prescreen(tmp_path: Path) -> None:
    root, keys = make_workspace(tmp_path / "ws")
    _with_parties(root)
    with TestClient(create_app(root, prescreen=0)) as cold:
        inline = [
            _decide(cold, keys["analyst"], _payment(f"c{i}", n)) for i, n in enumerate(CUSTOMERS)
        ]
    app = create_app(root)
    engine = app.state.ctx.decisions
    report = engine.lists.prescreens[-1]
    assert report["queries"] == report["screened"] == len(CUSTOMERS) + 1
    screener = engine.screener
    calls: list[Any] = []
    real = screener.screen
    screener.screen = lambda *a, **k: calls.append(a) or real(*a, **k)  # type: ignore[method-assign]
    with TestClient(app) as warm:
        cached = [
            _decide(warm, keys["analyst"], _payment(f"w{i}", n)) for i, n in enumerate(CUSTOMERS)
        ]
        assert calls == []  # every name known: nothing screened in line
        fresh = _decide(warm, keys["analyst"], _payment("w-new", "Zainab Niazi"))
        assert len(calls) == 1 and fresh["decision"] == "ACCEPT"  # a new name: in line
    assert [d["decision"] for d in cached] == [d["decision"] for d in inline]
    assert [d["reasons"] for d in cached] == [d["reasons"] for d in inline]
    assert cached[2]["decision"] == "BLOCK"  # the listed customer


def test_a_list_update_prescreens_the_known_parties_again(tmp_path: Path) -> None:
    root, keys = make_workspace(tmp_path / "ws")
    _with_parties(root)
    with TestClient(create_app(root)) as client:
        lists = client.app.state.ctx.decisions.lists  # type: ignore[attr-defined]
        before = lists.version
        assert _decide(client, keys["analyst"], _payment("u1", ADDED))["decision"] == "ACCEPT"
        with Workspace.open(root) as ws:  # as `cftwatch lists update` does, from outside
            load_list(ws, FIXTURES / "lists" / "un_v2.xml", "un")
        lists.refresh()  # (or the background check already did)
        deadline = time.monotonic() + 30
        while len(lists.prescreens) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        report = lists.prescreens[-1]
        assert report["version"] != before and report["version"] == lists.version
        assert report["screened"] == len(CUSTOMERS) + 1
        assert _decide(client, keys["analyst"], _payment("u2", ADDED))["decision"] == "BLOCK"
        assert _decide(client, keys["analyst"], _payment("u3", LISTED))["decision"] == "ACCEPT"


def test_the_prescreen_stops_at_its_budget(tmp_path: Path) -> None:
    root, _keys = make_workspace(tmp_path / "ws")
    _with_parties(root)
    app = create_app(root, prescreen=0)
    lists = app.state.ctx.decisions.lists
    queries = [make_query(n, None, None, "PK") for n in CUSTOMERS]
    report = lists.prescreen(queries, 0.85, budget_s=0.0, chunk=1)
    assert report["queries"] == 4 and report["screened"] == 1  # the rest: screened when met
    listed = lists.screen_name(LISTED, "PK", 0.85)
    assert listed and listed[0].score >= 0.95
    app.state.ctx.close()


def test_serve_passes_the_prescreen_to_its_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from cftwatch.server import app as server_app

    root, _keys = make_workspace(tmp_path / "ws")
    seen: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.append(server_app.os.environ[ENV]))
    monkeypatch.setattr(server_app, "prescreen_processes", lambda workers: 3)
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.delenv(server_app.ENV_WORKSPACE, raising=False)
    monkeypatch.delenv(server_app.ENV_STATE, raising=False)
    server_app.serve(root, prescreen=False)
    server_app.serve(root)
    assert seen == ["0", "3"]
    monkeypatch.setenv(server_app.ENV_WORKSPACE, str(root))
    monkeypatch.setenv(ENV, "0")
    app = server_app.app_from_env()
    assert app.state.ctx.decisions.lists.prescreens == []  # no prescreen in the worker
    app.state.ctx.close()


def test_workers_share_one_prescreen_through_the_workspace(tmp_path: Path) -> None:
    """The first start screens the known parties and stores them for the lists' version;
    a second worker (or the next start) reads them and screens nothing, with the same
    decisions; a file that does not read is screened afresh."""
    from cftwatch.app.prescreen import SharedPrescreen

    root, keys = make_workspace(tmp_path / "ws")
    _with_parties(root)
    first = create_app(root)
    report = first.state.ctx.decisions.lists.prescreens[-1]
    assert report["screened"] == len(CUSTOMERS) + 1 and report["reused"] == 0
    with TestClient(first) as client:
        one = [
            _decide(client, keys["analyst"], _payment(f"a{i}", n)) for i, n in enumerate(CUSTOMERS)
        ]
    second = create_app(root)
    engine = second.state.ctx.decisions
    report = engine.lists.prescreens[-1]
    assert report["screened"] == 0 and report["reused"] == len(CUSTOMERS) + 1
    calls: list[Any] = []
    real = engine.screener.screen
    engine.screener.screen = lambda *a, **k: calls.append(a) or real(*a, **k)  # type: ignore[method-assign]
    with TestClient(second) as client:
        two = [
            _decide(client, keys["analyst"], _payment(f"b{i}", n)) for i, n in enumerate(CUSTOMERS)
        ]
    assert calls == []  # answered from the first worker's prescreen
    assert [d["reasons"] for d in two] == [d["reasons"] for d in one]
    assert two[2]["decision"] == "BLOCK"
    shared = SharedPrescreen(root)
    path = shared.path(engine.lists.version, engine.threshold)
    path.write_text("{not json")
    third = create_app(root)
    assert third.state.ctx.decisions.lists.prescreens[-1]["screened"] == len(CUSTOMERS) + 1
    assert len(shared.read(engine.lists.version, engine.threshold)) == len(CUSTOMERS) + 1
    third.state.ctx.close()
