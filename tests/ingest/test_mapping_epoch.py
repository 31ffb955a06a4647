"""Mapping timestamps given as numbers from an epoch (`timestamp_unit`, `epoch`), as the
third-party AML simulator writes them (days since 2017-01-01)."""

from __future__ import annotations

import datetime as dt

import pytest

from cftwatch.errors import InputError, MappingError
from cftwatch.ingest import ingest_files
from cftwatch.ingest.mapping import parse_mapping
from tests.ingest.conftest import canonical_rows, snapshot


def _mapping(**extra):
    return parse_mapping(
        {"currency": "USD", "columns": {"txn_id": "id", "ts": "t", "amount": "amt"}, **extra}
    )


def test_days_since_an_epoch(workspace, tmp_path):
    data = tmp_path / "sim.csv"
    data.write_text("id,t,amt\n1,0,10\n2,45,20\n3,1.5,30\n")
    m = _mapping(timestamp_unit="days", epoch=dt.date(2017, 1, 1))  # YAML reads a date
    ingest_files(workspace, "csv", [data], mapping=m)
    got = {r["txn_id"]: r["ts"] for r in canonical_rows(workspace)}
    assert got == {
        "csv:1": "2017-01-01T00:00:00+00:00",
        "csv:2": "2017-02-15T00:00:00+00:00",
        "csv:3": "2017-01-02T12:00:00+00:00",
    }


def test_seconds_since_unix_epoch_in_a_local_zone(workspace, tmp_path):
    data = tmp_path / "sim.csv"
    # 25 hours after 1970-01-01 00:00 local (UTC+5); inside the 1970-2100 timestamp bounds
    data.write_text("id,t,amt\n1,90000,10\n")
    m = _mapping(timestamp_unit="seconds", timezone="Asia/Karachi")  # epoch 1970-01-01 local
    ingest_files(workspace, "csv", [data], mapping=m)
    (row,) = canonical_rows(workspace)
    assert row["ts"] == "1970-01-01T20:00:00+00:00"


@pytest.mark.parametrize("bad", ["abc", "1e30", "nan"])
def test_a_value_that_is_not_a_number_of_units_is_rejected_and_nothing_loaded(
    workspace, tmp_path, bad
):
    data = tmp_path / "sim.csv"
    data.write_text(f"id,t,amt\n1,3,10\n2,{bad},20\n")
    before = snapshot(workspace)
    with pytest.raises(InputError, match="days since 2017-01-01") as exc:
        ingest_files(
            workspace, "csv", [data], mapping=_mapping(timestamp_unit="days", epoch="2017-01-01")
        )
    assert any(p.record == 3 or p.field == "t" for p in exc.value.problems)
    assert snapshot(workspace) == before


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"timestamp_unit": "fortnights"}, "timestamp_unit"),
        ({"epoch": "2017-01-01"}, "epoch"),
        ({"timestamp_unit": "days", "epoch": "first of January"}, "epoch"),
        ({"timestamp_unit": "days", "epoch": "2017-01-01T00:00:00+05:00"}, "epoch"),
        ({"timestamp_unit": "days", "timestamp_format": "%Y-%m-%d"}, "timestamp_unit"),
    ],
)
def test_bad_epoch_options_name_the_key(extra, field):
    with pytest.raises(MappingError) as exc:
        _mapping(**extra)
    assert field in {p.field for p in exc.value.problems}
