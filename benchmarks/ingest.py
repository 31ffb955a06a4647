"""Ingest benchmark: AMLworld CSV (target >= 500,000 rows/s, peak RSS <= 2 GB) and pacs.008
XML (target >= 20,000 transactions/s), each ingested into a fresh workspace.

    python benchmarks/ingest.py [--rows 5000000] [--xml-txns 200000] [--runs 3]

Inputs are generated once (vectorised, in DuckDB SQL / bulk string joins) and cached under
/tmp/cftwatch-bench. Each timed load runs in its own child process, so the peak RSS
reported is that load's alone (os.wait4). The plain-DuckDB baseline of ANCHORS.md
(read_csv -> typed table, currency names joined) is measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CACHE = Path("/tmp/cftwatch-bench")
ROOT = Path(__file__).resolve().parents[1]

CURRENCIES = [
    "US Dollar", "Euro", "Yuan", "Yen", "UK Pound", "Rupee", "Ruble", "Canadian Dollar",
    "Australian Dollar", "Swiss Franc", "Mexican Peso", "Brazil Real", "Saudi Riyal", "Shekel",
    "Bitcoin",
]  # fmt: skip
FORMATS = ["Reinvestment", "Cheque", "Credit Card", "ACH", "Cash", "Wire", "Bitcoin"]
HEADER = (
    "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,"
    "Amount Paid,Payment Currency,Payment Format,Is Laundering\n"
)


def amlworld_file(rows: int) -> Path:
    """AMLworld-format CSV: 12 days of minutes, 30k banks, ~4e9 hex accounts, 0.1% laundering."""
    import duckdb

    path = CACHE / f"amlworld_{rows}.csv"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    body = path.with_suffix(".body")
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT
          strftime(TIMESTAMP '2022-09-01' + to_minutes((i * 17280 // {rows})::BIGINT),
                   '%Y/%m/%d %H:%M'),
          lpad((hash(i, 1) % 30000)::VARCHAR, 5, '0'),
          upper(printf('%09x', (hash(i, 2) % 4000000000)::BIGINT)),
          lpad((hash(i, 3) % 30000)::VARCHAR, 5, '0'),
          upper(printf('%09x', (hash(i, 4) % 4000000000)::BIGINT)),
          round((hash(i, 5) % 10000000) / 100.0, 2), {CURRENCIES}[1 + (hash(i, 6) % 15)::INT],
          round((hash(i, 5) % 10000000) / 100.0, 2), {CURRENCIES}[1 + (hash(i, 6) % 15)::INT],
          {FORMATS}[1 + (hash(i, 7) % 7)::INT], (hash(i, 8) % 1000 = 0)::INT
        FROM range({rows}) r(i)) TO '{body}' (HEADER false)"""
    )
    con.close()
    with path.open("w") as out:
        out.write(HEADER)
    with path.open("ab") as out, body.open("rb") as src:
        shutil.copyfileobj(src, out, 1 << 24)
    body.unlink()
    return path


def pacs008_file(txns: int) -> Path:
    """A pacs.008.001.08 message with `txns` transactions (wallet proxies, Urdu names)."""
    path = CACHE / f"pacs008_{txns}.xml"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    names = ["محمد عمران", "Ayesha Siddiqui", "José Ángel Müller", "Gul Zaman Khan", "Zainab Bibi"]
    chunk = []
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">'
            "<FIToFICstmrCdtTrf><GrpHdr><MsgId>BENCH-1</MsgId>"
            f"<CreDtTm>2026-03-01T10:00:00+05:00</CreDtTm><NbOfTxs>{txns}</NbOfTxs>"
            "<SttlmInf><SttlmMtd>CLRG</SttlmMtd></SttlmInf></GrpHdr>\n"
        )
        for i in range(txns):
            chunk.append(
                "<CdtTrfTxInf><PmtId>"
                f"<EndToEndId>E2E-{i}</EndToEndId><TxId>TX-{i}</TxId>"
                f"<UETR>00000000-0000-4000-8000-{i:012d}</UETR></PmtId>"
                f'<IntrBkSttlmAmt Ccy="PKR">{(i * 37) % 500000 + 100}.{i % 100:02d}</IntrBkSttlmAmt>'
                "<IntrBkSttlmDt>2026-03-01</IntrBkSttlmDt>"
                f"<AccptncDtTm>2026-03-01T{i % 24:02d}:{i % 60:02d}:00+05:00</AccptncDtTm>"
                "<ChrgBr>SLEV</ChrgBr>"
                f"<Dbtr><Nm>{names[i % 5]}</Nm><PstlAdr><Ctry>PK</Ctry></PstlAdr></Dbtr>"
                f"<DbtrAcct><Prxy><Tp><Cd>TELE</Cd></Tp><Id>+92300{i % 10000000:07d}</Id></Prxy></DbtrAcct>"
                "<DbtrAgt><FinInstnId><BICFI>JCMAPKKA</BICFI></FinInstnId></DbtrAgt>"
                "<CdtrAgt><FinInstnId><BICFI>EPMBPKKA</BICFI></FinInstnId></CdtrAgt>"
                f"<Cdtr><Nm>{names[(i + 2) % 5]}</Nm></Cdtr>"
                f"<CdtrAcct><Id><IBAN>PK36HABB{i:016d}</IBAN></Id></CdtrAcct>"
                "<Purp><Cd>CHAR</Cd></Purp><RmtInf><Ustrd>donation</Ustrd></RmtInf>"
                "</CdtTrfTxInf>\n"
            )
            if len(chunk) >= 10_000:
                fh.write("".join(chunk))
                chunk = []
        fh.write("".join(chunk) + "</FIToFICstmrCdtTrf></Document>\n")
    return path


