from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cftwatch.cli import app as cli_app
from cftwatch.ingest import SAMPLES_DIR
from cftwatch.server import create_app
from cftwatch.server.deps import Actor, require_role
from cftwatch.store import OperationalStore, decisions_since
from tests.server.conftest import auth

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def pay(txn_id: str, minutes: float = 0, **fields: object) -> dict:
    base = {
        "txn_id": txn_id,
        "ts": (T0 + dt.timedelta(minutes=minutes)).isoformat(),
        "amount": "2500.00",
        "currency": "PKR",
        "channel": "wallet",
        "debtor_name": "Zainab Qureshi",
        "debtor_account": f"acct-{txn_id}-d",
        "debtor_country": "PK",
        "creditor_name": "Farhan Malik",
        "creditor_account": f"acct-{txn_id}-c",
        "creditor_country": "PK",
    }
    base.update(fields)
    return base


def evaluate(client: TestClient, key: str, payment: dict) -> dict:
    r = client.post("/v1/transactions/evaluate", json=payment, headers=auth(key))
    assert r.status_code == 200, r.text
    return r.json()


def test_an_ordinary_payment_is_accepted(client: TestClient, keys: dict[str, str]) -> None:
    body = evaluate(client, keys["analyst"], pay("ord-1"))
    assert body["decision"] == "ACCEPT" and body["reasons"] == [] and not body["replayed"]


def test_a_listed_counterparty_is_blocked(client: TestClient, keys: dict[str, str]) -> None:
    body = evaluate(client, keys["analyst"], pay("blk-1", creditor_name="Said Bahaji"))
    assert body["decision"] == "BLOCK"
    block = [r for r in body["reasons"] if r["decision"] == "BLOCK"]
    assert block and block[0]["party"] == "creditor" and block[0]["entity_id"].startswith("un:")
    assert block[0]["score"] >= 0.95


def test_a_high_risk_country_is_held_for_review(client: TestClient, keys: dict[str, str]) -> None:
    body = evaluate(client, keys["analyst"], pay("geo-1", creditor_country="SY"))
    assert body["decision"] == "REVIEW"
    assert [r["rule_id"] for r in body["reasons"]] == ["high_risk_geography"]


def _fan_in(client: TestClient, key: str, wallet: str, senders: int, start: int = 0) -> list:
    return [
        evaluate(
            client,
            key,
            pay(
                f"{wallet}-{i}",
                minutes=i * 30,
                amount="500",
                debtor_account=f"{wallet}-donor-{i}",
                debtor_name=f"Donor {i}",
                creditor_account=wallet,
            ),
        )
        for i in range(start, start + senders)
    ]


def test_a_wallet_crossing_the_fan_in_threshold_is_reviewed(
    client: TestClient, keys: dict[str, str]
) -> None:
    answers = _fan_in(client, keys["analyst"], "W-FAN", 15)
    assert [a["decision"] for a in answers[:14]] == ["ACCEPT"] * 14
    last = answers[14]
    assert last["decision"] == "REVIEW"
    (reason,) = [r for r in last["reasons"] if r["rule_id"] == "crowdfunding_fan_in"]
    assert reason["account"] == "W-FAN" and reason["party"] == "creditor"
    numbers = reason["numbers"]
    assert numbers["senders"] == 15 and numbers["payments"] == 15
    assert numbers["min_senders"] == 15 and numbers["window_hours"] == 72
    assert numbers["amount"] == "7500"


def test_the_same_payment_twice_is_stored_once(
    client: TestClient, keys: dict[str, str], served: tuple[Path, dict[str, str]]
) -> None:
    first = evaluate(client, keys["analyst"], pay("dup-1", creditor_name="Said Bahaji"))
    again = evaluate(client, keys["analyst"], pay("dup-1", creditor_name="Said Bahaji"))
    assert again["replayed"] and not first["replayed"]
    assert {k: v for k, v in again.items() if k != "replayed"} == {
        k: v for k, v in first.items() if k != "replayed"
    }
    store = OperationalStore(f"sqlite:///{served[0] / 'store.sqlite'}")
    try:
        assert [d.payment_key for d in decisions_since(store)].count("dup-1") == 1
        audit = store.audit_entries(entity_type="payment", entity_id="dup-1")
        assert [(a.action, a.user) for a in audit] == [("decide", "ana")]
    finally:
        store.close()


