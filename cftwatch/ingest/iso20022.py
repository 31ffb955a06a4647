"""ISO 20022 credit transfers: pacs.008 (FIToFICstmrCdtTrf) and pain.001 (CstmrCdtTrfInitn).

The message version comes from the document's namespace. Entities are never resolved: an
entity reference in a text (`<Nm>Masood &az;</Nm>`) is kept verbatim, so a name is never
silently empty and nothing outside the file is read. Files are parsed with lxml's
streaming `iterparse` (no entity resolution, no network, no huge trees): each `CdtTrfTxInf`
is read, turned into one staged row, and freed, so memory stays bounded by the batch size.
Amounts, currencies and dates are checked in SQL like every other reader.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from lxml import etree

from cftwatch.errors import InputError
from cftwatch.ingest._core import BATCH_ROWS, Check, Progress, Source, stage_arrow
from cftwatch.ingest.formats import SAMPLES_DIR, Context, DocRow, IngestFormat, register
from cftwatch.workspace import Workspace

NS_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
PACS008_VERSIONS = ("08", "09", "10", "11", "12", "13")
PAIN001_VERSIONS = ("03", "04", "05", "06", "07", "08", "09", "10", "11", "12")
SUPPORTED = [f"pacs.008.001.{v}" for v in PACS008_VERSIONS] + [
    f"pain.001.001.{v}" for v in PAIN001_VERSIONS
]

WALLET_PROXY_TYPES = {"TELE", "MBNO", "MOBN", "CELL", "EWAL", "MSISDN"}
"""Proxy types (ExternalProxyAccountType1Code and common local codes) that name a phone or
e-wallet: a payment to or from one is a wallet payment."""

STAGE_COLUMNS = [
    "txn_id",
    "ts",
    "amount",
    "currency",
    "channel",
    "debtor_id",
    "debtor_name",
    "debtor_account",
    "debtor_agent",
    "debtor_country",
    "debtor_region",
    "creditor_id",
    "creditor_name",
    "creditor_account",
    "creditor_agent",
    "creditor_country",
    "creditor_region",
    "ultimate_debtor_name",
    "ultimate_creditor_name",
    "purpose",
    "narrative",
    "end_to_end_id",
    "uetr",
    "source_format",
    "_where",
]
STAGE_SCHEMA = pa.schema(
    [pa.field("_rec", pa.int64())] + [pa.field(c, pa.string()) for c in STAGE_COLUMNS]
)
_ROW_KEYS = ("_rec", *STAGE_COLUMNS)
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _openable(path: Any) -> Any:
    """A path as lxml opens it, or a file object (an in-memory message) as it is."""
    return str(path) if isinstance(path, (str, Path)) else path


def read_message(data: bytes, where: str = "message") -> list[dict[str, Any]]:
    """The credit transfers of one pacs.008 or pain.001 message held in memory, each as
    the reader's staged row (canonical column names, values as text; the same rows and
    errors as a file of that message), parsed as safely as a file: no entities resolved,
    no network, no huge trees. One parse and one walk of the tree, no Arrow: a single
    payment is small, so it is not streamed. `where` names the message in errors. The
    decision service evaluates payments with this."""
    try:
        root = etree.fromstring(data, _message_parser())
    except etree.XMLSyntaxError:
        root = None
    if root is None:  # the file reader's error, word for word
        return read_message_streamed(data, where)
    ns = _root_namespace(root, where)
    return _message_rows(root, ns, _message_kind(ns, ns.removeprefix(NS_PREFIX), where), where)


def read_message_streamed(data: bytes, where: str = "message") -> list[dict[str, Any]]:
    """`read_message` through the file reader's streaming path (`iterparse`, Arrow
    batches): the reference that `read_message` agrees with, and its error messages."""
    ns, message = detect_message(io.BytesIO(data), where)
    kind = _message_kind(ns, message, where)
    rows: list[dict[str, Any]] = []
    for batch in _batches(io.BytesIO(data), ns, kind, None, where):
        rows.extend(batch.to_pylist())
    return rows


_PARSERS = threading.local()


def _message_kind(ns: str, message: str, where: str) -> str:
    """`pacs008` or `pain001` for a supported single message; the one error both
    single-message readers give for any other namespace."""
    if message not in SUPPORTED:
        raise InputError.at(
            "unsupported namespace: expected pacs.008.001.08 to .13 or pain.001.001.03 to .12",
            file=where,
            record=1,
            field="xmlns",
            value=ns,
        )
    return "pacs008" if message.startswith("pacs") else "pain001"


def _message_parser() -> Any:
    """This thread's single-message parser, with the file reader's safety settings (an
    lxml parser is reused, but never by two threads at once)."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
        )
    return parser


