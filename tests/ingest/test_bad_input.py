"""Malformed input: the exact error (file, record, field, value), nothing loaded on failure,
rejects written under `skip`."""

from __future__ import annotations

import pytest

from cftwatch.errors import InputError, MappingError
from cftwatch.ingest import ingest_files
from tests.ingest.conftest import PAYSIM_START, snapshot

BAD = "bad/"


def _problems(exc: InputError) -> list[tuple]:
    return [
        (p.file.rsplit("/", 1)[-1] if p.file else None, p.record, p.field, p.value, p.reason)
        for p in exc.problems
    ]


CASES = [
    (
        "iso20022",
        "pacs008_truncated.xml",
        {},
        [
            (
                "pacs008_truncated.xml",
                45,
                None,
                None,
                "malformed XML: expected '>', line 45, column 43",
            )
        ],
    ),
    (
        "iso20022",
        "pacs009_wrong_ns.xml",
        {},
        [
            (
                "pacs009_wrong_ns.xml",
                1,
                "xmlns",
                "urn:iso:std:iso:20022:tech:xsd:pacs.009.001.08",
                "unsupported namespace: expected urn:iso:std:iso:20022:tech:xsd:"
                "pacs.008.001.08 to .13 or pain.001.001.03 to .12",
            )
        ],
    ),
    (
        "iso20022",
        "pacs008_bad_amount.xml",
        {},
        [("pacs008_bad_amount.xml", 2, "Amt", "480,50 EUR", "not a decimal amount")],
    ),
    (
        "pain001",
        "pain001_bad_currency.xml",
        {},
        [("pain001_bad_currency.xml", 3, "Amt/@Ccy", "Rupees", "not an ISO 4217 currency code")],
    ),
    (
        "amlworld",
        "amlworld_bad_rows.csv",
        {},
        [
            (
                "amlworld_bad_rows.csv",
                4,
                "Timestamp",
                "2022-13-45 00:00",
                "not a timestamp like 2022/09/01 00:20",
            ),
            ("amlworld_bad_rows.csv", 8, "Payment Currency", "Renminbi", "unknown currency name"),
            ("amlworld_bad_rows.csv", 13, "Amount Paid", "5436.27 RUB", "not a decimal amount"),
            ("amlworld_bad_rows.csv", 16, "record", "extra", "more than 11 fields"),
        ],
    ),
    (
        "amlworld",
        "amlworld_missing_column.csv",
        {},
        [
            (
                "amlworld_missing_column.csv",
                1,
                "header",
                "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,"
                "Amount Paid,Payment Currency,Payment Format",
                "not the AMLworld header: missing column(s) Is Laundering",
            )
        ],
    ),
    (
        "paysim",
        "paysim_bad_rows.csv",
        {"start": PAYSIM_START},
        [
            ("paysim_bad_rows.csv", 3, "amount", "abc", "not a decimal amount"),
            ("paysim_bad_rows.csv", 7, "step", "two", "not a whole number of hours"),
        ],
    ),
    (
        "csv",
        "wallet_bad_rows.csv",
        {"mapping": "wallet_export.mapping.yaml"},
        [
            (
                "wallet_bad_rows.csv",
                3,
                "Date",
                "31/02/2026 09:30:02",
                "not a timestamp (%d/%m/%Y %H:%M:%S)",
            ),
            (
                "wallet_bad_rows.csv",
                6,
                "Type",
                "TOPUP",
                "channel value not in channel_map and not a channel name",
            ),
        ],
    ),
    (
        "mojaloop",
        "mojaloop_bad.jsonl",
        {},
        [
            ("mojaloop_bad.jsonl", 4, "amount.amount", "2,500.50", "not a decimal amount"),
            (
                "mojaloop_bad.jsonl",
                7,
                "transactionId",
                "deadbeef-0000-4000-8000-000000000000",
                "no quote with this transactionId (load its quote first or in the same call)",
            ),
        ],
    ),
    (
        "mojaloop",
        "mojaloop_broken.jsonl",
        {},
        [
            (
                "mojaloop_broken.jsonl",
                2,
                None,
                None,
                "not valid JSON: Invalid control character at (column 185)",
            )
        ],
    ),
]


@pytest.mark.parametrize(("fmt", "name", "kwargs", "expected"), CASES, ids=[c[1] for c in CASES])
def test_bad_input_names_file_record_field_value_and_loads_nothing(
    workspace, fx, fmt, name, kwargs, expected
):
    # Something already loaded, to prove a failed load leaves it exactly as it was.
    ingest_files(
        workspace, "csv", [fx / "wallet_export.csv"], mapping=fx / "wallet_export.mapping.yaml"
    )
    before = snapshot(workspace)
    if "mapping" in kwargs:
        kwargs = {**kwargs, "mapping": fx / kwargs["mapping"]}
    with pytest.raises(InputError) as info:
        ingest_files(workspace, fmt, [fx / BAD / name], **kwargs)
    assert _problems(info.value) == expected
    assert snapshot(workspace) == before


