"""Reloading does not duplicate; mapping variants; Parquet round trip; the CLI."""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cftwatch import schema as cs
from cftwatch.cli import app
from cftwatch.errors import InputError
from cftwatch.ingest import (
    FORMATS,
    SAMPLE_FILES,
    SAMPLE_MAPPING,
    SAMPLE_PAYSIM_START,
    ingest_files,
)
from cftwatch.ingest.mapping import parse_mapping
from tests.ingest.conftest import PAYSIM_START, canonical_rows, snapshot


def test_same_file_twice_is_skipped(workspace, fx):
    first = ingest_files(workspace, "amlworld", [fx / "amlworld_20.csv"])
    before = snapshot(workspace)
    again = ingest_files(workspace, "amlworld", [fx / "amlworld_20.csv"])
    assert first.rows == 20 and again.rows == 0
    assert again.skipped_files == [str(fx / "amlworld_20.csv")]
    assert again.load_ids == []
    assert snapshot(workspace) == before


def test_copy_of_a_file_is_skipped_by_hash(workspace, fx, tmp_path):
    copy = tmp_path / "renamed.csv"
    shutil.copy(fx / "paysim_12.csv", copy)
    ingest_files(workspace, "paysim", [fx / "paysim_12.csv"], start=PAYSIM_START)
    again = ingest_files(workspace, "paysim", [copy], start=PAYSIM_START)
    assert again.skipped_files == [str(copy)]
    assert workspace.table_counts()["transactions"] == 12


def test_same_transactions_in_another_version_are_deduplicated(workspace, fx):
    """pacs.008.001.13 copy of the .08 message: UETR-identified transactions are not loaded
    twice; the two without UETR have new message ids, so they are new transactions."""
    ingest_files(workspace, "pacs008", [fx / "pacs008_v08.xml"])
    second = ingest_files(workspace, "pacs008", [fx / "pacs008_v13.xml"])
    assert (second.rows, second.duplicates) == (2, 2)
    ids = [r["txn_id"] for r in canonical_rows(workspace)]
    assert len(ids) == len(set(ids)) == 6


def test_mojaloop_quote_and_transfer_in_separate_calls(workspace, fx):
    quotes_only = ingest_files(workspace, "mojaloop", [fx / "mojaloop_quote.json"])
    assert quotes_only.rows == 0
    transfer = ingest_files(workspace, "mojaloop", [fx / "mojaloop_transfer.json"])
    (row,) = canonical_rows(workspace)
    assert transfer.rows == 1
    assert (row["debtor_name"], row["creditor_account"], row["channel"]) == (
        "Muhammad Imran Khan",
        "923451234567",
        "wallet",
    )


def test_mapping_by_position_without_header_and_with_offsets(workspace, tmp_path):
    data = tmp_path / "raast.csv"
    data.write_text(
        "2026-03-01T10:00:00+05:00|1,250.00|pkr|03001234567|03451234567\n"
        "2026-03-01T11:30:00+05:00|99.5|PKR|03451234567|03001234567\n",
        encoding="utf-8",
    )
    mapping = parse_mapping(
        {
            "header": False,
            "delimiter": "|",
            "thousands": ",",
            "timestamp_format": "%Y-%m-%dT%H:%M:%S%z",
            "channel": "ibft",
            "columns": {
                "ts": 0,
                "amount": 1,
                "currency": 2,
                "debtor_account": 3,
                "creditor_account": 4,
            },
        }
    )
    result = ingest_files(workspace, "csv", [data], mapping=mapping)
    rows = canonical_rows(workspace)
    assert result.rows == 2
    assert [(r["ts"], r["amount"], r["currency"], r["channel"]) for r in rows] == [
        ("2026-03-01T05:00:00+00:00", "1250", "PKR", "ibft"),
        ("2026-03-01T06:30:00+00:00", "99.5", "PKR", "ibft"),
    ]
    assert rows[0]["source_ref"] == "raast.csv:1"


def test_parquet_round_trip(workspace, fx, tmp_path):
    ingest_files(workspace, "pacs008", [fx / "pacs008_v08.xml"])
    exported = tmp_path / "export.parquet"
    pq.write_table(workspace.read("transactions"), exported)
    expected = canonical_rows(workspace)
    other = type(workspace).init(tmp_path / "other")
    try:
        result = ingest_files(other, "parquet", [exported])
        assert result.rows == 4
        assert canonical_rows(other) == expected
    finally:
        other.close()


def test_parquet_missing_required_column(workspace, tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"txn_id": ["a"], "amount": [1.0]}), path)
    with pytest.raises(InputError, match=r"missing column\(s\) ts, currency"):
        ingest_files(workspace, "parquet", [path])


