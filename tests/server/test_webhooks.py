"""Webhooks against a real local HTTP receiver: signed bodies, retry after a 500, bounded
attempts, the delivery log, and the `cftwatch webhooks` commands."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cftwatch.app.webhook_targets import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSettings,
    WebhookTarget,
    add_webhook,
    load_webhooks,
    read_deliveries,
    remove_webhook,
    verify_signature,
)
from cftwatch.cli import app
from cftwatch.errors import ConfigError, InputError
from cftwatch.server import create_app, webhooks
from cftwatch.workspace import Workspace
from tests.server.conftest import auth, make_workspace
from tests.server.seed import seed
from tests.server.test_evaluate import pay

SECRET = "s3cret-for-tests"


class Receiver:
    """A loopback HTTP server that answers with the queued statuses (then 200) and keeps
    every request it got."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append({"headers": dict(self.headers), "body": body})
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CFTWATCH_TEST_HOOK_SECRET", SECRET)
    return "CFTWATCH_TEST_HOOK_SECRET"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver([500]) as r:
        yield r


def _dispatcher(url: str, env: str, log: Path | None = None, **policy: Any) -> Any:
    settings = WebhookSettings(
        targets=[WebhookTarget(url=url, secret_env=env)],
        **{"backoff_s": 0.05, "max_backoff_s": 0.2, "timeout_s": 2.0, **policy},
    )
    return webhooks.WebhookDispatcher(settings, log).start()


def test_signed_delivery_is_retried_after_a_500(
    receiver: Receiver, secret_env: str, tmp_path: Path
) -> None:
    log = tmp_path / "deliveries.jsonl"
    d = _dispatcher(receiver.url, secret_env, log)
    try:
        delivery = d.notify("decision.block", {"txn_id": "t-1", "decision": "BLOCK"})
        assert d.drain(10)
    finally:
        d.close()
    assert len(receiver.requests) == 2  # the 500, then the retry that got 200
    first, second = receiver.requests
    assert first["body"] == second["body"]
    for req in receiver.requests:
        headers = req["headers"]
        assert verify_signature(
            SECRET, headers[TIMESTAMP_HEADER], req["body"], headers[SIGNATURE_HEADER]
        )
        assert not verify_signature(
            "wrong", headers[TIMESTAMP_HEADER], req["body"], headers[SIGNATURE_HEADER]
        )
    doc = json.loads(second["body"])
    assert doc == {
        "id": delivery,
        "event": "decision.block",
        "data": {"txn_id": "t-1", "decision": "BLOCK"},
    }
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["attempt"], r["status"], r["ok"], r["final"]) for r in rows] == [
        (1, 500, False, False),
        (2, 200, True, True),
    ]


def test_a_tampered_body_fails_verification(receiver: Receiver, secret_env: str) -> None:
    d = _dispatcher(receiver.url, secret_env)
    try:
        d.notify("case.changed", {"case_id": "CASE-000001"})
        assert d.drain(10)
    finally:
        d.close()
    req = receiver.requests[-1]
    tampered = req["body"].replace(b"000001", b"000002")
    headers = req["headers"]
    assert not verify_signature(
        SECRET, headers[TIMESTAMP_HEADER], tampered, headers[SIGNATURE_HEADER]
    )
    old = str(int(headers[TIMESTAMP_HEADER]) - 3600)
    assert not verify_signature(SECRET, old, req["body"], headers[SIGNATURE_HEADER])


def test_attempts_are_bounded(secret_env: str) -> None:
    with Receiver([500] * 10) as r:
        d = _dispatcher(r.url, secret_env, max_attempts=3)
        try:
            d.notify("decision.review", {"txn_id": "t-2"})
            assert d.drain(10)
        finally:
            d.close()
        assert len(r.requests) == 3
    assert [a["final"] for a in d.attempts] == [False, False, True]


def test_a_4xx_is_not_retried_and_a_dead_receiver_is(secret_env: str) -> None:
    with Receiver([400]) as r:
        d = _dispatcher(r.url, secret_env)
        try:
            d.notify("decision.review", {})
            assert d.drain(10)
        finally:
            d.close()
        assert len(r.requests) == 1
    with Receiver() as r:
        dead = r.url
    d = _dispatcher(dead, secret_env, max_attempts=2)
    try:
        d.notify("decision.review", {})
        assert d.drain(10)
    finally:
        d.close()
    assert [(a["status"], a["final"]) for a in d.attempts] == [(None, False), (None, True)]
    assert all(a["error"] for a in d.attempts)


