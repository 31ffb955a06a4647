"""Each reader on its fixture gives exactly the checked-in canonical rows and labels."""

from __future__ import annotations

import pytest

from cftwatch.ingest import ingest_files
from tests.ingest.conftest import PAYSIM_START, canonical_rows, check_golden


@pytest.mark.parametrize(
    ("name", "fmt", "files", "kwargs"),
    [
        ("amlworld", "amlworld", ["amlworld_20.csv"], {}),
        ("paysim", "paysim", ["paysim_12.csv"], {"start": PAYSIM_START}),
        ("csv_mapped", "csv", ["wallet_export.csv"], {"mapping": "wallet_export.mapping.yaml"}),
        ("pacs008", "pacs008", ["pacs008_v08.xml"], {}),
        ("pacs008_v13", "iso20022", ["pacs008_v13.xml"], {}),
        ("pain001", "pain001", ["pain001_v09.xml", "pain001_v03.xml"], {}),
        ("mojaloop", "mojaloop", ["mojaloop.jsonl"], {}),
    ],
)
def test_reader_matches_golden(workspace, fx, name, fmt, files, kwargs):
    if "mapping" in kwargs:
        kwargs = {**kwargs, "mapping": fx / kwargs["mapping"]}
    result = ingest_files(workspace, fmt, [fx / f for f in files], **kwargs)
    rows = canonical_rows(workspace)
    assert result.rows == len(rows) > 0
    assert result.rejects == 0
    check_golden(name, rows)
    labels = canonical_rows(workspace, "labels")
    assert result.labels == len(labels)
    if labels:
        check_golden(f"{name}.labels", labels)