def _message_rows(root: Any, ns: str, kind: str, where: str) -> list[dict[str, Any]]:
    """The staged rows of a parsed message, in document order (`_batches`' rows)."""
    nslen = len(ns) + 2
    tx_tag, hdr_tag = "{" + ns + "}CdtTrfTxInf", "{" + ns + "}GrpHdr"
    group: dict[str, Any] = {}
    info: dict[str, Any] = {}
    parent: Any = None
    rows: list[dict[str, Any]] = []
    for elem in root.iter(tx_tag, hdr_tag):
        if elem.tag == hdr_tag:
            group = _flatten(elem, nslen)
            continue
        if kind == "pain001" and elem.getparent() is not parent:
            parent = elem.getparent()
            info = _flatten(parent, nslen, skip="CdtTrfTxInf")
        row = _transfer_row(_flatten(elem, nslen), info, group, kind, len(rows) + 1)
        row["_where"] = f"CdtTrfTxInf {row['_rec']} (line {elem.sourceline})"
        rows.append({c: row[c] for c in _ROW_KEYS})
    if not rows:
        raise InputError.at(
            "no credit transfer transactions (CdtTrfTxInf) in the message", file=where
        )
    return rows


def detect_message(path: Path | io.BytesIO, where: str | None = None) -> tuple[str, str]:
    """(namespace, message id such as `pacs.008.001.08`) from the root element."""
    name = where or str(path)
    try:
        for _, elem in etree.iterparse(
            _openable(path),
            events=("start",),
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
        ):
            ns = _root_namespace(elem, name)
            return ns, ns.removeprefix(NS_PREFIX)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(name, exc) from exc
    raise InputError.at("empty XML document", file=name)


def _root_namespace(root: Any, where: str) -> str:
    """The root element's namespace, or the error both readers give when it has none."""
    tag = root.tag if isinstance(root.tag, str) else ""
    if not tag.startswith("{"):
        raise InputError.at(
            "no ISO 20022 namespace on the root element",
            file=where,
            record=root.sourceline,
            field="xmlns",
            value=tag,
        )
    return tag[1:].split("}", 1)[0]


def _syntax_error(path: Path | str, exc: etree.XMLSyntaxError) -> InputError:
    line = exc.position[0] if exc.position else None
    return InputError.at(f"malformed XML: {exc.msg}", file=str(path), record=line)


