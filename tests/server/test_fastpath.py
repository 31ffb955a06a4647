"""The framework-free payment path (`server.fastpath`) answers exactly as the FastAPI
route does: the same requests sent to two servers over identical workspaces, one with
the fast path and one without, get the same status and body (but the decision time), and
the fast path really answers the ordinary ones."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cftwatch.ingest import SAMPLES_DIR
from cftwatch.server import create_app
from cftwatch.server.deps import ServerSettings
from tests.server.conftest import auth, make_workspace
from tests.server.test_evaluate import pay

PACS = (SAMPLES_DIR / "pacs008.xml").read_bytes()
ONE_PACS = (
    b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">'
    b"<FIToFICstmrCdtTrf><GrpHdr><MsgId>FP-1</MsgId><CreDtTm>2026-03-01T10:00:00Z</CreDtTm>"
    b"</GrpHdr><CdtTrfTxInf><PmtId><EndToEndId>E1</EndToEndId><TxId>T1</TxId></PmtId>"
    b'<IntrBkSttlmAmt Ccy="PKR">900.00</IntrBkSttlmAmt><Dbtr><Nm>Said Bahaji</Nm></Dbtr>'
    b"<Cdtr><Nm>Farhan Malik</Nm></Cdtr><RmtInf><Ustrd>school fees</Ustrd></RmtInf>"
    b"</CdtTrfTxInf></FIToFICstmrCdtTrf></Document>"
)


def _requests(key: str) -> list[tuple[str, dict[str, str], bytes]]:
    """(label, headers, body): ordinary payments, a fan-in, a replay, and refusals."""
    js = {**auth(key), "Content-Type": "application/json"}
    xml = {**auth(key), "Content-Type": "application/xml"}
    out: list[tuple[str, dict[str, str], bytes]] = [
        ("ordinary", js, json.dumps(pay("fp-1")).encode()),
        ("listed", js, json.dumps(pay("fp-2", creditor_name="Said Bahaji")).encode()),
        ("narrative", js, json.dumps(pay("fp-3", narrative="for Said Bahaji")).encode()),
        ("high risk", js, json.dumps(pay("fp-4", creditor_country="SY")).encode()),
        ("int amount", js, json.dumps({**pay("fp-5"), "amount": 700}).encode()),
        ("pacs.008", xml, ONE_PACS),
        ("replay", js, json.dumps(pay("fp-1")).encode()),
        ("x-api-key", {"X-API-Key": key, "Content-Type": "application/json"}, b""),
    ]
    out[-1] = (out[-1][0], out[-1][1], json.dumps(pay("fp-6")).encode())
    for i in range(15):  # a crowd of small payments into one wallet: streaming REVIEW
        body = pay(f"fp-fan-{i}", i * 20, amount="400", debtor_account=f"donor-{i}")
        out.append((f"fan {i}", js, json.dumps({**body, "creditor_account": "fp-w"}).encode()))
    out += [
        (
            "float amount",
            js,
            b'{"txn_id": "fp-f", "ts": "2026-03-01T10:00:00Z", "amount": 12.10, "currency": "PKR"}',
        ),
        ("no key", {"Content-Type": "application/json"}, json.dumps(pay("fp-7")).encode()),
        ("bad key", {**auth("nope"), "Content-Type": "application/json"}, b"{}"),
        ("not json", js, b"{not json"),
        ("unknown field", js, json.dumps({**pay("fp-8"), "colour": "red"}).encode()),
        ("no amount", js, json.dumps({**pay("fp-9"), "amount": None}).encode()),
        ("a list", js, json.dumps([pay("fp-10"), pay("fp-11")]).encode()),
        ("payments", js, json.dumps({"payments": [pay("fp-12")]}).encode()),
        ("many transfers", xml, PACS),
        ("bad xml", xml, b"<Document"),
        ("too big", js, b" " * 2_000_000),
    ]
    return out


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any, str]]:
    fast_path, keys = make_workspace(tmp_path_factory.mktemp("fast") / "ws")
    slow_path, slow_keys = make_workspace(tmp_path_factory.mktemp("slow") / "ws")
    fast = create_app(fast_path)
    slow = create_app(slow_path, settings=ServerSettings(fast_path=False))
    with TestClient(fast) as f, TestClient(slow) as s:
        yield (f, fast), (s, slow), keys["analyst"], slow_keys["analyst"]


def _comparable(response: Any) -> tuple[int, Any, str]:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict):
        body.pop("decided_at", None)
    return response.status_code, body, response.headers.get("content-type", "")


def test_same_answers_with_and_without_the_fast_path(twins) -> None:
    (fast, fast_app), (slow, slow_app), key, slow_key = twins
    for (label, headers, body), (_, slow_headers, _) in zip(
        _requests(key), _requests(slow_key), strict=True
    ):
        got = fast.post("/v1/transactions/evaluate", content=body, headers=headers)
        want = slow.post("/v1/transactions/evaluate", content=body, headers=slow_headers)
        assert _comparable(got) == _comparable(want), label
    decisions = [
        fast.post("/v1/transactions/evaluate", content=b, headers=h).json()
        for label, h, b in _requests(key)
        if label in ("listed", "fan 14", "ordinary")
    ]
    assert [d["decision"] for d in decisions] == ["ACCEPT", "BLOCK", "REVIEW"]
    assert all(d["replayed"] for d in decisions)
    ordinary = 8 + 15  # every payment before the refusals, and the fast path's replays
    assert fast_app.state.ctx.fast_answers == ordinary + 3
    assert slow_app.state.ctx.fast_answers == 0


def test_rate_limit_refusal_comes_from_the_route(tmp_path: Path) -> None:
    path, keys = make_workspace(tmp_path / "ws")
    app = create_app(path, settings=ServerSettings(rate_per_s=0.001, rate_burst=2))
    with TestClient(app) as client:
        codes = [
            client.post(
                "/v1/transactions/evaluate", json=pay(f"rl-{i}"), headers=auth(keys["analyst"])
            ).status_code
            for i in range(4)
        ]
        assert codes == [200, 200, 429, 429]
        assert app.state.ctx.fast_answers == 2
