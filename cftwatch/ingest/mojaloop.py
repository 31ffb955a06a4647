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
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import ijson
import numpy as np
import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.errors import InputError
from cftwatch.ingest._core import (
    Check,
    Progress,
    Source,
    literal_path,
    scratch_dir,
    sql_str,
    write_parquet,
)
from cftwatch.ingest.formats import SAMPLES_DIR, Context, DocRow, IngestFormat, register
from cftwatch.jsontext import dumps
from cftwatch.workspace import Workspace

QUOTES_TABLE = "ingest_mojaloop_quotes"
BATCH_RECORDS = 2_000
"""Records per staged Arrow batch: each keeps its JSON text (up to 2 kB), so batches stay
small enough for a bounded memory whatever the file's size."""
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
    """(record number, object) from a JSON array, JSON lines, or pretty-printed objects
    (1-based numbers; lines for JSON lines).

    Arrays and objects are streamed with ijson (memory bounded by one record, whatever the
    file's size); UTF-8 only (a UTF-16 file is refused by name), a UTF-8 BOM is skipped."""
    with path.open("rb") as fh:
        head = fh.read(4096)
        fh.seek(0)
        first = fh.readline(1 << 20).strip()
    _check_utf8(path, head)
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    first = first.removeprefix(b"\xef\xbb\xbf")
    if text.startswith(b"["):
        yield from _streamed(path, "item", multiple=False)
    elif text.startswith(b"{") and not _is_json(first):
        yield from _streamed(path, "", multiple=True)  # objects spread over lines
    else:
        yield from _json_lines(path)


def _check_utf8(path: Path, head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:64]:
        raise InputError.at(
            "not UTF-8 JSON (UTF-16 or UTF-32 text); re-save it as UTF-8",
            file=str(path),
            record=1,
            field="encoding",
        )


MAX_JSON_DEPTH = 64
"""The deepest nesting a Mojaloop file may have (FSPIOP bodies nest about 6 levels); a
deeper file is refused before any object is built (a 100k-deep array would exhaust memory)."""


def _bracket_depth_bound(path: Path) -> int:
    """An upper bound of the file's nesting depth: brackets counted, strings not skipped
    (one vectorised pass; brackets inside texts can only raise it)."""
    deepest, level = 0, 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 18):  # 256 kB: the int arrays below are 8x that
            a = np.frombuffer(chunk, dtype=np.uint8)
            step = ((a == 91) | (a == 123)).astype(np.int32) - ((a == 93) | (a == 125))
            running = np.cumsum(step, dtype=np.int64) + level
            deepest = max(deepest, int(running.max()))
            level = int(running[-1])
    return deepest


def _check_depth(path: Path) -> None:
    """Refuse a file nested deeper than MAX_JSON_DEPTH (exactly: ijson events, only for a
    file whose bracket count says it might be)."""
    if _bracket_depth_bound(path) <= MAX_JSON_DEPTH:
        return
    depth, rec = 0, 0
    with path.open("rb") as fh:
        try:
            for event, _ in ijson.basic_parse(fh, multiple_values=True):  # no prefixes
                if event in ("start_map", "start_array"):
                    depth += 1
                    if depth > MAX_JSON_DEPTH:
                        raise _json_error(
                            path, max(rec, 1), f"nested deeper than {MAX_JSON_DEPTH} levels"
                        )
                elif event in ("end_map", "end_array"):
                    depth -= 1
                    rec += depth == 1
        except ijson.JSONError:
            return  # malformed: the streaming read names it


def _streamed(path: Path, prefix: str, *, multiple: bool) -> Iterator[tuple[int, Any]]:
    rec = 0
    _check_depth(path)
    with path.open("rb") as fh:
        if fh.read(3) != b"\xef\xbb\xbf":
            fh.seek(0)
        try:
            for rec, obj in enumerate(
                ijson.items(fh, prefix, use_float=True, multiple_values=multiple), start=1
            ):
                yield rec, obj
        except ijson.JSONError as exc:
            raise _json_error(path, rec + 1, str(exc).strip().splitlines()[0][:200]) from exc
        except (RecursionError, MemoryError) as exc:
            raise _json_error(path, rec + 1, "nested too deeply") from exc