def test_skip_loads_good_rows_and_writes_rejects(workspace, fx):
    result = ingest_files(
        workspace, "amlworld", [fx / BAD / "amlworld_bad_rows.csv"], on_error="skip"
    )
    assert (result.rows, result.rejects) == (16, 4)
    rejects = workspace.con.execute(
        "SELECT record, field, value, reason, raw FROM rejects ORDER BY record"
    ).fetchall()
    assert [r[:4] for r in rejects] == [
        (4, "Timestamp", "2022-13-45 00:00", "not a timestamp like 2022/09/01 00:20"),
        (8, "Payment Currency", "Renminbi", "unknown currency name"),
        (13, "Amount Paid", "5436.27 RUB", "not a decimal amount"),
        (16, "record", "extra", "more than 11 fields"),
    ]
    assert rejects[0][4].startswith("2022-13-45 00:00,03209,8000F4670")
    loads = workspace.con.execute("SELECT rows, rejects FROM loads").fetchall()
    assert loads == [(16, 4)]
    # Both laundering rows (lines 11 and 17) are good, so their labels landed.
    assert result.labels == 2


def test_skip_on_xml_and_json(workspace, fx):
    r1 = ingest_files(workspace, "iso20022", [fx / BAD / "pacs008_bad_amount.xml"], on_error="skip")
    r2 = ingest_files(workspace, "mojaloop", [fx / BAD / "mojaloop_bad.jsonl"], on_error="skip")
    assert (r1.rows, r1.rejects) == (3, 1)
    assert (r2.rows, r2.rejects) == (2, 2)
    assert workspace.table_counts()["rejects"] == 3


def test_failure_in_second_file_loads_nothing_from_the_first(workspace, fx):
    before = snapshot(workspace)
    with pytest.raises(InputError):
        ingest_files(
            workspace, "iso20022", [fx / "pacs008_v08.xml", fx / BAD / "pacs008_truncated.xml"]
        )
    assert snapshot(workspace) == before


def test_interrupted_load_leaves_workspace_unchanged(workspace, fx):
    """An exception in the middle of a load (here: from the progress callback, as a Ctrl-C
    would) rolls everything back."""
    ingest_files(workspace, "paysim", [fx / "paysim_12.csv"], start=PAYSIM_START)
    before = snapshot(workspace)

    def interrupt(file: str, records: int, finished: bool) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest_files(workspace, "amlworld", [fx / "amlworld_20.csv"], progress=interrupt)
    assert snapshot(workspace) == before


def test_bad_mapping_lists_every_problem(fx):
    from cftwatch.ingest import load_mapping

    with pytest.raises(MappingError) as info:
        load_mapping(fx / BAD / "mapping_bad.yaml")
    got = {(p.field, p.value) for p in info.value.problems}
    assert got == {
        ("colour", None),
        ("columns.amount", -1),
        ("columns.sender", None),
        ("columns.ts", None),
        ("delimiter", ";;"),
        ("thousands", "."),
        ("timestamp_format[0]", "dd/mm/yyyy"),
        ("timezone", "Asia/Lahore"),
        ("currency", "PKR"),
        ("channel_map.P2P", "p2p"),
    }
    assert all(p.file.endswith("mapping_bad.yaml") for p in info.value.problems)


def test_mapping_naming_a_missing_column(workspace, fx, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        (fx / "wallet_export.mapping.yaml").read_text().replace("TxnRef", "Reference")
    )
    with pytest.raises(InputError) as info:
        ingest_files(workspace, "csv", [fx / "wallet_export.csv"], mapping=mapping)
    p = info.value.problems[0]
    assert (p.record, p.field) == (1, "Reference")
    assert p.reason.startswith("missing column")


def test_paysim_needs_start(workspace, fx):
    with pytest.raises(InputError, match="PaySim needs --start"):
        ingest_files(workspace, "paysim", [fx / "paysim_12.csv"])


def test_missing_file_and_unknown_format(workspace, fx):
    with pytest.raises(InputError, match="no such file"):
        ingest_files(workspace, "amlworld", [fx / "nope.csv"])
    with pytest.raises(InputError, match="unknown format"):
        ingest_files(workspace, "swift-mt103", [fx / "amlworld_20.csv"])
