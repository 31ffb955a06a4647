"""Mojaloop FSPIOP: quotes (`POST /quotes` bodies) joined to transfers on `transactionId`.

A quote says who pays whom (`payer`/`payee` party id info, names), why
(`transactionType.scenario`) and the note; a transfer says that money moved. Files hold
JSON arrays or JSON lines of either kind, in any order and across files and calls: quotes
are kept in the stage-private table `ingest_mojaloop_quotes` (by transactionId), and each
transfer becomes one transaction joined to its quote in SQL. A transfer's transactionId is
its `transactionId` field where present, else its `transferId` (the Mojaloop SDK uses the
transaction id as the transfer id). The time is `completedTimestamp` (from the fulfil)
where present, else the transfer's `expiration`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.errors import InputError
from cftwatch.ingest._core import BATCH_ROWS, Check, Progress, Source, sql_str, stage_arrow
from cftwatch.ingest.formats import SAMPLES_DIR, Context, DocRow, IngestFormat, register
from cftwatch.jsontext import dumps
from cftwatch.workspace import Workspace

QUOTES_TABLE = "ingest_mojaloop_quotes"
SCENARIOS = {
    "TRANSFER": "wallet",
    "DEPOSIT": "cash_in",
    "WITHDRAWAL": "cash_out",
    "PAYMENT": "merchant",
    "REFUND": "other",
}
"""transactionType.scenario -> canonical channel."""

QUOTES_SCHEMA = pa.schema(
    [
        pa.field("transaction_id", pa.string(), nullable=False),
        ("quote_id", pa.string()),
        pa.field("body", pa.string(), nullable=False),
        ("file", pa.string()),
        ("loaded_at", cs.TIMESTAMP_TYPE),
    ]
)
"""`ingest_mojaloop_quotes`: every quote body seen, by transactionId (first one wins)."""

STAGE_SCHEMA = pa.schema(
    [
        ("_rec", pa.int64()),
        ("_kind", pa.string()),
        ("transfer_id", pa.string()),
        ("transaction_id", pa.string()),
        ("amount", pa.string()),
        ("currency", pa.string()),
        ("payer_fsp", pa.string()),
        ("payee_fsp", pa.string()),
        ("ts", pa.string()),
        ("_raw", pa.string()),
    ]
)


def records(path: Path) -> Iterator[tuple[int, Any]]:
    """(record number, object) from a JSON array, JSON lines, or one pretty-printed object
    (1-based numbers; lines for JSON lines)."""
    with path.open(encoding="utf-8") as fh:
        head = fh.read(4096).lstrip()
        fh.seek(0)
        first = fh.readline().strip()
    if head.startswith("{") and not _is_json(first):
        head = "[" + head  # one object spread over lines: read it whole, as a 1-item list
    if head.startswith("["):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError.at(
                f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                file=str(path),
                record=exc.lineno,
            ) from exc
        yield from enumerate(data if isinstance(data, list) else [data], start=1)
        return
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError.at(
                    f"not valid JSON: {exc.msg} (column {exc.colno})",
                    file=str(path),
                    record=lineno,
                ) from exc


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def _is_quote(obj: Any) -> bool:
    return isinstance(obj, dict) and "quoteId" in obj and "transactionId" in obj


def _is_transfer(obj: Any) -> bool:
    return isinstance(obj, dict) and "transferId" in obj


def store_quotes(ws: Workspace, paths: list[Path]) -> int:
    """Keep every quote in the given files (first one per transactionId wins)."""
    ws.ensure_table(QUOTES_TABLE, QUOTES_SCHEMA)
    rows: list[tuple[str, str | None, str, str]] = []
    for path in paths:
        for _, obj in records(path):
            if _is_quote(obj):
                rows.append((str(obj["transactionId"]), obj.get("quoteId"), dumps(obj), str(path)))
    if not rows:
        return 0
    table = pa.table(
        {
            "transaction_id": [r[0] for r in rows],
            "quote_id": [r[1] for r in rows],
            "body": [r[2] for r in rows],
            "file": [r[3] for r in rows],
        }
    )
    with ws.registered("_ingest_quotes", table) as quotes:
        n = ws.scalar(
            f"INSERT INTO {QUOTES_TABLE} SELECT transaction_id, any_value(quote_id), "
            f"any_value(body), any_value(file), now() FROM {quotes} "
            f"WHERE transaction_id NOT IN (SELECT transaction_id FROM {QUOTES_TABLE}) "
            "GROUP BY transaction_id"
        )
    return int(n or 0)


def _batches(path: Path, progress: Progress | None) -> Iterator[pa.Table]:
    cols: dict[str, list[Any]] = {f.name: [] for f in STAGE_SCHEMA}
    for rec, obj in records(path):
        if _is_quote(obj):
            continue
        t = obj if isinstance(obj, dict) else {}
        amount_obj = t.get("amount")
        amount: dict[str, Any] = amount_obj if isinstance(amount_obj, dict) else {}
        values = {
            "_rec": rec,
            "_kind": "transfer" if _is_transfer(obj) else None,
            "transfer_id": _s(t.get("transferId")),
            "transaction_id": _s(t.get("transactionId") or t.get("transferId")),
            "amount": _s(amount.get("amount")),
            "currency": _s(amount.get("currency")),
            "payer_fsp": _s(t.get("payerFsp")),
            "payee_fsp": _s(t.get("payeeFsp")),
            "ts": _s(t.get("completedTimestamp") or t.get("expiration")),
            "_raw": dumps(obj)[:2000],
        }
        for k, v in values.items():
            cols[k].append(v)
        if len(cols["_rec"]) >= BATCH_ROWS:
            yield pa.Table.from_pydict(cols, schema=STAGE_SCHEMA)
            cols = {k: [] for k in cols}
            if progress is not None:
                progress(str(path), rec, False)
    if cols["_rec"]:
        yield pa.Table.from_pydict(cols, schema=STAGE_SCHEMA)


def _s(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _q(path: str) -> str:
    return f"json_extract_string(_q, {sql_str(path)})"


def _party_name(role: str) -> str:
    base = f"$.{role}.personalInfo.complexName"
    full = (
        f"NULLIF(concat_ws(' ', {_q(base + '.firstName')}, {_q(base + '.middleName')}, "
        f"{_q(base + '.lastName')}), '')"
    )
    return f"coalesce({_q(f'$.{role}.name')}, {full})"


def mojaloop_source(ws: Workspace, path: Path, progress: Progress | None) -> Source:
    ws.ensure_table(QUOTES_TABLE, QUOTES_SCHEMA)
    stage_arrow(ws, "_ingest_mojaloop", STAGE_SCHEMA, _batches(path, progress))
    rel = (
        "(SELECT t.*, q.body AS _q, TRY_CAST(t.amount AS DECIMAL(24,8)) AS _amount, "
        "TRY_CAST(t.ts AS TIMESTAMPTZ) AS _ts FROM _ingest_mojaloop AS t "
        f"LEFT JOIN {QUOTES_TABLE} AS q ON q.transaction_id = t.transaction_id)"
    )
    scenario = _q("$.transactionType.scenario")
    channel = (
        "CASE "
        + " ".join(
            f"WHEN {scenario} = {sql_str(k)} THEN {sql_str(v)}" for k, v in SCENARIOS.items()
        )
        + " ELSE 'other' END"
    )
    columns = {
        "txn_id": "'mojaloop:' || transaction_id",
        "ts": "_ts",
        "amount": "_amount",
        "currency": "currency",
        "channel": channel,
        "debtor_id": (
            f"{_q('$.payer.partyIdInfo.partyIdType')} || ':' || "
            f"{_q('$.payer.partyIdInfo.partyIdentifier')}"
        ),
        "debtor_name": _party_name("payer"),
        "debtor_account": _q("$.payer.partyIdInfo.partyIdentifier"),
        "debtor_agent": f"coalesce(payer_fsp, {_q('$.payer.partyIdInfo.fspId')})",
        "creditor_id": (
            f"{_q('$.payee.partyIdInfo.partyIdType')} || ':' || "
            f"{_q('$.payee.partyIdInfo.partyIdentifier')}"
        ),
        "creditor_name": _party_name("payee"),
        "creditor_account": _q("$.payee.partyIdInfo.partyIdentifier"),
        "creditor_agent": f"coalesce(payee_fsp, {_q('$.payee.partyIdInfo.fspId')})",
        "purpose": (f"{scenario} || coalesce('/' || {_q('$.transactionType.subScenario')}, '')"),
        "narrative": _q("$.note"),
        "end_to_end_id": "transaction_id",
        "source_ref": "$ref_prefix || 'record ' || CAST(_rec AS VARCHAR)",
    }
    checks = [
        Check("transferId", "_kind", "_kind IS NULL", "neither a quote nor a transfer"),
        Check(
            "transactionId",
            "transaction_id",
            "_q IS NULL",
            "no quote with this transactionId (load its quote first or in the same call)",
        ),
        Check("amount.amount", "amount", "_amount IS NULL", "not a decimal amount"),
        Check("amount.amount", "amount", "_amount < 0", "negative amount"),
        Check(
            "amount.currency",
            "currency",
            "currency IS NULL OR NOT regexp_full_match(currency, '[A-Z]{3}')",
            "not an ISO 4217 currency code",
        ),
        Check("completedTimestamp", "ts", "_ts IS NULL", "missing or invalid date/time (ISO 8601)"),
    ]
    return Source(
        relation=rel,
        record="_rec",
        raw="_raw",
        columns=columns,
        checks=checks,
        own_ids=True,
        ts_field=("completedTimestamp", "ts"),
        cleanup=["DROP TABLE IF EXISTS _ingest_mojaloop"],
    )


def _read(ctx: Context) -> Source:
    return mojaloop_source(ctx.ws, ctx.path, ctx.progress)


FORMAT = register(
    IngestFormat(
        name="mojaloop",
        summary="Mojaloop FSPIOP quotes joined to transfers (JSON array or JSON lines)",
        reader=_read,
        doc=DocRow(
            reads=(
                "FSPIOP quotes and transfers (JSON array, JSON lines or one object per "
                "file), in any files and calls"
            ),
            maps=(
                "quote `payer`/`payee` partyIdInfo (MSISDN ...) → accounts, ids "
                "`MSISDN:<number>`, names; `transactionType.scenario` → channel "
                "(TRANSFER→wallet, DEPOSIT→cash_in, WITHDRAWAL→cash_out, "
                "PAYMENT→merchant) and purpose; `note` → narrative; transfer amount, FSPs"
                " → agents, `completedTimestamp` (else `expiration`)"
            ),
            txn_id="`mojaloop:<transactionId>`",
            labels="—",
        ),
        prepare=store_quotes,
        samples=tuple(SAMPLES_DIR / f for f in ("mojaloop.jsonl",)),
    )
)