def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(encoding="utf-8-sig", errors="strict") as fh:
        lineno = 0
        try:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    yield lineno, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise _json_error(path, lineno, f"{exc.msg} (column {exc.colno})") from exc
                except RecursionError as exc:
                    raise _json_error(path, lineno, "nested too deeply") from exc
        except UnicodeDecodeError as exc:
            raise InputError.at(
                f"not UTF-8 text ({exc.reason})",
                file=str(path),
                record=lineno + 1,
                field="encoding",
            ) from exc


def _json_error(path: Path, record: int, why: str) -> InputError:
    return InputError.at(f"not valid JSON: {why}", file=str(path), record=record)


def _is_json(text: bytes) -> bool:
    try:
        json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return False
    return True


def _is_quote(obj: Any) -> bool:
    return isinstance(obj, dict) and "quoteId" in obj and "transactionId" in obj


def _is_transfer(obj: Any) -> bool:
    return isinstance(obj, dict) and "transferId" in obj


LOAD_MEMORY = "64MB"
"""DuckDB's memory_limit while a Mojaloop file loads: the quotes and transfers are streamed
to Parquet files under `<workspace>/tmp/` and read back from there, so DuckDB holds only
what its joins need and spills the rest; peak RSS stays bounded whatever the size."""

STAGE_ROWS = 100_000
"""Transfers staged per statement (`_stage_sql`): what one join's hash tables hold."""

QUOTE_ROWS_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("transaction_id", pa.string()),
        ("quote_id", pa.string()),
        ("body", pa.string()),
        ("file", pa.string()),
    ]
)


def store_quotes(ws: Workspace, paths: list[Path]) -> int:
    """Keep every new quote in the given files (the first one per transactionId wins):
    streamed to a Parquet file in batches, then inserted in one statement."""
    ws.ensure_table(QUOTES_TABLE, QUOTES_SCHEMA)
    scratch = scratch_dir(ws)
    try:
        part = scratch / "quotes.parquet"
        if not write_parquet(part, QUOTE_ROWS_SCHEMA, _quote_batches(paths)):
            return 0
        with ws.memory_limit(LOAD_MEMORY):
            # the first quote of each new transactionId found on narrow columns, then its
            # body fetched by sequence number: no hash table ever holds the bodies
            n = ws.scalar(
                f"INSERT INTO {QUOTES_TABLE} SELECT transaction_id, quote_id, body, file, now() "
                "FROM read_parquet($p) SEMI JOIN (SELECT min(seq) AS first FROM "
                "read_parquet($p) "
                f"WHERE transaction_id NOT IN (SELECT transaction_id FROM {QUOTES_TABLE}) "
                "GROUP BY transaction_id) ON seq = first",
                {"p": literal_path(part)},
            )
        return int(n or 0)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _quote_batches(paths: list[Path]) -> Iterator[pa.Table]:
    rows: list[tuple[int, str, str | None, str, str]] = []
    seq = 0
    for path in paths:
        for _, obj in records(path):
            if _is_quote(obj):
                seq += 1
                qid = _s(obj.get("quoteId"))
                rows.append((seq, str(obj["transactionId"]), qid, _body(obj), str(path)))
                if len(rows) >= BATCH_RECORDS:
                    yield _quote_table(rows)
                    rows = []
    if rows:
        yield _quote_table(rows)


def _quote_table(rows: list[tuple[int, str, str | None, str, str]]) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    return _table(dict(zip(QUOTE_ROWS_SCHEMA.names, columns, strict=True)), QUOTE_ROWS_SCHEMA)


def _table(columns: Mapping[str, Sequence[Any]], schema: pa.Schema) -> pa.Table:
    """An Arrow batch of int64 and string columns built without `pa.array`, whose first
    call imports pandas (+50 MB of peak RSS in a load that never uses it)."""
    arrays = []
    for f in schema:
        values = columns[f.name]
        if f.type == pa.int64():
            data = np.fromiter(values, dtype=np.int64, count=len(values))
            arrays.append(pa.Array.from_buffers(f.type, len(values), [None, pa.py_buffer(data)]))
        else:
            builder = pa.lib.StringBuilder()
            builder.append_values(values)
            arrays.append(builder.finish())
    return pa.Table.from_arrays(arrays, schema=schema)


