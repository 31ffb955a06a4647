"""Issue 16, rows 7-11, 15 and 16: inputs that must neither lose data nor stop the pipeline.

Each test builds its hostile file from a shipped fixture, so it fails if the reader goes
back to the behaviour observed on main."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cftwatch.cli import app
from cftwatch.errors import InputError
from cftwatch.ingest import ingest_files
from cftwatch.workspace import Workspace
from tests.ingest.conftest import FIXTURES, PAYSIM_START, canonical_rows, snapshot

ROOT = Path(__file__).resolve().parents[2]

runner = CliRunner()
AMLWORLD = FIXTURES / "amlworld_20.csv"
PACS008 = FIXTURES / "pacs008_v08.xml"


def _only(exc: InputError) -> tuple:
    assert len(exc.problems) == 1, exc.problems
    p = exc.problems[0]
    return (p.file.rsplit("/", 1)[-1] if p.file else None, p.record, p.field, p.reason)


# -- row 7: a re-saved file adds nothing ----------------------------------------------------


@pytest.mark.parametrize(
    "resave",
    [
        pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="bom"),
        pytest.param(lambda b: b.replace(b"\n", b"\r\n").rstrip(b"\r\n"), id="crlf-no-eol"),
    ],
)
def test_resaved_amlworld_file_adds_nothing(workspace, tmp_path, resave):
    first = ingest_files(workspace, "amlworld", [AMLWORLD])
    again = tmp_path / "amlworld_resaved.csv"
    again.write_bytes(resave(AMLWORLD.read_bytes()))
    second = ingest_files(workspace, "amlworld", [again])
    assert not second.skipped_files  # other bytes: read, not skipped by hash
    assert first.rows == 20
    assert (second.rows, second.duplicates, second.rejects) == (0, 20, 0)
    assert workspace.scalar("SELECT count(*) FROM transactions") == 20
    assert workspace.scalar("SELECT count(*) FROM labels") == first.labels


def test_identical_payments_in_one_file_are_all_kept(workspace, tmp_path):
    lines = AMLWORLD.read_text().splitlines()
    twice = tmp_path / "twice.csv"
    twice.write_text("\n".join([lines[0], lines[1], lines[1], lines[2]]) + "\n")
    assert ingest_files(workspace, "amlworld", [twice]).rows == 3
    # ... and a copy with one more identical payment adds exactly that one.
    thrice = tmp_path / "thrice.csv"
    thrice.write_text("\n".join([lines[0], lines[1], lines[1], lines[1], lines[2]]) + "\n")
    result = ingest_files(workspace, "amlworld", [thrice])
    assert (result.rows, result.duplicates) == (1, 3)


# -- row 8: timestamps bounded in every reader ----------------------------------------------


def test_pacs008_year_10000_rejected_with_field(workspace, tmp_path):
    bad = tmp_path / "year10000.xml"
    bad.write_text(
        PACS008.read_text().replace("2026-03-01T10:14:05+05:00", "10000-03-01T10:14:05+05:00", 1)
    )
    before = snapshot(workspace)
    with pytest.raises(InputError) as err:
        ingest_files(workspace, "iso20022", [bad])
    file, record, field, reason = err.value.problems[0].file, *_only(err.value)[1:]
    assert (file.endswith("year10000.xml"), record, field) == (True, 1, "CreDtTm")
    assert "outside 1970-01-01 .. 2100-01-01" in reason
    assert snapshot(workspace) == before


def test_amlworld_and_paysim_dates_bounded(workspace, tmp_path):
    lines = AMLWORLD.read_text().splitlines()
    old = tmp_path / "old.csv"
    old.write_text("\n".join([lines[0], "1969" + lines[1][4:], *lines[2:]]) + "\n")
    with pytest.raises(InputError) as err:
        ingest_files(workspace, "amlworld", [old])
    assert _only(err.value)[1:3] == (2, "Timestamp")
    paysim = tmp_path / "far.csv"
    text = (FIXTURES / "paysim_12.csv").read_text().splitlines()
    paysim.write_text("\n".join([text[0], "1000000" + text[1][1:]]) + "\n")  # 114 years
    with pytest.raises(InputError) as err:
        ingest_files(workspace, "paysim", [paysim], start=PAYSIM_START)
    assert _only(err.value)[1:3] == (2, "step")


def test_timestamp_bounds_are_configurable(workspace):
    with pytest.raises(InputError) as err:
        ingest_files(
            workspace,
            "amlworld",
            [AMLWORLD],
            ts_range=("2022-09-01T00:10:00+00:00", "2100-01-01T00:00:00+00:00"),
        )
    assert {p.field for p in err.value.problems if p.field} == {"Timestamp"}


# -- row 9 and 15: a huge record, a Latin-1 byte --------------------------------------------


@pytest.mark.parametrize("size", [2_000_000, 40_000_000], ids=["2MB", "40MB-last"])
def test_huge_record_is_never_silently_dropped(workspace, tmp_path, size):
    lines = AMLWORLD.read_text().splitlines()
    big = tmp_path / "big.csv"
    with big.open("w") as fh:
        fh.write("\n".join(lines[:6]) + "\n" + lines[6][:-1] + "x" * size + "\n")
    for on_error in ("fail", "skip"):
        with pytest.raises(InputError) as err:
            ingest_files(workspace, "amlworld", [big], on_error=on_error)
        assert _only(err.value)[1:3] == (7, "record")
        assert "longer than the limit" in _only(err.value)[3]
    assert workspace.scalar("SELECT count(*) FROM loads") == 0


def test_latin1_byte_on_line_1001_named(workspace, tmp_path):
    lines = AMLWORLD.read_text().splitlines()
    body = [lines[1 + i % 20] for i in range(1100)]
    body[999] = body[999].replace(",", ",\xe9", 1)  # line 1001: header + 999 + 1
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(("\n".join([lines[0], *body]) + "\n").encode("latin-1"))
    with pytest.raises(InputError) as err:
        ingest_files(workspace, "amlworld", [bad])
    _file, record, field, reason = _only(err.value)
    assert (record, field) == (1001, "encoding")
    assert "not utf-8 text: byte 0xe9" in reason


# -- row 10: file names passed literally ----------------------------------------------------


@pytest.mark.parametrize("name", ["pay*.csv", "pay[x].csv", "pay?.csv"])
def test_glob_characters_in_file_names_are_literal(workspace, tmp_path, name):
    lines = AMLWORLD.read_text().splitlines()
    for i, neighbour in enumerate(["pay1.csv", "payx.csv", "pay-a.csv"]):
        (tmp_path / neighbour).write_text("\n".join([lines[0], *lines[1 + 5 * i : 6 + 5 * i]]))
    target = tmp_path / name
    target.write_text("\n".join([lines[0], *lines[16:19]]) + "\n")
    result = ingest_files(workspace, "amlworld", [target])
    assert result.rows == 3


# -- row 11: a DTD in a payment message ------------------------------------------------------


def test_pacs008_entity_text_kept_verbatim_never_empty(workspace, tmp_path):
    text = PACS008.read_text()
    head, rest = text.split("?>", 1)
    body = rest.replace("<Nm>Ayesha Siddiqui</Nm>", "<Nm>Masood &az;</Nm>", 1)
    assert body != rest
    bad = tmp_path / "dtd.xml"
    bad.write_text(head + '?>\n<!DOCTYPE Document [<!ENTITY az "Azhar">]>' + body)
    ingest_files(workspace, "iso20022", [bad])
    names = {
        r[0]
        for r in workspace.query(
            "SELECT debtor_name FROM transactions UNION SELECT creditor_name FROM transactions"
        )
    }
    assert "Masood &az;" in names  # screened as written, never NULL, never "Azhar"
    assert not any(n and "Azhar" in n for n in names)


# -- row 16: PaySim step 1.5 -----------------------------------------------------------------


@pytest.mark.parametrize("step", ["1.5", "2.0", "1e1"])
def test_paysim_fractional_step_rejected(workspace, tmp_path, step):
    text = (FIXTURES / "paysim_12.csv").read_text().splitlines()
    bad = tmp_path / "steps.csv"
    bad.write_text("\n".join([text[0], text[1], step + text[2][1:]]) + "\n")
    with pytest.raises(InputError) as err:
        ingest_files(workspace, "paysim", [bad], start=PAYSIM_START)
    assert _only(err.value) == ("steps.csv", 3, "step", "not a whole number of hours")


# -- row 15 via the CLI: one line, exit 2 ----------------------------------------------------


def test_cli_bad_inputs_one_line_exit_2(workspace, tmp_path):
    ws_path = str(workspace.path)
    workspace.close()
    lines = AMLWORLD.read_text().splitlines()
    big = tmp_path / "two_mb.csv"
    big.write_text("\n".join(lines[:3]) + "x" * 2_000_000 + "\n")
    r = runner.invoke(app, ["ingest", "amlworld", str(big), "-w", ws_path])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    assert "two_mb.csv, record 3, field 'record'" in r.output


MAPPING = FIXTURES / "wallet_export.mapping.yaml"
WALLET = FIXTURES / "wallet_export.csv"


def _cli(ws_path: str, *args: str):
    r = runner.invoke(app, ["ingest", *args, "-w", ws_path])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1, r.output
    return r.output


def test_cli_bad_mappings_one_line_exit_2(workspace, tmp_path):
    ws_path = str(workspace.path)
    workspace.close()
    text = MAPPING.read_text()
    tz = tmp_path / "tz.yaml"
    tz.write_text(text.replace("timezone: Asia/Karachi", "timezone: posixrules"))
    assert "field 'timezone' (value 'posixrules')" in _cli(
        ws_path, "csv", str(WALLET), "--mapping", str(tz)
    )
    quote = tmp_path / "quote.yaml"
    quote.write_text(text.replace('delimiter: ";"', 'delimiter: ";"\nquote: ";"'))
    assert "field 'quote'" in _cli(ws_path, "csv", str(WALLET), "--mapping", str(quote))
    folder = tmp_path / "mapping_dir"
    folder.mkdir()
    assert "mapping_dir" in _cli(ws_path, "csv", str(WALLET), "--mapping", str(folder))
    (tmp_path / "loop_a").symlink_to(tmp_path / "loop_b")
    (tmp_path / "loop_b").symlink_to(tmp_path / "loop_a")
    assert "loop_a" in _cli(ws_path, "csv", str(WALLET), "--mapping", str(tmp_path / "loop_a"))


def test_cli_fifo_mapping_and_input_do_not_block(workspace, tmp_path):
    ws_path = str(workspace.path)
    workspace.close()
    fifo = tmp_path / "mapping.fifo"
    os.mkfifo(fifo)
    data_fifo = tmp_path / "data.csv"
    os.mkfifo(data_fifo)
    for args in (
        ["csv", str(WALLET), "--mapping", str(fifo)],
        ["amlworld", str(data_fifo)],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "cftwatch", "ingest", *args, "-w", ws_path],
            capture_output=True,
            text=True,
            timeout=60,  # a blocking open would hang here, not pass
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert done.returncode == 2, done.stderr
        assert "not a regular file" in done.stderr and "Traceback" not in done.stderr


def test_cli_mojaloop_deep_and_utf16_one_line_exit_2(workspace, tmp_path):
    ws_path = str(workspace.path)
    workspace.close()
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert "nested deeper than 64 levels" in _cli(ws_path, "mojaloop", str(deep))
    deep_lines = tmp_path / "deep.jsonl"
    deep_lines.write_text('{"transferId": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    assert "deep.jsonl, record 1" in _cli(ws_path, "mojaloop", str(deep_lines))
    utf16 = tmp_path / "utf16.json"
    utf16.write_text((FIXTURES / "mojaloop.jsonl").read_text(), encoding="utf-16")
    assert "field 'encoding'" in _cli(ws_path, "mojaloop", str(utf16))


def test_on_error_skip_skips_what_it_can(workspace, tmp_path):
    lines = AMLWORLD.read_text().splitlines()
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("\n".join([lines[0], "2999" + lines[1][4:], *lines[2:]]) + "\n")
    result = ingest_files(workspace, "amlworld", [mixed], on_error="skip")
    assert (result.rows, result.rejects) == (19, 1)
    assert workspace.query("SELECT record, field FROM rejects") == [(2, "Timestamp")]


def test_mojaloop_array_streams_like_json_lines(workspace, tmp_path):
    objs = [json.loads(x) for x in (FIXTURES / "mojaloop.jsonl").read_text().splitlines()]
    array = tmp_path / "array.json"
    array.write_text(json.dumps(objs, indent=1, ensure_ascii=False))
    result = ingest_files(workspace, "mojaloop", [array])
    ws2 = Workspace.init(tmp_path / "ws2")
    try:
        lines = ingest_files(ws2, "mojaloop", [FIXTURES / "mojaloop.jsonl"])
        assert result.rows == lines.rows > 0

        def without_ref(ws: Workspace) -> list[dict]:
            return [{k: v for k, v in r.items() if k != "source_ref"} for r in canonical_rows(ws)]

        assert without_ref(workspace) == without_ref(ws2)
    finally:
        ws2.close()
