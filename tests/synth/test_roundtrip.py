"""Exported AMLworld CSV and pacs.008 XML read back through cftwatch's own readers."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from cftwatch.ingest import ingest_files
from cftwatch.ingest.amlworld import CHANNELS as AMLWORLD_READ_CHANNELS
from cftwatch.synth import SynthConfig, generate_synth, write_synth
from cftwatch.synth.writers import AMLWORLD_FORMAT


@pytest.fixture(scope="module")
def data():
    return generate_synth(SynthConfig(accounts=1_200, days=10, seed=21))


def _labelled(data):
    return {t for t in data.labels.column("txn_id").to_pylist() if t is not None}


def test_amlworld_round_trip(tmp_path, workspace, data):
    write_synth(data, tmp_path, "amlworld")
    result = ingest_files(workspace, "amlworld", [tmp_path / "transactions.csv"])
    assert result is not None
    got = workspace.read("transactions").to_pylist()
    assert len(got) == data.transactions.num_rows
    labelled = _labelled(data)

    def key(r, channel):
        ts = r["ts"].astimezone(dt.UTC).replace(second=0, microsecond=0)
        return (
            ts,
            r["debtor_agent"],
            r["debtor_account"],
            r["creditor_agent"],
            r["creditor_account"],
            r["amount"],
            r["currency"],
            channel,
        )

    want = Counter(
        key(r, AMLWORLD_READ_CHANNELS[AMLWORLD_FORMAT[r["channel"]]])
        for r in data.transactions.to_pylist()
    )
    assert Counter(key(r, r["channel"]) for r in got) == want
    positives = workspace.con.execute(
        "SELECT count(*) FROM labels WHERE label = 'laundering' AND value"
    ).fetchone()[0]
    assert positives == len(labelled) > 0


FIELDS = [
    "amount",
    "currency",
    "purpose",
    "narrative",
    *(
        f"{side}_{f}"
        for side in ("debtor", "creditor")
        for f in ("id", "name", "account", "agent", "country", "region")
    ),
]


def test_pacs008_round_trip(tmp_path, workspace, data):
    files = [p for p in write_synth(data, tmp_path, "pacs008") if p.suffix == ".xml"]
    ingest_files(workspace, "pacs008", files)
    got = {r["end_to_end_id"]: r for r in workspace.read("transactions").to_pylist()}
    want = data.transactions.to_pylist()
    assert len(got) == len(want)
    for r in want:
        g = got[r["txn_id"]]
        assert g["ts"] == r["ts"]
        for f in FIELDS:
            assert g[f] == r[f], (r["txn_id"], f, g[f], r[f])
        wallet = not r["debtor_account"][:2].isalpha() or not r["creditor_account"][:2].isalpha()
        assert g["channel"] == ("wallet" if wallet else "wire")