# -- child processes: one timed load each ---------------------------------------------


def child(kind: str, path: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="cftwatch-bench-ws-", dir=str(CACHE)))
    try:
        if kind == "baseline":
            import duckdb

            con = duckdb.connect(str(tmp / "plain.duckdb"))
            con.execute("SET threads = 2")
            values = ", ".join(f"('{n}', '{n[:3].upper()}')" for n in CURRENCIES)
            cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(11)) + "}"
            t0 = time.perf_counter()
            con.execute(
                f"""CREATE TABLE t AS SELECT strptime(c0, '%Y/%m/%d %H:%M') AS ts, c1, c2, c3, c4,
                c5::DECIMAL(24,8) AS recv, rc.code AS recv_cur, c7::DECIMAL(24,8) AS paid,
                pc.code AS paid_cur, c9, c10::INT AS lab
                FROM read_csv('{path}', header=false, skip=1, columns={cols}, auto_detect=false) r
                JOIN (VALUES {values}) rc(name, code) ON r.c6 = rc.name
                JOIN (VALUES {values}) pc(name, code) ON r.c8 = pc.name"""
            )
            con.execute("CHECKPOINT")
            seconds = time.perf_counter() - t0
            row = con.execute("SELECT count(*) FROM t").fetchone()
            rows = int(row[0]) if row else 0
        else:
            sys.path.insert(0, str(ROOT))
            from cftwatch.ingest import ingest_files
            from cftwatch.workspace import Workspace

            ws = Workspace.init(tmp / "ws")
            t0 = time.perf_counter()
            result = ingest_files(ws, kind, [path])
            ws.con.execute("CHECKPOINT")
            seconds = time.perf_counter() - t0
            rows = result.rows
            ws.close()
        print(json.dumps({"seconds": seconds, "rows": rows}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def timed(kind: str, path: Path) -> tuple[float, int, float]:
    """(seconds, rows, peak RSS in MB) of one load in a fresh child process."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed ({proc.returncode})")
    data = json.loads(out.strip().splitlines()[-1])
    return data["seconds"], data["rows"], usage.ru_maxrss / 1024


def report(label: str, runs: list[tuple[float, int, float]], unit: str) -> dict:
    seconds = statistics.median(r[0] for r in runs)
    rows = runs[0][1]
    rss = statistics.median(r[2] for r in runs)
    print(
        f"{label:<34} {rows:>10,} {unit}  median {seconds:6.2f} s  "
        f"{rows / seconds:>12,.0f} {unit}/s  peak RSS {rss:,.0f} MB  "
        f"(runs: {', '.join(f'{r[0]:.2f}' for r in runs)})"
    )
    return {"label": label, "rows": rows, "seconds": seconds, "per_s": rows / seconds, "rss": rss}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--xml-txns", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    t0 = time.perf_counter()
    csv_path = amlworld_file(args.rows)
    xml_path = pacs008_file(args.xml_txns)
    print(f"inputs ready in {time.perf_counter() - t0:.1f} s: {csv_path}, {xml_path}")
    results = [
        report("plain DuckDB baseline (ANCHORS)", [timed("baseline", csv_path) for _ in range(args.runs)], "rows"),
        report("cftwatch ingest amlworld", [timed("amlworld", csv_path) for _ in range(args.runs)], "rows"),
        report("cftwatch ingest pacs008", [timed("pacs008", xml_path) for _ in range(args.runs)], "txns"),
    ]  # fmt: skip
    aml, xml = results[1], results[2]
    print(
        f"targets: amlworld >= 500,000 rows/s: {'met' if aml['per_s'] >= 500_000 else 'MISSED'}; "
        f"peak RSS <= 2 GB: {'met' if aml['rss'] <= 2048 else 'MISSED'}; "
        f"pacs008 >= 20,000 txns/s: {'met' if xml['per_s'] >= 20_000 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