def iso20022_source(ws: Workspace, path: Path, fmt: str, progress: Progress | None) -> Source:
    ns, message = detect_message(path)
    wanted, described = {
        "pacs008": ([m for m in SUPPORTED if m.startswith("pacs")], "pacs.008.001.08 to .13"),
        "pain001": ([m for m in SUPPORTED if m.startswith("pain")], "pain.001.001.03 to .12"),
    }.get(fmt, (SUPPORTED, "pacs.008.001.08 to .13 or pain.001.001.03 to .12"))
    if message not in wanted:
        raise InputError.at(
            f"unsupported namespace: expected {NS_PREFIX}{described}",
            file=str(path),
            record=1,
            field="xmlns",
            value=ns,
        )
    kind = "pacs008" if message.startswith("pacs") else "pain001"
    stage_arrow(ws, "_ingest_xml", STAGE_SCHEMA, _batches(path, ns, kind, progress))
    columns = {c: c for c in STAGE_COLUMNS if not c.startswith("_")}
    columns.update(
        {
            "ts": "_ts",
            "amount": "_amount",
            "source_ref": "$ref_prefix || _where",
        }
    )
    rel = (
        "(SELECT x.*, TRY_CAST(ts AS TIMESTAMPTZ) AS _ts, "
        "TRY_CAST(amount AS DECIMAL(24,8)) AS _amount FROM _ingest_xml AS x)"
    )
    checks = [
        Check("Amt", "amount", "amount IS NULL", "missing amount"),
        Check("Amt", "amount", "_amount IS NULL", "not a decimal amount"),
        Check("Amt", "amount", "_amount < 0", "negative amount"),
        Check(
            "Amt/@Ccy",
            "currency",
            "currency IS NULL OR NOT regexp_full_match(currency, '[A-Z][A-Z0-9]{2,4}')",
            "not an ISO 4217 currency code",
        ),
        Check("CreDtTm", "ts", "ts IS NULL", "no date: neither the transaction nor the group"),
        Check("CreDtTm", "ts", "_ts IS NULL", "not an ISO 8601 date/time"),
    ]
    return Source(
        relation=rel,
        record="_rec",
        raw=(
            "'EndToEndId=' || coalesce(end_to_end_id, '') || ' Amt=' || coalesce(amount, '') "
            "|| ' Ccy=' || coalesce(currency, '') || ' Dt=' || coalesce(ts, '')"
        ),
        columns=columns,
        checks=checks,
        own_ids=True,
        ts_field=("CreDtTm", "ts"),
        cleanup=["DROP TABLE IF EXISTS _ingest_xml"],
    )


def _flatten(elem: Any, nslen: int, skip: str | None = None) -> dict[str, Any]:
    """Leaf texts under `elem` keyed by their relative path (`Dbtr/PstlAdr/Ctry`), plus
    `<path>@Ccy` for amounts. One walk per transaction instead of dozens of path searches
    keeps the parser near lxml's own speed. Repeated `Ustrd` lines are kept as a list."""
    out: dict[str, Any] = {}

    def walk(el: Any, prefix: str) -> None:
        for ch in el:
            tag = ch.tag
            if type(tag) is not str:
                continue
            local = tag[nslen:]
            key = prefix + local
            if len(ch) and any(type(sub.tag) is str for sub in ch):
                if key != skip:
                    walk(ch, key + "/")
                continue
            text = _leaf_text(ch) if len(ch) else ch.text
            if text is not None:
                text = text.strip() or None
            if local == "Ustrd":
                out.setdefault(key, []).append(text)
            elif key not in out:
                out[key] = text
                if local.endswith("Amt"):
                    out[key + "@Ccy"] = ch.get("Ccy")

    walk(elem, "")
    return out


def _leaf_text(el: Any) -> str:
    """A leaf's text with its unresolved entity references written out (`Masood &az;`)."""
    parts = [el.text or ""]
    for sub in el:
        if isinstance(sub, etree._Entity):
            parts.append(sub.text or "")
        parts.append(sub.tail or "")
    return "".join(parts)