def _body(obj: Any) -> str:
    try:
        return dumps(obj)
    except RecursionError as exc:
        raise InputError.at("not valid JSON: nested too deeply") from exc


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
            "_raw": _body(obj)[:2000],
        }
        for k, v in values.items():
            cols[k].append(v)
        if len(cols["_rec"]) >= BATCH_RECORDS:
            yield _table(cols, STAGE_SCHEMA)
            cols = {k: [] for k in cols}
            if progress is not None:
                progress(str(path), rec, False)
    if cols["_rec"]:
        yield _table(cols, STAGE_SCHEMA)


def _s(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _party_paths(role: str) -> tuple[str, ...]:
    info, name = f"$.{role}.partyIdInfo.", f"$.{role}.personalInfo.complexName."
    return (
        *(info + k for k in ("partyIdType", "partyIdentifier", "fspId")),
        f"$.{role}.name",
        *(name + k for k in ("firstName", "middleName", "lastName")),
    )


QUOTE_PATHS = (
    "$.transactionType.scenario",
    "$.transactionType.subScenario",
    "$.note",
    *_party_paths("payer"),
    *_party_paths("payee"),
)
"""The quote fields the mapping reads: extracted once per transfer, when it is staged."""


def _q(path: str) -> str:
    """The staged column holding a quote field (`QUOTE_PATHS`)."""
    return f"_q{QUOTE_PATHS.index(path)}"


def _party_name(role: str) -> str:
    base = f"$.{role}.personalInfo.complexName"
    full = (
        f"NULLIF(concat_ws(' ', {_q(base + '.firstName')}, {_q(base + '.middleName')}, "
        f"{_q(base + '.lastName')}), '')"
    )
    return f"coalesce({_q(f'$.{role}.name')}, {full})"


def _stage_sql() -> str:
    """Each transfer with its quote's fields, staged once (one JSON parse per quote): the
    passes then scan this narrow table, never the quote bodies. Built in parts of
    `STAGE_ROWS` transfers by a hash of the transactionId (`Source.stage_chunks`), so the
    joins' hash tables stay small whatever the file's size (a NULL id hashes to one part)."""
    part = (
        "(SELECT * FROM read_parquet($moj_transfers) WHERE hash(transaction_id) % $chunks = $chunk)"
    )
    paths = ", ".join(sql_str(p) for p in QUOTE_PATHS)
    fields = ", ".join(f"_f[{i + 1}] AS _q{i}" for i in range(len(QUOTE_PATHS)))
    stage = (
        f"(SELECT * EXCLUDE (_f), {fields} FROM (SELECT t.*, q.transaction_id AS _quote, "
        "TRY_CAST(t.amount AS DECIMAL(24,8)) AS _amount, TRY_CAST(t.ts AS TIMESTAMPTZ) AS _ts, "
        f"q._f FROM {part} AS t LEFT JOIN "
        f"(SELECT transaction_id, json_extract_string(body, [{paths}]) AS _f FROM {QUOTES_TABLE} "
        f"WHERE transaction_id IN (SELECT transaction_id FROM {part})) "
        "AS q ON q.transaction_id = t.transaction_id))"
    )
    return stage


def mojaloop_source(ws: Workspace, path: Path, progress: Progress | None) -> Source:
    ws.ensure_table(QUOTES_TABLE, QUOTES_SCHEMA)
    scratch = scratch_dir(ws)
    transfers = scratch / "transfers.parquet"
    try:
        rows = write_parquet(transfers, STAGE_SCHEMA, _batches(path, progress))
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    stage = _stage_sql()
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
            "_quote IS NULL",
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
        relation="_ingest_stage",
        stage=stage,
        record="_rec",
        raw="_raw",
        columns=columns,
        checks=checks,
        own_ids=True,
        ts_field=("completedTimestamp", "ts"),
        params={"moj_transfers": literal_path(transfers)},
        memory_limit=LOAD_MEMORY,
        scratch=scratch,
        stage_chunks=max(1, -(-rows // STAGE_ROWS)),
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