def test_state_is_rebuilt_after_a_restart(tmp_path: Path) -> None:
    from tests.server.conftest import make_workspace

    path, keys = make_workspace(tmp_path / "ws")
    with TestClient(create_app(path)) as first:
        answers = _fan_in(first, keys["analyst"], "W-RE", 14)
    assert {a["decision"] for a in answers} == {"ACCEPT"}
    with TestClient(create_app(path)) as second:
        (crossing,) = _fan_in(second, keys["analyst"], "W-RE", 1, start=14)
        replay = evaluate(second, keys["analyst"], pay("W-RE-3", minutes=90, amount="500"))
    assert crossing["decision"] == "REVIEW"
    fan = [r for r in crossing["reasons"] if r["rule_id"] == "crowdfunding_fan_in"]
    assert fan[0]["numbers"]["senders"] == 15
    assert replay["replayed"] and replay["decision"] == "ACCEPT"


def test_a_pacs008_message_is_decided(client: TestClient, keys: dict[str, str]) -> None:
    xml = (SAMPLES_DIR / "pacs008.xml").read_bytes()
    headers = {**auth(keys["analyst"]), "content-type": "application/xml"}
    one = client.post("/v1/transactions/evaluate", content=xml, headers=headers)
    assert one.status_code == 422 and "batch" in one.json()["detail"]
    many = client.post("/v1/transactions/evaluate:batch", content=xml, headers=headers)
    assert many.status_code == 200, many.text
    answers = many.json()
    assert len(answers) == 4 and answers[0]["txn_id"].startswith("uetr:")
    assert {a["decision"] for a in answers} <= {"ACCEPT", "REVIEW", "BLOCK"}


@pytest.mark.parametrize(
    ("payment", "field"),
    [
        ({"ts": "2026-03-01T10:00:00Z", "amount": "1", "currency": "PKR"}, "txn_id"),
        ({"txn_id": "x", "ts": "yesterday", "amount": "1", "currency": "PKR"}, "ts"),
        ({"txn_id": "x", "ts": "2026-03-01", "amount": "-4", "currency": "PKR"}, "amount"),
        ({"txn_id": "x", "ts": "2026-03-01", "amount": "1", "currency": "PKR", "who": 1}, "who"),
    ],
)
def test_bad_payments_are_422_naming_the_field(
    client: TestClient, keys: dict[str, str], payment: dict, field: str
) -> None:
    r = client.post("/v1/transactions/evaluate", json=payment, headers=auth(keys["analyst"]))
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == field


def test_malformed_xml_is_422(client: TestClient, keys: dict[str, str]) -> None:
    headers = {**auth(keys["analyst"]), "content-type": "application/xml"}
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x'
    r = client.post("/v1/transactions/evaluate", content=bomb, headers=headers)
    assert r.status_code == 422 and "Traceback" not in r.text


def test_roles_are_checked(served: tuple[Path, dict[str, str]], keys: dict[str, str]) -> None:
    api = create_app(served[0], decisions=False)
    extra = FastAPI()

    @extra.get("/supervisors-only")
    def only(actor: Actor = Depends(require_role("supervisor"))) -> dict:
        return {"name": actor.name}

    api.include_router(extra.router)
    with TestClient(api) as c:
        refused = c.get("/supervisors-only", headers=auth(keys["analyst"]))
        assert refused.status_code == 403 and "supervisor" in refused.json()["detail"]
        assert c.get("/supervisors-only", headers=auth(keys["supervisor"])).status_code == 200
        assert c.get("/supervisors-only", headers=auth(keys["admin"])).status_code == 200


def test_a_cli_command_works_on_a_served_workspace(
    client: TestClient, served: tuple[Path, dict[str, str]]
) -> None:
    result = CliRunner().invoke(cli_app, ["tables", "-w", str(served[0])])
    assert result.exit_code == 0, result.output


def test_a_batch_monitor_sees_every_payment_the_service_let_through(tmp_path: Path) -> None:
    from cftwatch.app.decide import sync_decided_payments
    from cftwatch.workspace import Workspace
    from tests.server.conftest import make_workspace

    path, keys = make_workspace(tmp_path / "ws")
    with TestClient(create_app(path)) as c:
        ok = evaluate(c, keys["analyst"], pay("sync-ok"))
        blocked = evaluate(c, keys["analyst"], pay("sync-blk", creditor_name="Said Bahaji"))
    assert (ok["decision"], blocked["decision"]) == ("ACCEPT", "BLOCK")
    result = CliRunner().invoke(cli_app, ["monitor", "-w", str(path), "--json"])
    assert result.exit_code == 0, result.output
    with Workspace.open(path) as ws:
        rows = ws.query_dicts("SELECT txn_id, amount, source_format FROM transactions")
        assert [(r["txn_id"], str(r["amount"])) for r in rows] == [("sync-ok", "2500.00000000")]
        assert rows[0]["source_format"] == "service"
        assert sync_decided_payments(ws) == 0  # idempotent
