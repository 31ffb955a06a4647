"""`ingest parties|accounts FILE --mapping M`: golden rows, validation, atomicity, supersession."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cftwatch.cli import app
from cftwatch.errors import InputError, MappingError
from cftwatch.ingest.customers import ingest_customers
from cftwatch.workspace import Workspace
from tests.ingest.conftest import FIXTURES, check_golden, snapshot

CUSTOMERS = FIXTURES / "customers"
PARTY_MAP = CUSTOMERS / "kyc_customers.mapping.yaml"
ACCOUNT_MAP = CUSTOMERS / "kyc_accounts.mapping.yaml"
runner = CliRunner()


def rows_of(ws: Workspace, table: str, key: str) -> list[dict]:
    out = []
    for row in ws.query_dicts(f"SELECT * EXCLUDE (load_id) FROM {table} ORDER BY {key}"):
        rec = {}
        for k, v in row.items():
            if isinstance(v, Decimal):
                v = format(v.normalize(), "f")
            elif hasattr(v, "isoformat"):
                v = v.isoformat()
            rec[k] = v
        out.append(rec)
    return out


def load_parties(ws: Workspace, *files: str | Path, **kw) -> object:
    paths = [f if isinstance(f, Path) else CUSTOMERS / f for f in files]
    return ingest_customers(ws, "parties", paths, mapping=PARTY_MAP, **kw)


def test_parties_match_golden(workspace):
    result = load_parties(workspace, "kyc_customers.csv")
    rows = rows_of(workspace, "parties", "party_id")
    assert result.total("inserted") == len(rows) == 4
    check_golden("customers_parties", rows)


def test_accounts_match_golden(workspace):
    result = ingest_customers(
        workspace, "accounts", [CUSTOMERS / "kyc_accounts.csv"], mapping=ACCOUNT_MAP
    )
    rows = rows_of(workspace, "accounts", "account_id")
    assert result.total("inserted") == len(rows) == 4
    check_golden("customers_accounts", rows)


def test_same_file_twice_and_a_resaved_copy_add_nothing(workspace, tmp_path):
    load_parties(workspace, "kyc_customers.csv")
    before = snapshot(workspace)
    again = load_parties(workspace, "kyc_customers.csv")
    assert again.files[0].skipped
    lines = (CUSTOMERS / "kyc_customers.csv").read_text(encoding="utf-8").splitlines()
    resaved = tmp_path / "resaved.csv"  # other bytes, rows in another order, same records
    resaved.write_text("\r\n".join([lines[0], *reversed(lines[1:])]) + "\r\n", encoding="utf-8")
    copy = load_parties(workspace, resaved)
    assert (copy.total("inserted"), copy.total("superseded"), copy.total("unchanged")) == (0, 0, 4)
    after = snapshot(workspace)
    assert after["content"]["parties"] == before["content"]["parties"]
    assert after["counts"]["party_versions"] == before["counts"]["party_versions"] == 4


def test_a_changed_row_supersedes_and_every_version_is_kept(workspace, tmp_path):
    load_parties(workspace, "kyc_customers.csv")
    text = (CUSTOMERS / "kyc_customers.csv").read_text(encoding="utf-8")
    changed = tmp_path / "changed.csv"
    changed.write_text(text.replace("shopkeeper,L1", "wholesaler,L2"), encoding="utf-8")
    result = load_parties(workspace, changed)
    assert (result.total("inserted"), result.total("superseded")) == (0, 1)
    current = workspace.query(
        "SELECT occupation, kyc_level FROM parties WHERE party_id = ?", ["C-001"]
    )
    assert current == [("wholesaler", "L2")]
    versions = workspace.query(
        "SELECT version, occupation FROM party_versions WHERE party_id = ? ORDER BY version",
        ["C-001"],
    )
    assert versions == [(1, "shopkeeper"), (2, "wholesaler")]
    assert workspace.scalar("SELECT count(*) FROM parties") == 4


def test_a_row_written_before_versions_is_copied_before_it_is_superseded(workspace):
    workspace.execute(
        "INSERT INTO parties (party_id, name, kind) VALUES ('C-003', 'A. Bibi', 'person')"
    )
    load_parties(workspace, "kyc_customers.csv")
    versions = workspace.query(
        "SELECT version, name FROM party_versions WHERE party_id = 'C-003' ORDER BY version"
    )
    assert versions == [(1, "A. Bibi"), (2, "Ayesha Bibi")]
    assert workspace.query("SELECT name FROM parties WHERE party_id = 'C-003'") == [
        ("Ayesha Bibi",)
    ]


def test_malformed_rows_fail_naming_line_and_field_and_change_nothing(workspace):
    load_parties(workspace, "kyc_customers.csv")
    before = snapshot(workspace)
    with pytest.raises(InputError) as err:
        load_parties(workspace, "kyc_customers.csv", "kyc_customers_bad.csv")
    found = {(p.record, p.field, p.reason.split(" (")[0]) for p in err.value.problems}
    assert (3, "Onboarded", "not a date") in found
    assert (4, "CustomerNo", "missing value") in found
    assert (5, "LastIP", "not an IPv4 or IPv6 address") in found
    assert (5, "Country", "expected an ISO 3166-1 alpha-2 country code") in found
    assert all(p.file and p.file.endswith("kyc_customers_bad.csv") for p in err.value.problems)
    assert snapshot(workspace) == before


def test_skip_loads_the_good_rows_and_rejects_the_bad(workspace):
    result = load_parties(workspace, "kyc_customers_bad.csv", on_error="skip")
    assert (result.total("inserted"), result.total("rejects")) == (1, 3)
    assert workspace.query("SELECT party_id FROM parties") == [("C-010",)]
    reasons = workspace.query("SELECT DISTINCT record FROM rejects ORDER BY record")
    assert reasons == [(3,), (4,), (5,)]


def test_one_key_twice_with_other_values_is_an_error(workspace, tmp_path):
    text = (CUSTOMERS / "kyc_customers.csv").read_text(encoding="utf-8")
    dup = tmp_path / "dup.csv"
    dup.write_text(text + text.splitlines()[1].replace("L1", "L2") + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="already given on line 2"):
        load_parties(workspace, dup)


def test_mapping_errors_name_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  party_id: A\n  txn_id: B\nlist_separator: ',,'\n")
    with pytest.raises(MappingError) as err:
        ingest_customers(Workspace.init(tmp_path / "w"), "parties", [bad], mapping=bad)
    fields = {p.field for p in err.value.problems}
    assert {"columns.txn_id", "columns.name", "list_separator"} <= fields


def test_cli_loads_and_exits_2_on_bad_rows(tmp_path):
    ws = tmp_path / "ws"
    Workspace.init(ws).close()
    good = str(CUSTOMERS / "kyc_customers.csv")
    ok = runner.invoke(
        app, ["ingest", "parties", good, "--mapping", str(PARTY_MAP), "-w", str(ws), "--json"]
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["inserted"] == 4
    broken = str(CUSTOMERS / "kyc_customers_bad.csv")
    bad = runner.invoke(
        app, ["ingest", "parties", broken, "-w", str(ws), "--mapping", str(PARTY_MAP)]
    )
    assert bad.exit_code == 2
    assert "record 3" in bad.output and "Onboarded" in bad.output
    assert "Traceback" not in bad.output
    missing = runner.invoke(app, ["ingest", "accounts", str(PARTY_MAP), "-w", str(ws)])
    assert missing.exit_code == 2 and "--mapping" in missing.output


def test_an_older_workspace_gets_the_new_columns(workspace):
    for column in ("kyc_level", "is_npo", "beneficial_owners", "onboarded_on"):
        workspace.execute(f"ALTER TABLE parties DROP COLUMN {column}")
    load_parties(workspace, "kyc_customers.csv")
    assert workspace.query("SELECT kyc_level, is_npo FROM parties WHERE party_id = 'C-002'") == [
        ("full", True)
    ]
