"""Issue 16, rows 12 and 13: a list server that drips bytes or sends too much, and a list
older than the active one. The server is a local loopback one; every wait is bounded."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from cftwatch.cli import app
from cftwatch.errors import ListFormatError
from cftwatch.lists import list_versions, load_list, update_lists
from tests.lists.conftest import FIX

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


class _Dripping(http.server.SimpleHTTPRequestHandler):
    """`/drip/N`: one byte every 0.2 s for N bytes, no Content-Length; other paths: files."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.path.startswith("/drip/"):
            super().do_GET()
            return
        self.send_response(200)
        self.end_headers()
        try:
            for _ in range(int(self.path.rsplit("/", 1)[1])):
                self.wfile.write(b"<")
                self.wfile.flush()
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    shutil.copy(FIX / "un_v1.xml", root / "un_v1.xml")
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Dripping, directory=str(root))
    )
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _downloads(ws) -> list[str]:
    folder = ws.path / "lists" / "downloads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_dripping_server_stops_at_the_deadline_and_leaves_nothing(workspace, server):
    started = time.monotonic()
    (result,) = update_lists(workspace, ["un"], {"un": f"{server}/drip/1000"}, timeout=1.5)
    took = time.monotonic() - started
    assert result.status == "failed" and "longer than 1.5 s" in result.error
    assert took < 4, took  # the deadline, not 1000 x 0.2 s
    assert _downloads(workspace) == []
    assert list_versions(workspace, "un") == []


def test_size_cap_refuses_big_downloads_and_deletes_them(workspace, server):
    (capped,) = update_lists(workspace, ["un"], {"un": f"{server}/un_v1.xml"}, max_bytes=100)
    assert capped.status == "failed" and "larger than the limit of 100 bytes" in capped.error
    (dripped,) = update_lists(workspace, ["un"], {"un": f"{server}/drip/20"}, max_bytes=5)
    assert dripped.status == "failed" and "larger than the limit of 5 bytes" in dripped.error
    assert _downloads(workspace) == []


def test_failed_load_deletes_its_download(workspace, server):
    (result,) = update_lists(workspace, ["un"], {"un": f"{server}/drip/3"}, timeout=5)
    assert result.status == "failed"  # three bytes are not a UN list
    assert _downloads(workspace) == []


def test_workspace_not_locked_while_downloading(workspace, server):
    ws_path = str(workspace.path)
    workspace.scalar("SELECT count(*) FROM loads")  # the connection is open (and locks)
    results: list = []
    thread = threading.Thread(
        target=lambda: results.extend(
            update_lists(workspace, ["un"], {"un": f"{server}/drip/1000"}, timeout=8)
        )
    )
    thread.start()
    try:
        time.sleep(0.5)
        reader = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from cftwatch.workspace import Workspace; "
                "print(Workspace.open(sys.argv[1]).scalar('SELECT count(*) FROM loads'))",
                ws_path,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        thread.join(timeout=30)
    assert reader.returncode == 0, reader.stderr[-500:]
    assert reader.stdout.strip() == "0"
    assert results and results[0].status == "failed"


def test_older_un_list_refused_with_both_dates(workspace):
    load_list(workspace, FIX / "un_v2.xml", "un")
    with pytest.raises(ListFormatError) as err:
        load_list(workspace, FIX / "un_v1.xml", "un")
    text = str(err.value)
    assert "2026-02-27T00:00:09.554000+00:00" in text and "2026-03-06T00:00:10+00:00" in text
    assert "--allow-older" in text
    assert [v.version_id for v in list_versions(workspace, "un") if v.active] == ["un-v1"]
    older = load_list(workspace, FIX / "un_v1.xml", "un", allow_older=True)
    assert older.active and older.version_id == "un-v2"


def test_cli_allow_older(workspace):
    ws_path = str(workspace.path)
    workspace.close()
    assert (
        runner.invoke(
            app, ["lists", "load", str(FIX / "un_v2.xml"), "-s", "un", "-w", ws_path]
        ).exit_code
        == 0
    )
    refused = runner.invoke(
        app, ["lists", "load", str(FIX / "un_v1.xml"), "-s", "un", "-w", ws_path]
    )
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "before the active version" in refused.output
    allowed = runner.invoke(
        app, ["lists", "load", str(FIX / "un_v1.xml"), "-s", "un", "--allow-older", "-w", ws_path]
    )
    assert allowed.exit_code == 0, allowed.output


def _shared_strings_xlsx(src: Path, dst: Path, *, entity: bool) -> None:
    """`src` (inline strings, as openpyxl writes) rewritten with a sharedStrings.xml, as
    Excel writes; with `entity`, that part declares an entity and uses it in a name."""
    strings: list[str] = []

    def to_shared(m: re.Match) -> str:
        strings.append(m.group(2))
        return f'<c r="{m.group(1)}" t="s"><v>{len(strings) - 1}</v></c>'

    ss_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    ss_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
        for name in z.namelist():
            data = z.read(name).decode()
            if name == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    r'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>(.*?)</t></is></c>', to_shared, data
                )
            elif name == "[Content_Types].xml":
                part = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ss_type}"/>'
                data = data.replace("</Types>", part + "</Types>")
            elif name == "xl/_rels/workbook.xml.rels":
                rel = f'<Relationship Id="rIdSS" Type="{ss_rel}" Target="sharedStrings.xml"/>'
                data = data.replace("</Relationships>", rel + "</Relationships>")
            out.writestr(name, data)
        items = "".join(f"<si><t>{s}</t></si>" for s in strings)
        dtd = ""
        if entity:
            items = items.replace("<si><t>", "<si><t>&az; ", 1)
            dtd = '<!DOCTYPE sst [<!ENTITY az "Azhar">]>'
        out.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>{dtd}<sst xmlns="http://schemas.openxml'
            f'formats.org/spreadsheetml/2006/main" count="{len(strings)}">{items}</sst>',
        )


def test_uk_xlsx_with_entity_in_shared_strings_refused(workspace, tmp_path):
    inline = tmp_path / "inline.xlsx"
    openpyxl.load_workbook(FIX / "uk_conlist.xlsx").save(inline)
    plain, hostile = tmp_path / "plain.xlsx", tmp_path / "hostile.xlsx"
    _shared_strings_xlsx(inline, plain, entity=False)
    _shared_strings_xlsx(inline, hostile, entity=True)
    ws_path = str(workspace.path)
    workspace.close()
    r = runner.invoke(app, ["lists", "load", str(hostile), "-s", "uk", "-w", ws_path])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    assert "hostile.xlsx:xl/sharedStrings.xml, record 1, field 'DOCTYPE'" in r.output
    # the same workbook without the DTD loads (so the refusal is the entity's)
    r = runner.invoke(app, ["lists", "load", str(plain), "-s", "uk", "-w", ws_path, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["entities"] == 4
