"""`generate_synth`: population + background + injected typologies -> canonical tables."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cftwatch import schema as cs
from cftwatch.schema import CHANNELS
from cftwatch.synth.background import PURPOSES, Rows, generate_background
from cftwatch.synth.config import PKR_PER_UNIT, TYPOLOGIES, SynthConfig
from cftwatch.synth.population import Population, account_ids, build_population, build_tables
from cftwatch.synth.typologies import Ctx, inject_typologies

SOURCE_FORMAT = "synth"

PATTERNS = pa.schema(
    [
        pa.field("pattern_id", pa.string(), nullable=False),
        pa.field("typology", pa.string(), nullable=False),
        pa.field("accounts", pa.list_(pa.string())),
        pa.field("roles", pa.list_(pa.string())),
        pa.field("txn_ids", pa.list_(pa.string())),
        pa.field("params", pa.string()),
        pa.field("window_start", cs.TIMESTAMP_TYPE),
        pa.field("window_end", cs.TIMESTAMP_TYPE),
    ],
    metadata={"table": "synth_patterns", "doc": "Every injected typology instance."},
)
"""The patterns table: one row per injected instance, with its accounts (and their roles,
in the same order), transactions, parameters (JSON) and time window."""

Progress = Callable[[str, int, int], None]
"""progress(step, done, total): called as generation advances (for the CLI bar)."""


@dataclass(frozen=True)
class SynthData:
    """Everything one run produced. Tables are in canonical schemas (patterns: `PATTERNS`)."""

    config: SynthConfig
    transactions: pa.Table
    parties: pa.Table
    accounts: pa.Table
    labels: pa.Table
    patterns: pa.Table

    def summary(self) -> dict[str, Any]:
        """Counts for the CLI table and reports."""
        per = pc.value_counts(self.patterns.column("typology")).to_pylist()
        counts = {d["values"]: d["counts"] for d in per}
        return {
            "seed": self.config.seed,
            "transactions": self.transactions.num_rows,
            "accounts": self.accounts.num_rows,
            "parties": self.parties.num_rows,
            "labels": self.labels.num_rows,
            "patterns": self.patterns.num_rows,
            "instances": {t: int(counts.get(t, 0)) for t in TYPOLOGIES},
            "currency": self.config.currency,
            "reporting_threshold": self.config.threshold,
        }


def _const(value: str, n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int32)), pa.array([value])
    ).cast(pa.string())


def _decimal_from_cents(cents: np.ndarray) -> pa.Array:
    """int64 cents -> decimal128(24, 8) without Python objects (scale 8 = cents x 10^6)."""
    scaled = cents.astype(np.int64) * 1_000_000
    words = np.empty((scaled.size, 2), dtype=np.int64)
    words[:, 0] = scaled
    words[:, 1] = np.where(scaled < 0, -1, 0)
    return pa.Array.from_buffers(cs.AMOUNT_TYPE, scaled.size, [None, pa.py_buffer(words.tobytes())])


def generate_synth(config: SynthConfig, progress: Progress | None = None) -> SynthData:
    """Generate a labelled synthetic payment network. Same config -> identical output."""
    ss = np.random.SeedSequence(config.seed)
    r_pop, r_typ, r_bg, r_ids, r_order = (np.random.default_rng(s) for s in ss.spawn(5))
    total = config.background_transactions()

    def step(name: str, done: int) -> None:
        if progress is not None:
            progress(name, done, total)

    step("population", 0)
    pop = build_population(config, r_pop)
    rows = Rows()
    ctx = Ctx(pop=pop, rng=r_typ, rows=rows)
    inject_typologies(ctx)
    excluded = np.array(sorted(ctx.excluded), dtype=np.int64)
    done = [0]

    def bg_progress(k: int) -> None:
        done[0] += k
        step("background", min(done[0], total))

    generate_background(pop, r_bg, rows, total, excluded, bg_progress)
    step("tables", total)
    account_id = account_ids(pop, r_ids)
    parties, accounts, party_names = build_tables(pop, r_ids, account_id)
    cols, cents = _ordered_rows(config, rows, r_order)
    txn_id = _txn_ids(config.seed, cents.size)
    transactions = _transactions(config, pop, rows, cols, cents, txn_id, accounts, party_names)
    acc = accounts.column("account_id").combine_chunks()
    labels, patterns = _labels_and_patterns(config, ctx, cols["pattern"], txn_id, acc)
    step("done", total)
    return SynthData(config, transactions, parties, accounts, labels, patterns)


def _ordered_rows(
    config: SynthConfig, rows: Rows, r_order: np.random.Generator
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Row columns in the configured currency, zero amounts dropped, in time order."""
    cols = rows.concat()
    rate = PKR_PER_UNIT[config.currency]
    cents = np.floor(cols["cents"] / rate).astype(np.int64) if rate != 1 else cols["cents"]
    keep = cents > 0
    cols = {k: v[keep] for k, v in cols.items()}
    cents = cents[keep]
    # Deterministic order: by time, ties broken by a random key fixed by the seed.
    tie = r_order.permutation(cols["ts"].size)
    order = np.lexsort((tie, cols["ts"]))
    cols = {k: v[order] for k, v in cols.items()}
    return cols, cents[order]


def _txn_ids(seed: int, n: int) -> pa.Array:
    """`SYN<seed>-000000001` ... in row order."""
    return pc.binary_join_element_wise(
        _const(f"SYN{seed}-", n),
        pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), 9, "0"),
        "",
    )