def test_no_secret_means_nothing_is_sent(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CFTWATCH_TEST_UNSET_SECRET", raising=False)
    d = _dispatcher(receiver.url, "CFTWATCH_TEST_UNSET_SECRET", max_attempts=1)
    try:
        d.notify("decision.block", {})
        assert d.drain(10)
    finally:
        d.close()
    assert receiver.requests == []
    assert "CFTWATCH_TEST_UNSET_SECRET" in d.attempts[-1]["error"]


def test_events_filter_and_unknown_event(receiver: Receiver, secret_env: str) -> None:
    settings = WebhookSettings(
        targets=[WebhookTarget(url=receiver.url, secret_env=secret_env, events=["case.changed"])]
    )
    d = webhooks.WebhookDispatcher(settings).start()
    try:
        assert d.notify("decision.block", {}) is None
        with pytest.raises(InputError):
            d.notify("payment.exploded", {})
    finally:
        d.close()


def test_module_notify_is_a_no_op_until_installed(receiver: Receiver, secret_env: str) -> None:
    webhooks.uninstall()
    assert webhooks.notify("decision.block", {}) is None
    d = _dispatcher(receiver.url, secret_env)
    webhooks.install(d)
    try:
        assert webhooks.notify("decision.block", {"x": 1}) is not None
        assert d.drain(10)
    finally:
        webhooks.uninstall()
    assert webhooks.installed() is None
    assert len(receiver.requests) == 2  # 500 then 200


def test_targets_file_round_trip_and_bad_values(tmp_path: Path) -> None:
    root = tmp_path
    assert load_webhooks(root).targets == []
    add_webhook(root, "https://hooks.example.org/a", "HOOK_A")
    add_webhook(root, "https://hooks.example.org/a", "HOOK_B", ["case.changed"])
    targets = load_webhooks(root).targets
    assert [(t.url, t.secret_env, t.events) for t in targets] == [
        ("https://hooks.example.org/a", "HOOK_B", ["case.changed"])
    ]
    assert "HOOK_B" in (root / "webhooks.yaml").read_text()
    with pytest.raises(InputError, match="url"):
        add_webhook(root, "file:///etc/passwd", "HOOK_A")
    with pytest.raises(InputError, match="secret_env"):
        add_webhook(root, "https://hooks.example.org/b", "not a var name")
    remove_webhook(root, "https://hooks.example.org/a")
    assert load_webhooks(root).targets == []
    (root / "webhooks.yaml").write_text("targets:\n  - url: https://x.example\n    secret: plain\n")
    with pytest.raises(ConfigError, match=r"webhooks\.yaml"):
        load_webhooks(root)


def test_cli_add_list_remove(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "ws").close()
    ws = str(tmp_path / "ws")
    runner = CliRunner()
    added = runner.invoke(
        app, ["webhooks", "add", "http://127.0.0.1:9/h", "--secret-env", "HOOK_X", "-w", ws]
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["webhooks", "list", "-w", ws, "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)[0]["secret_env"] == "HOOK_X"
    assert SECRET not in listed.stdout
    bad = runner.invoke(app, ["webhooks", "add", "ftp://x/h", "--secret-env", "HOOK_X", "-w", ws])
    assert bad.exit_code == 2
    assert "Traceback" not in bad.output
    gone = runner.invoke(app, ["webhooks", "remove", "http://127.0.0.1:9/h", "-w", ws])
    assert gone.exit_code == 0, gone.output
    assert runner.invoke(app, ["webhooks", "deliveries", "-w", ws, "--json"]).stdout.strip() == "[]"
    assert read_deliveries(tmp_path / "ws") == []


def test_the_service_fires_on_block_review_and_case_changes(
    tmp_path: Path, secret_env: str
) -> None:
    root, keys = make_workspace(tmp_path / "ws")
    seed(root, subjects=1)
    with Receiver() as r:
        add_webhook(root, r.url, secret_env)
        with TestClient(create_app(root)) as client:
            hooks = client.app.state.webhooks
            h = auth(keys["analyst"])
            ok = client.post("/v1/transactions/evaluate", json=pay("wh-ok"), headers=h)
            assert ok.json()["decision"] == "ACCEPT"
            blocked = pay("wh-blk", creditor_name="Said Bahaji")
            assert (
                client.post("/v1/transactions/evaluate", json=blocked, headers=h).json()["decision"]
                == "BLOCK"
            )
            replay = client.post("/v1/transactions/evaluate", json=blocked, headers=h).json()
            assert replay["replayed"] is True
            case_id = client.get("/v1/cases", headers=h).json()[0]["case_id"]
            assigned = client.post(
                f"/v1/cases/{case_id}/assign", json={"assignee": "ana"}, headers=h
            )
            assert assigned.status_code == 200
            assert hooks.drain(10)
        events = [json.loads(req["body"]) for req in r.requests]
        for req in r.requests:
            hdr = req["headers"]
            assert verify_signature(
                SECRET, hdr[TIMESTAMP_HEADER], req["body"], hdr[SIGNATURE_HEADER]
            )
    assert [e["event"] for e in events] == ["decision.block", "case.changed"]  # once, not on replay
    assert events[0]["data"]["txn_id"] == "wh-blk"
    assert events[1]["data"]["case"]["assignee"] == "ana" and events[1]["data"]["by"] == "ana"
    logged = read_deliveries(root)
    assert [(x["event"], x["ok"]) for x in logged] == [
        ("decision.block", True),
        ("case.changed", True),
    ]


def test_a_bad_webhooks_file_stops_the_service_from_starting(tmp_path: Path) -> None:
    root, _keys = make_workspace(tmp_path / "ws")
    (root / "webhooks.yaml").write_text("targets:\n  - url: gopher://x\n    secret_env: X\n")
    with pytest.raises(ConfigError, match=r"targets\.0\.url"):
        create_app(root, decisions=False)
