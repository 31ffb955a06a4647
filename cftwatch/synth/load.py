"""`load_synth_into`: a synthetic run into a workspace, atomically and only once."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.synth.generate import PATTERNS, SynthData
from cftwatch.workspace import Workspace

PATTERNS_TABLE = "synth_patterns"


@dataclass(frozen=True)
class SynthLoad:
    load_id: str
    transactions: int
    labels: int
    parties: int
    accounts: int
    patterns: int
    already_loaded: bool


def config_hash(data: SynthData) -> str:
    """Identifies a run: the same config (seed included) gives the same hash.

    Stored in `loads.sha256`: the JSON bytes (ASCII-escaped, sorted keys) must not change."""
    text = json.dumps(data.config.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def load_synth_into(ws: Workspace, data: SynthData) -> SynthLoad:
    """Append transactions, parties, accounts, labels and patterns in one transaction.

    A run already loaded (same config hash in `loads`) is not loaded twice. Patterns go
    to the stage table `synth_patterns` (created if missing).
    """
    sha = config_hash(data)
    file = f"synth:seed={data.config.seed}"
    row = ws.query_one(
        "SELECT load_id FROM loads WHERE sha256 = ? AND source_format = 'synth' LIMIT 1", [sha]
    )
    if row:
        return SynthLoad(str(row[0]), 0, 0, 0, 0, 0, True)
    load_id = f"synth-{data.config.seed}-{sha[:12]}"
    txns = data.transactions.set_column(
        data.transactions.schema.get_field_index("load_id"),
        cs.TRANSACTIONS.field("load_id"),
        pa.array([load_id] * data.transactions.num_rows, pa.string()),
    )
    labels = data.labels.set_column(
        data.labels.schema.get_field_index("load_id"),
        cs.LABELS.field("load_id"),
        pa.array([load_id] * data.labels.num_rows, pa.string()),
    )
    now = dt.datetime.now(dt.UTC)
    loads = pa.table(
        {
            "load_id": [load_id],
            "source_format": ["synth"],
            "file": [file],
            "sha256": [sha],
            "rows": pa.array([txns.num_rows], pa.int64()),
            "labels": pa.array([labels.num_rows], pa.int64()),
            "rejects": pa.array([0], pa.int64()),
            "loaded_at": pa.array([now], cs.TIMESTAMP_TYPE),
        }
    )
    with ws.atomic() as tx:
        tx.ensure_table(PATTERNS_TABLE, data.patterns.schema)
        tx.append(PATTERNS_TABLE, data.patterns)
        tx.append("transactions", txns)
        tx.append("parties", data.parties)
        tx.append("accounts", data.accounts)
        tx.append("labels", labels)
        tx.append("loads", loads)
    return SynthLoad(
        load_id,
        txns.num_rows,
        labels.num_rows,
        data.parties.num_rows,
        data.accounts.num_rows,
        data.patterns.num_rows,
        False,
    )


__all__ = ["PATTERNS", "PATTERNS_TABLE", "SynthLoad", "config_hash", "load_synth_into"]
