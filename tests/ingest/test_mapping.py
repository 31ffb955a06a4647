"""Mapping variants: per-row currency, Latin-1, decimal commas (property-tested)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cftwatch.errors import InputError
from cftwatch.ingest import ingest_files
from cftwatch.ingest.mapping import parse_mapping
from tests.ingest.conftest import canonical_rows


def test_per_row_currency_latin1_and_labels(workspace, tmp_path):
    data = tmp_path / "branch.csv"
    data.write_bytes(
        "ref,when,amt,ccy,payer,flag\n"
        "B-1,2026-03-01 08:00,100.5,pkr,Zoë Qureshi,N\n"
        "B-2,2026-03-01 09:00,20,usd,Kamran Aslam,Y\n".encode("latin-1")
    )
    mapping = parse_mapping(
        {
            "encoding": "latin-1",
            "timestamp_format": ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
            "timezone": "Asia/Karachi",
            "source_format": "branch",
            "columns": {
                "txn_id": "ref",
                "ts": "when",
                "amount": "amt",
                "currency": "ccy",
                "debtor_name": "payer",
            },
            "labels": {"fraud": "flag"},
        }
    )
    result = ingest_files(workspace, "csv", [data], mapping=mapping)
    rows = canonical_rows(workspace)
    assert [(r["txn_id"], r["currency"], r["debtor_name"], r["ts"]) for r in rows] == [
        ("branch:B-1", "PKR", "Zoë Qureshi", "2026-03-01T03:00:00+00:00"),
        ("branch:B-2", "USD", "Kamran Aslam", "2026-03-01T04:00:00+00:00"),
    ]
    assert result.labels == 1
    assert canonical_rows(workspace, "labels")[0]["txn_id"] == "branch:B-2"


def test_structural_errors_fail_even_with_skip(workspace, fx):
    with pytest.raises(InputError, match="malformed XML"):
        ingest_files(workspace, "iso20022", [fx / "bad" / "pacs008_truncated.xml"], on_error="skip")
    assert workspace.table_counts()["transactions"] == 0


EUROPEAN = parse_mapping(
    {
        "delimiter": ";",
        "decimal": ",",
        "thousands": ".",
        "currency": "PKR",
        "timestamp_format": "%d.%m.%Y",
        # `Lauf` makes each example's payments distinct in content, not only in bytes: a
        # re-export of the same payments adds nothing (content fingerprints).
        "columns": {"ts": "Datum", "amount": "Betrag", "narrative": "Lauf"},
    }
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    amounts=st.lists(
        st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2),
        min_size=1,
        max_size=5,
    )
)
def test_decimal_comma_and_thousands_read_exactly(workspace, tmp_path_factory, amounts):
    path = tmp_path_factory.mktemp("eu") / "export.csv"
    run = uuid.uuid4().hex  # every example is a new file (identical bytes would be skipped)
    lines = ["Datum;Betrag;Lauf"]
    for a in amounts:
        text = f"{a:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
        lines.append(f"01.03.2026;{text};{run}")
    path.write_text("\n".join(lines) + "\n")
    result = ingest_files(workspace, "csv", [path], mapping=EUROPEAN)
    loaded = workspace.con.execute(
        "SELECT amount FROM transactions WHERE load_id = ? ORDER BY source_ref",
        [result.load_ids[0]],
    ).fetchall()
    got = sorted(r[0] for r in loaded)
    assert got == sorted(amounts)