def _batches(
    path: Path | io.BytesIO,
    ns: str,
    kind: str,
    progress: Progress | None,
    where: str | None = None,
) -> Iterator[pa.Table]:
    name = where or str(path)
    nslen = len(ns) + 2
    tx_tag = "{" + ns + "}CdtTrfTxInf"
    hdr_tag = "{" + ns + "}GrpHdr"
    rows: dict[str, list[Any]] = {c: [] for c in ["_rec", *STAGE_COLUMNS]}
    group: dict[str, Any] = {}
    pmt_cache: tuple[Any, dict[str, Any]] | None = None
    rec = 0
    parser = etree.iterparse(
        _openable(path),
        events=("end",),
        tag=(tx_tag, hdr_tag),
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        for _, elem in parser:
            if elem.tag == hdr_tag:
                group = _flatten(elem, nslen)
                continue
            rec += 1
            parent = elem.getparent()
            info: dict[str, Any] = {}
            if kind == "pain001":
                if pmt_cache is None or pmt_cache[0] is not parent:
                    pmt_cache = (parent, _flatten(parent, nslen, skip="CdtTrfTxInf"))
                info = pmt_cache[1]
            row = _transfer_row(_flatten(elem, nslen), info, group, kind, rec)
            row["_where"] = f"CdtTrfTxInf {rec} (line {elem.sourceline})"
            for k, v in row.items():
                rows[k].append(v)
            # Free what was read: this element and the siblings before it.
            elem.clear(keep_tail=False)
            while elem.getprevious() is not None and parent is not None:
                del parent[0]
            if len(rows["_rec"]) >= BATCH_ROWS:
                yield pa.Table.from_pydict(rows, schema=STAGE_SCHEMA)
                rows = {c: [] for c in rows}
                if progress is not None:
                    progress(name, rec, False)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(name, exc) from exc
    if rows["_rec"]:
        yield pa.Table.from_pydict(rows, schema=STAGE_SCHEMA)
    if rec == 0:
        raise InputError.at(
            "no credit transfer transactions (CdtTrfTxInf) in the message", file=name
        )


def _transfer_row(
    tx: dict[str, Any], info: dict[str, Any], group: dict[str, Any], kind: str, rec: int
) -> dict[str, Any]:
    """The staged row of one flattened `CdtTrfTxInf` (`info`: its pain.001 `PmtInf`,
    `group`: the message's `GrpHdr`), without `_where`."""
    if kind == "pain001":
        debtor = _party(info, "Dbtr")
        amount_key = "Amt/InstdAmt" if "Amt/InstdAmt" in tx else "Amt/EqvtAmt/Amt"
        ts = (
            info.get("ReqdExctnDt/DtTm")
            or info.get("ReqdExctnDt/Dt")
            or info.get("ReqdExctnDt")
            or group.get("CreDtTm")
        )
        ultimate_debtor = tx.get("UltmtDbtr/Nm") or info.get("UltmtDbtr/Nm")
    else:
        debtor = _party(tx, "Dbtr")
        amount_key = "IntrBkSttlmAmt"
        ts = tx.get("AccptncDtTm") or group.get("CreDtTm") or tx.get("IntrBkSttlmDt")
        ultimate_debtor = tx.get("UltmtDbtr/Nm")
    row = _row(tx, kind, group, debtor, _party(tx, "Cdtr"), amount_key, ts, rec)
    row["ultimate_debtor_name"] = ultimate_debtor
    return row


def _party(f: dict[str, Any], role: str) -> dict[str, Any]:
    """Name, id, account (or proxy), agent, country and region of Dbtr or Cdtr."""
    get = f.get
    proxy = get(f"{role}Acct/Prxy/Id")
    proxy_type = get(f"{role}Acct/Prxy/Tp/Cd") or get(f"{role}Acct/Prxy/Tp/Prtry")
    agent_bic = get(f"{role}Agt/FinInstnId/BICFI") or get(f"{role}Agt/FinInstnId/BIC")
    country = (
        get(f"{role}/PstlAdr/Ctry")
        or get(f"{role}/CtryOfRes")
        or get(f"{role}Agt/FinInstnId/PstlAdr/Ctry")
    )
    if country is None and agent_bic and len(agent_bic) >= 6 and _COUNTRY.match(agent_bic[4:6]):
        country = agent_bic[4:6]
    return {
        "name": get(f"{role}/Nm"),
        "id": (
            get(f"{role}/Id/PrvtId/Othr/Id")
            or get(f"{role}/Id/OrgId/Othr/Id")
            or get(f"{role}/Id/OrgId/AnyBIC")
            or get(f"{role}/Id/OrgId/LEI")
        ),
        "account": get(f"{role}Acct/Id/IBAN") or get(f"{role}Acct/Id/Othr/Id") or proxy,
        "proxy_type": (proxy_type or "").upper() if proxy else None,
        "agent": (
            agent_bic
            or get(f"{role}Agt/FinInstnId/ClrSysMmbId/MmbId")
            or get(f"{role}Agt/FinInstnId/Othr/Id")
            or get(f"{role}Agt/FinInstnId/Nm")
        ),
        "country": country,
        "region": get(f"{role}/PstlAdr/CtrySubDvsn"),
    }


def _row(
    tx: dict[str, Any],
    kind: str,
    group: dict[str, Any],
    debtor: dict[str, Any],
    creditor: dict[str, Any],
    amount_key: str,
    ts: str | None,
    rec: int,
) -> dict[str, Any]:
    uetr = tx.get("PmtId/UETR")
    e2e = tx.get("PmtId/EndToEndId")
    tx_id = tx.get("PmtId/TxId") or tx.get("PmtId/InstrId")
    if uetr:
        txn_id = f"uetr:{uetr.lower()}"
    else:
        key = tx_id or (e2e if e2e and e2e.upper() != "NOTPROVIDED" else None) or f"#{rec}"
        txn_id = f"{kind}:{group.get('MsgId') or ''}:{key}"
    lines = [u for u in tx.get("RmtInf/Ustrd", []) if u]
    wallet = (debtor["proxy_type"] in WALLET_PROXY_TYPES) or (
        creditor["proxy_type"] in WALLET_PROXY_TYPES
    )
    return {
        "_rec": rec,
        "txn_id": txn_id,
        "ts": ts,
        "amount": tx.get(amount_key),
        "currency": tx.get(amount_key + "@Ccy"),
        "channel": "wallet" if wallet else "wire",
        "debtor_id": debtor["id"],
        "debtor_name": debtor["name"],
        "debtor_account": debtor["account"],
        "debtor_agent": debtor["agent"],
        "debtor_country": debtor["country"],
        "debtor_region": debtor["region"],
        "creditor_id": creditor["id"],
        "creditor_name": creditor["name"],
        "creditor_account": creditor["account"],
        "creditor_agent": creditor["agent"],
        "creditor_country": creditor["country"],
        "creditor_region": creditor["region"],
        "ultimate_creditor_name": tx.get("UltmtCdtr/Nm"),
        "purpose": tx.get("Purp/Cd") or tx.get("Purp/Prtry") or tx.get("PmtTpInf/CtgyPurp/Cd"),
        "narrative": " ".join(lines) or None,
        "end_to_end_id": e2e,
        "uetr": uetr.lower() if uetr else None,
        "source_format": kind,
    }


def _read(ctx: Context) -> Source:
    return iso20022_source(ctx.ws, ctx.path, ctx.fmt, ctx.progress)


FORMAT = register(
    IngestFormat(
        name="iso20022",
        summary="ISO 20022 pacs.008.001.08-13 or pain.001.001.03-12 XML (by namespace)",
        reader=_read,
        doc=DocRow(
            reads=(
                "pacs.008.001.08–.13 and pain.001.001.03–.12 by namespace, streamed with "
                "lxml `iterparse`"
            ),
            maps=(
                "`Dbtr`/`DbtrAcct`/`DbtrAgt` → debtor_*, `Cdtr`/... → creditor_* (IBAN, "
                "`Othr/Id` or proxy `Prxy/Id`; a TELE/MBNO/EWAL proxy makes the channel "
                "`wallet`), `UltmtDbtr`/`UltmtCdtr`, `IntrBkSttlmAmt@Ccy` (pain: "
                "`InstdAmt`), `AccptncDtTm` or `CreDtTm` (pain: `ReqdExctnDt`), "
                "`PmtId/EndToEndId`, `UETR`, `Purp`, `RmtInf/Ustrd` → narrative"
            ),
            txn_id="`uetr:<UETR>`, else `<type>:<MsgId>:<TxId>`",
            labels="—",
        ),
        aliases={
            "pacs008": "ISO 20022 pacs.008 XML only",
            "pain001": "ISO 20022 pain.001 XML only",
        },
        samples=tuple(SAMPLES_DIR / f for f in ("pacs008.xml", "pain001.xml")),
    )
)
