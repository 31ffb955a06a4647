"""Writers: canonical Parquet (+ labels + patterns), AMLworld CSV, ISO 20022 pacs.008 XML.

Parquet is byte-for-byte reproducible: fixed row order, zstd, no timestamps in the file
metadata. AMLworld CSV and pacs.008 exist so the ingestion readers are exercised end to end;
each carries only what its format can (see `docs/synth.md`, "Export formats").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from lxml import etree

from cftwatch.errors import ConfigError
from cftwatch.formats import AMLWORLD_HEADER
from cftwatch.synth.generate import SynthData

FORMATS = ("parquet", "amlworld", "pacs008")

AMLWORLD_CURRENCY = {
    "PKR": "Pakistan Rupee",
    "USD": "US Dollar",
    "EUR": "Euro",
    "GBP": "UK Pound",
    "AED": "UAE Dirham",
    "SAR": "Saudi Riyal",
    "INR": "Rupee",
}
"""ISO code -> the currency name written in AMLworld files (AMLworld itself has no PKR;
`Pakistan Rupee` is the name cftwatch's AMLworld reader accepts)."""

AMLWORLD_FORMAT = {
    "cash_in": "Cash",
    "cash_out": "Cash",
    "card": "Credit Card",
    "merchant": "Credit Card",
    "wire": "Wire",
    "remittance": "Wire",
    "crypto": "Bitcoin",
    "cheque": "Cheque",
    "ach": "ACH",
    "ibft": "ACH",
    "wallet": "ACH",
    "bill": "ACH",
    "other": "ACH",
}
"""Canonical channel -> AMLworld `Payment Format` (AMLworld has no wallet or cash-in)."""

PACS008_NS = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"
PACS008_PER_FILE = 100_000
"""Transactions per pacs.008 message file (large runs are split into several files)."""


def write_synth(data: SynthData, out_dir: str | Path, format: str = "parquet") -> list[Path]:
    """Write a run to `out_dir`; returns the files written.

    Every format also writes `labels.parquet` and `patterns.parquet` (the ground truth);
    `parquet` adds canonical `transactions`, `parties` and `accounts`.
    """
    if format not in FORMATS:
        raise ConfigError.at(
            f"unknown format (choose {', '.join(FORMATS)})", field="format", value=format
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    if format == "parquet":
        for name in ("transactions", "parties", "accounts"):
            files.append(_parquet(getattr(data, name), out / f"{name}.parquet"))
    elif format == "amlworld":
        files.append(write_amlworld(data, out / "transactions.csv"))
    else:
        files.extend(write_pacs008(data, out))
    files.append(_parquet(data.labels, out / "labels.parquet"))
    files.append(_parquet(data.patterns, out / "patterns.parquet"))
    return files


def _parquet(table: pa.Table, path: Path) -> Path:
    pq.write_table(
        table,
        path,
        compression="zstd",
        row_group_size=1_000_000,
        write_statistics=True,
        store_schema=True,
    )
    return path


def labelled_txn_mask(data: SynthData) -> pa.Array:
    labelled = pc.drop_null(data.labels.column("txn_id"))
    return pc.is_in(data.transactions.column("txn_id"), value_set=pc.unique(labelled))


def decimal_cents(amount: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """decimal128(24, 8) -> int64 cents, read from the buffers (no Python objects)."""
    chunks = amount.chunks if isinstance(amount, pa.ChunkedArray) else [amount]
    parts = []
    for ch in chunks:
        words = np.frombuffer(ch.buffers()[1], dtype=np.int64).reshape(-1, 2)
        parts.append(words[ch.offset : ch.offset + len(ch), 0] // 1_000_000)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _amount_text(amount: pa.ChunkedArray) -> pa.Array:
    """Decimal amounts as text with two decimals (all generated amounts are whole cents)."""
    cents = decimal_cents(amount)
    whole = pa.array(cents // 100)
    frac = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0")
    return pc.binary_join_element_wise(pc.cast(whole, pa.string()), frac, ".")


def write_amlworld(data: SynthData, path: Path) -> Path:
    """IBM AMLworld CSV (`Timestamp,From Bank,Account,...,Is Laundering`), minutes, no zone."""
    t = data.transactions
    currency = data.config.currency
    cur_name = AMLWORLD_CURRENCY[currency]
    n = t.num_rows
    fmt_map = pa.array(list(AMLWORLD_FORMAT))
    fmt_vals = pa.array(list(AMLWORLD_FORMAT.values()))
    fmt = pc.take(fmt_vals, pc.index_in(t.column("channel"), value_set=fmt_map))
    amount = _amount_text(t.column("amount"))
    cur = pa.array(np.full(n, cur_name, dtype=object), pa.string())
    laundering = pc.if_else(labelled_txn_mask(data), "1", "0")
    cols = [
        pc.strftime(t.column("ts"), "%Y/%m/%d %H:%M"),
        t.column("debtor_agent"),
        t.column("debtor_account"),
        t.column("creditor_agent"),
        t.column("creditor_account"),
        amount,
        cur,
        amount,
        cur,
        fmt,
        laundering,
    ]
    table = pa.Table.from_arrays(cols, names=[f"c{i}" for i in range(len(cols))])
    with path.open("wb") as fh:
        fh.write((",".join(AMLWORLD_HEADER) + "\n").encode())
        pacsv.write_csv(
            table,
            fh,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"),
        )
    return path


def _iso(ts_us: int) -> str:
    stamp = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=ts_us)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def write_pacs008(data: SynthData, out: Path) -> list[Path]:
    """ISO 20022 pacs.008.001.08 messages, streamed with `lxml.etree.xmlfile`.

    Wallets are written as `Othr/Id` plus a `TELE` proxy (the MSISDN), bank accounts as
    `IBAN`; the canonical `txn_id` is the `EndToEndId` and `TxId`; the purpose category is
    `Purp/Prtry`; region is `PstlAdr/CtrySubDvsn`; party ids are `Id/PrvtId/Othr/Id`
    (persons) or `Id/OrgId/Othr/Id` (organisations).
    """
    t = data.transactions
    seed = data.config.seed
    kind = dict(
        zip(
            data.parties.column("party_id").to_pylist(),
            data.parties.column("kind").to_pylist(),
            strict=True,
        )
    )
    ts_all = t.column("ts").cast(pa.int64()).to_numpy()
    amount_all = _amount_text(t.column("amount"))
    files: list[Path] = []
    n = t.num_rows
    for part, lo in enumerate(range(0, max(n, 1), PACS008_PER_FILE), start=1):
        hi = min(n, lo + PACS008_PER_FILE)
        chunk = t.slice(lo, hi - lo).to_pydict()
        amounts = amount_all.slice(lo, hi - lo).to_pylist()
        ts = ts_all[lo:hi]
        path = out / f"pacs008-{part:05d}.xml"
        msg_id = f"SYN{seed}-{part:05d}"
        created = _iso(int(ts.max())) if hi > lo else _iso(0)
        with etree.xmlfile(str(path), encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element("Document", nsmap={None: PACS008_NS}), xf.element("FIToFICstmrCdtTrf"):
                hdr = etree.Element("GrpHdr")
                _sub(hdr, "MsgId", msg_id)
                _sub(hdr, "CreDtTm", created)
                _sub(hdr, "NbOfTxs", str(hi - lo))
                _sub(etree.SubElement(hdr, "SttlmInf"), "SttlmMtd", "CLRG")
                xf.write(hdr)
                for i in range(hi - lo):
                    xf.write(_transaction(chunk, i, amounts[i], int(ts[i]), kind))
        files.append(path)
    return files


def _sub(parent: etree._Element, tag: str, text: str | None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _transaction(
    c: dict[str, list[object]], i: int, amount: str, ts_us: int, kind: dict[str, str]
) -> etree._Element:
    tx = etree.Element("CdtTrfTxInf")
    pmt = etree.SubElement(tx, "PmtId")
    txn_id = str(c["txn_id"][i])
    _sub(pmt, "EndToEndId", txn_id)
    _sub(pmt, "TxId", txn_id)
    amt = _sub(tx, "IntrBkSttlmAmt", amount)
    amt.set("Ccy", str(c["currency"][i]))
    stamp = _iso(ts_us)
    _sub(tx, "IntrBkSttlmDt", stamp[:10])
    _sub(tx, "AccptncDtTm", stamp)
    _sub(tx, "ChrgBr", "SLEV")
    _party(tx, c, i, "debtor", "Dbtr", kind)
    _party(tx, c, i, "creditor", "Cdtr", kind)
    # Schema order: ... Dbtr, DbtrAcct, DbtrAgt, CdtrAgt, Cdtr, CdtrAcct, ..., Purp, RmtInf.
    purpose = c["purpose"][i]
    if purpose:
        _sub(etree.SubElement(tx, "Purp"), "Prtry", str(purpose))
    narrative = c["narrative"][i]
    if narrative:
        _sub(etree.SubElement(tx, "RmtInf"), "Ustrd", str(narrative)[:140])
    return tx


def _party(
    tx: etree._Element,
    c: dict[str, list[object]],
    i: int,
    role: str,
    tag: str,
    kind: dict[str, str],
) -> None:
    pid = str(c[f"{role}_id"][i])
    party = etree.Element(tag)
    _sub(party, "Nm", str(c[f"{role}_name"][i])[:140])
    addr = etree.SubElement(party, "PstlAdr")
    region = c[f"{role}_region"][i]
    if region:
        _sub(addr, "CtrySubDvsn", str(region))
    _sub(addr, "Ctry", str(c[f"{role}_country"][i]))
    ident = etree.SubElement(party, "Id")
    holder = "OrgId" if kind.get(pid) == "organization" else "PrvtId"
    _sub(etree.SubElement(etree.SubElement(ident, holder), "Othr"), "Id", pid)
    account = str(c[f"{role}_account"][i])
    acct = etree.Element(f"{tag}Acct")
    acct_id = etree.SubElement(acct, "Id")
    if account[:2].isalpha():
        _sub(acct_id, "IBAN", account)
    else:
        _sub(etree.SubElement(acct_id, "Othr"), "Id", account)
        prxy = etree.SubElement(acct, "Prxy")
        _sub(etree.SubElement(prxy, "Tp"), "Cd", "TELE")
        _sub(prxy, "Id", "+" + account)
    agent = etree.Element(f"{tag}Agt")
    _sub(etree.SubElement(agent, "FinInstnId"), "BICFI", str(c[f"{role}_agent"][i]))
    if role == "debtor":
        tx.extend([party, acct, agent])
    else:
        tx.extend([agent, party, acct])
