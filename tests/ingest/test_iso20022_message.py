"""The single-message ISO 20022 reader (`read_message`, one parse and one tree walk, used
by the decision service) agrees with the file reader's streaming path on every message:
the same staged rows, and the same errors word for word."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from cftwatch.errors import InputError
from cftwatch.ingest import iso20022
from cftwatch.ingest.iso20022 import read_message, read_message_streamed

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "ingest"
MESSAGES = sorted(
    [*FIXTURES.glob("*.xml"), *(FIXTURES / "bad").glob("*.xml"), *iso20022.FORMAT.samples],
    key=str,
)
NS = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"
ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY az "Azhar">]>'
    f'<Document xmlns="{NS}"><FIToFICstmrCdtTrf><GrpHdr><MsgId>M1</MsgId></GrpHdr>'
    "<CdtTrfTxInf><Dbtr><Nm>Masood &az;</Nm></Dbtr><!-- a comment --></CdtTrfTxInf>"
    "</FIToFICstmrCdtTrf></Document>"
).encode()
BAD = {
    "empty": b"",
    "blank": b"   \n",
    "no namespace": b"<Document><x/></Document>",
    "unclosed": b"<x",
    "truncated": f'<Document xmlns="{NS}"><FIToFICstmrCdtTrf><CdtTrfTxInf>'.encode(),
    "no transfers": f'<Document xmlns="{NS}"><FIToFICstmrCdtTrf/></Document>'.encode(),
    "other message": b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.009.001.08"/>',
}


def _outcome(read, data: bytes):
    try:
        return read(data, "message")
    except InputError as exc:
        return ("InputError", exc.to_dict())


def test_every_fixture_message_is_read():
    assert len(MESSAGES) >= 8
    assert any("pain001" in m.name for m in MESSAGES)


@pytest.mark.parametrize("path", MESSAGES, ids=lambda p: p.name)
def test_same_rows_and_errors_as_the_file_reader(path):
    data = path.read_bytes()
    one_pass, streamed = _outcome(read_message, data), _outcome(read_message_streamed, data)
    assert one_pass == streamed
    if isinstance(streamed, list):  # a readable message: every column, in the same order
        assert [list(r) for r in one_pass] == [list(r) for r in streamed]
        assert all(r["txn_id"] and r["_where"].startswith("CdtTrfTxInf ") for r in one_pass)


@pytest.mark.parametrize("name", sorted(BAD))
def test_same_error_on_bad_messages(name):
    streamed = _outcome(read_message_streamed, BAD[name])
    assert streamed[0] == "InputError"
    assert _outcome(read_message, BAD[name]) == streamed


def test_entities_kept_verbatim_and_comments_dropped():
    rows = read_message(ENTITY)
    assert rows == read_message_streamed(ENTITY)
    assert rows[0]["debtor_name"] == "Masood &az;"


def test_many_transfers_keep_document_order():
    data = (FIXTURES / "pacs008_v08.xml").read_bytes()
    rows = read_message(data)
    assert [r["_rec"] for r in rows] == list(range(1, len(rows) + 1))
    assert len({r["txn_id"] for r in rows}) == len(rows)


def test_threads_read_at_once():
    data = [p.read_bytes() for p in MESSAGES if "bad" not in p.parts]
    expected = [read_message_streamed(d) for d in data]
    failures: list[int] = []

    def work() -> None:
        for _ in range(20):
            for d, want in zip(data, expected, strict=True):
                if read_message(d) != want:
                    failures.append(1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