def _transactions(
    config: SynthConfig,
    pop: Population,
    rows: Rows,
    cols: dict[str, np.ndarray],
    cents: np.ndarray,
    txn_id: pa.Array,
    accounts: pa.Table,
    party_names: pa.Array,
) -> pa.Table:
    """The canonical transactions table: both sides looked up from the account rows."""
    n = cents.size
    acc_party = pa.array(pop.party)
    party_id = accounts.column("party_id").combine_chunks()
    agent = accounts.column("agent").combine_chunks()
    country = accounts.column("country").combine_chunks()
    region = accounts.column("region").combine_chunks()
    acc = accounts.column("account_id").combine_chunks()
    channel = pc.take(pa.array(CHANNELS), pa.array(cols["channel"].astype(np.int64)))
    purpose = pc.take(pa.array(PURPOSES), pa.array(cols["purpose"].astype(np.int64)))
    narr_codes = cols["narrative"]
    narrative = pa.DictionaryArray.from_arrays(
        pa.array(np.maximum(narr_codes, 0), pa.int32(), mask=narr_codes < 0),
        pa.array(rows.vocab or [""], pa.string()),
    ).cast(pa.string())

    def side(ix: pa.Array) -> dict[str, pa.Array]:
        return {
            "id": pc.take(party_id, ix),
            "name": pc.take(party_names, pc.take(acc_party, ix)),
            "account": pc.take(acc, ix),
            "agent": pc.take(agent, ix),
            "country": pc.take(country, ix),
            "region": pc.take(region, ix),
        }

    ts = pa.array(cols["ts"], pa.int64()).cast(cs.TIMESTAMP_TYPE)
    data: dict[str, pa.Array] = {
        "txn_id": txn_id,
        "ts": ts,
        "amount": _decimal_from_cents(cents),
        "currency": _const(config.currency, n),
        "channel": channel,
    }
    data |= {f"debtor_{k}": v for k, v in side(pa.array(cols["debtor"])).items()}
    data |= {f"creditor_{k}": v for k, v in side(pa.array(cols["creditor"])).items()}
    data |= {
        "purpose": purpose,
        "narrative": narrative,
        "end_to_end_id": txn_id,
        "source_format": _const(SOURCE_FORMAT, n),
        "source_ref": _const(f"synth:seed={config.seed}", n),
        "load_id": _const(f"synth-{config.seed}", n),
    }
    return cs.conform(pa.table(data), cs.TRANSACTIONS)


def _labels_and_patterns(
    config: SynthConfig,
    ctx: Ctx,
    pattern_of_row: np.ndarray,
    txn_id: pa.Array,
    acc: pa.Array,
) -> tuple[pa.Table, pa.Table]:
    rows_idx = np.flatnonzero(pattern_of_row >= 0)
    pats = pattern_of_row[rows_idx]
    by_pat = np.argsort(pats, kind="stable")
    rows_sorted = rows_idx[by_pat]
    bounds = np.searchsorted(pats[by_pat], np.arange(len(ctx.patterns) + 1))
    source_ref = f"synth:seed={config.seed}"
    load_id = f"synth-{config.seed}"
    lab_txn: list[str | None] = []
    lab_acc: list[str | None] = []
    lab_label: list[str] = []
    lab_pat: list[str] = []
    lab_ref: list[str] = []
    p_rows: dict[str, list[Any]] = {f.name: [] for f in PATTERNS}
    for i, pat in enumerate(ctx.patterns):
        mine = rows_sorted[bounds[i] : bounds[i + 1]]
        tids = pc.take(txn_id, pa.array(mine)).to_pylist()
        accts = pc.take(acc, pa.array(np.array(pat.accounts, dtype=np.int64))).to_pylist()
        for t in tids:
            lab_txn.append(t)
            lab_acc.append(None)
            lab_label.append(pat.typology)
            lab_pat.append(pat.pattern_id)
            lab_ref.append(source_ref)
        for a, role in zip(accts, pat.roles, strict=True):
            lab_txn.append(None)
            lab_acc.append(a)
            lab_label.append(pat.typology)
            lab_pat.append(pat.pattern_id)
            lab_ref.append(f"{source_ref};role={role}")
        p_rows["pattern_id"].append(pat.pattern_id)
        p_rows["typology"].append(pat.typology)
        p_rows["accounts"].append(accts)
        p_rows["roles"].append(pat.roles)
        p_rows["txn_ids"].append(tids)
        p_rows["params"].append(json.dumps(_plain(pat.params), sort_keys=True))
        p_rows["window_start"].append(pat.window_start)
        p_rows["window_end"].append(pat.window_end)
    m = len(lab_label)
    labels = pa.table(
        {
            "txn_id": pa.array(lab_txn, pa.string()),
            "account_id": pa.array(lab_acc, pa.string()),
            "label": pa.array(lab_label, pa.string()),
            "value": pa.array([True] * m),
            "pattern_id": pa.array(lab_pat, pa.string()),
            "source_format": pa.array([SOURCE_FORMAT] * m, pa.string()),
            "source_ref": pa.array(lab_ref, pa.string()),
            "load_id": pa.array([load_id] * m, pa.string()),
        }
    )
    labels = cs.conform(labels, cs.LABELS)
    p_rows["window_start"] = pa.array(p_rows["window_start"], pa.int64()).cast(cs.TIMESTAMP_TYPE)
    p_rows["window_end"] = pa.array(p_rows["window_end"], pa.int64()).cast(cs.TIMESTAMP_TYPE)
    patterns = pa.Table.from_pydict(p_rows, schema=PATTERNS)
    return labels, patterns


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
