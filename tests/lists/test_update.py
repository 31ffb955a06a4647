"""`update_lists` against a local HTTP server on loopback (no test touches the internet)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from cftwatch.errors import ConfigError
from cftwatch.lists import active_entities, list_versions, update_lists
from tests.lists.conftest import FIX


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        if self.path.startswith("/lying/"):
            # announces more bytes than it sends: an interrupted download
            data = (Path(self.directory) / self.path.split("/", 2)[2]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data) + 100))
            self.end_headers()
            self.wfile.write(data)
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    for name in (
        "un_v1.xml",
        "un_v2.xml",
        "un_truncated.xml",
        "ofac_nonsdn.xml",
        "uk_conlist.xlsx",
        "eu_fsf.xml",
    ):
        shutil.copy(FIX / name, root / name)
    csvdir = root / "ofac"
    csvdir.mkdir()
    for kind in ("sdn", "alt", "add"):
        shutil.copy(FIX / f"ofac_{kind}.csv", csvdir / f"{kind.upper()}.CSV")
    handler = functools.partial(_Handler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_update_downloads_verifies_and_activates(workspace, server):
    urls = {
        "un": f"{server}/un_v1.xml",
        "ofac": f"{server}/ofac/SDN.CSV",
        "uk": f"{server}/uk_conlist.xlsx",
        "eu": f"{server}/eu_fsf.xml",
    }
    results = update_lists(workspace, ["un", "ofac", "uk", "eu"], urls)
    assert [(r.source, r.status) for r in results] == [
        ("un", "loaded"),
        ("ofac", "loaded"),
        ("uk", "loaded"),
        ("eu", "loaded"),
    ]
    assert results[1].version.entities == 15  # SDN + ALT + ADD fetched as a set
    assert len(results[1].files) == 3
    assert results[0].version.source_url == urls["un"]
    assert active_entities(workspace).num_rows == 11 + 15 + 4 + 3
    downloads = sorted(p.name for p in (workspace.path / "lists" / "downloads").iterdir())
    assert len(downloads) == 6
    # the same content again: nothing new stored
    again = update_lists(workspace, ["un"], urls)
    assert again[0].status == "unchanged"
    # a newer publication becomes active
    newer = update_lists(workspace, ["un"], {"un": f"{server}/un_v2.xml"})
    assert newer[0].status == "loaded" and newer[0].version.version_id == "un-v2"


def test_failed_downloads_keep_the_previous_version(workspace, server):
    update_lists(workspace, ["un"], {"un": f"{server}/un_v1.xml"})
    results = update_lists(
        workspace,
        ["un", "ofac-nonsdn"],
        {"un": f"{server}/un_truncated.xml", "ofac-nonsdn": f"{server}/missing.xml"},
    )
    assert [r.status for r in results] == ["failed", "failed"]
    assert "truncated" in results[0].error
    assert "HTTP 404" in results[1].error
    lying = update_lists(workspace, ["un"], {"un": f"{server}/lying/un_v2.xml"})
    assert lying[0].status == "failed" and "incomplete" in lying[0].error
    assert [(v.version_id, v.active) for v in list_versions(workspace, "un")] == [("un-v1", True)]


def test_urls_come_from_workspace_config(workspace, server):
    workspace.config.lists["urls"] = {"ofac-nonsdn": f"{server}/ofac_nonsdn.xml"}
    results = update_lists(workspace, ["ofac-nonsdn"])
    assert results[0].status == "loaded"
    assert results[0].version.list_id == "ofac-nonsdn" and results[0].version.entities == 7
    workspace.config.lists["urls"] = {"un": "file:///etc/passwd"}
    with pytest.raises(ConfigError, match="http"):
        update_lists(workspace, ["un"])