def test_samples_cover_every_format_and_load(workspace):
    assert set(SAMPLE_FILES) == {"amlworld", "paysim", "csv", "iso20022", "mojaloop", "parquet"}
    assert set(SAMPLE_FILES) <= set(FORMATS)
    total = 0
    for fmt, files in SAMPLE_FILES.items():
        result = ingest_files(
            workspace, fmt, files, mapping=SAMPLE_MAPPING, start=SAMPLE_PAYSIM_START
        )
        assert result.rows > 0 and result.rejects == 0, fmt
        total += result.rows
    assert workspace.table_counts()["transactions"] == total
    currencies = {
        r[0] for r in workspace.con.execute("SELECT currency FROM transactions").fetchall()
    }
    assert "PKR" in currencies


def test_cli_ingest_table_json_and_one_line_error(tmp_path, fx):
    runner = CliRunner()
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["init", ws]).exit_code == 0
    ok = runner.invoke(
        app, ["ingest", "paysim", str(fx / "paysim_12.csv"), "--start", PAYSIM_START, "-w", ws]
    )
    assert ok.exit_code == 0, ok.output
    assert "12 rows loaded" in ok.output
    js = runner.invoke(app, ["ingest", "amlworld", str(fx / "amlworld_20.csv"), "-w", ws, "--json"])
    assert json.loads(js.stdout)["rows"] == 20
    bad = runner.invoke(
        app, ["ingest", "iso20022", str(fx / "bad" / "pacs008_truncated.xml"), "-w", ws]
    )
    assert bad.exit_code == 2
    assert "Traceback" not in bad.output
    assert "pacs008_truncated.xml, record 45: malformed XML" in bad.output


def test_schema_of_loaded_rows_is_canonical(workspace, fx):
    ingest_files(workspace, "mojaloop", [fx / "mojaloop.jsonl"])
    table = workspace.read("transactions")
    assert table.schema.names == cs.column_names(cs.TRANSACTIONS)


def test_readme_mapping_example_is_valid():
    """The documented mapping example parses (docs that test themselves)."""
    import re
    from pathlib import Path

    import yaml

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Mapping file format", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    mapping = parse_mapping(yaml.safe_load(block.group(1)), "README.md")
    assert mapping.columns["amount"] == "Amount (PKR)"
    assert mapping.timezone == "Asia/Karachi"


def test_ingest_samples_is_idempotent(workspace):
    from cftwatch.ingest import ingest_samples

    first = ingest_samples(workspace)
    counts = workspace.table_counts()
    again = ingest_samples(workspace)
    assert sum(r.rows for r in first) == counts["transactions"] > 0
    assert sum(r.rows for r in again) == 0
    assert workspace.table_counts() == counts


def test_csv_with_byte_order_mark_and_header_only(workspace, fx, tmp_path):
    data = tmp_path / "bom.csv"
    data.write_bytes(b"\xef\xbb\xbf" + (fx / "wallet_export.csv").read_bytes())
    result = ingest_files(workspace, "csv", [data], mapping=fx / "wallet_export.mapping.yaml")
    assert result.rows == 5
    header_only = tmp_path / "empty_day.csv"
    header_only.write_text((fx / "amlworld_20.csv").read_text().splitlines()[0] + "\n")
    assert ingest_files(workspace, "amlworld", [header_only]).rows == 0
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty file"):
        ingest_files(workspace, "amlworld", [empty])


def test_xml_external_entities_are_not_resolved(workspace, tmp_path, fx):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = (fx / "pacs008_v08.xml").read_text(encoding="utf-8")
    xml = xml.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE Document [<!ENTITY x SYSTEM "file://{secret}">]>',
    ).replace("<Nm>Ayesha Siddiqui</Nm>", "<Nm>&x;</Nm>")
    path = tmp_path / "xxe.xml"
    path.write_text(xml, encoding="utf-8")
    ingest_files(workspace, "pacs008", [path])
    dump = repr(workspace.con.execute("SELECT * FROM transactions").fetchall())
    assert "TOP-SECRET" not in dump


def test_mojaloop_pretty_printed_single_objects(workspace, fx, tmp_path):
    lines = (fx / "mojaloop.jsonl").read_text(encoding="utf-8").splitlines()
    quote, transfer = tmp_path / "quote.json", tmp_path / "transfer.json"
    quote.write_text(json.dumps(json.loads(lines[2]), indent=2, ensure_ascii=False))
    transfer.write_text(json.dumps(json.loads(lines[3]), indent=2))
    result = ingest_files(workspace, "mojaloop", [transfer, quote])
    (row,) = canonical_rows(workspace)
    assert result.rows == 1
    assert (row["creditor_name"], row["purpose"], row["channel"]) == (
        "عبدالرحمن ٹرسٹ",
        "PAYMENT/DONATION",
        "merchant",
    )
