"""`cftwatch report` checks the acting user's role and logs who acted (issue 16, item 4):
filing needs a supervisor, a draft any user; an admin's `--user` is logged with the OS
user as `actor`, and nobody else may name another user."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from cftwatch.app.reporting import write_case_report
from cftwatch.store import AccessDenied, OperationalStore
from cftwatch.workspace import Workspace
from tests.reporting.test_cli import build_workspace, report


@pytest.fixture
def ws(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv("CFTWATCH_DB_URL", raising=False)
    monkeypatch.delenv("CFTWATCH_USER", raising=False)
    return build_workspace(tmp_path)


def _report_audit(ws: Path) -> list[tuple[str, str | None]]:
    with Workspace.open(ws) as opened, OperationalStore.for_workspace(opened) as store:
        rows = store.audit_entries()
    return [(r.user, r.actor) for r in rows if r.entity_type == "report"]


def test_an_analyst_cannot_file_a_report(ws: Path, tmp_path: Path):
    target = tmp_path / "r.xml"
    code, _, err = report(ws, "CASE-000001", "-o", str(target), "--user", "analyst")
    assert code == 2 and "analyst is analyst" in err and "supervisor" in err
    assert not target.exists() and _report_audit(ws) == []
    with Workspace.open(ws) as opened, pytest.raises(AccessDenied):
        write_case_report(opened, "CASE-000001", target, user="analyst")


def test_an_analyst_may_build_a_draft(ws: Path, tmp_path: Path):
    code, out, err = report(
        ws, "CASE-000001", "-o", str(tmp_path / "r.xml"), "-u", "analyst", "--draft"
    )
    assert code == 0, out + err
    assert (tmp_path / "r-DRAFT.xml").is_file() and _report_audit(ws) == []


def test_a_stranger_cannot_build_even_a_draft(ws: Path, tmp_path: Path):
    with Workspace.open(ws) as opened, pytest.raises(AccessDenied, match="not a user"):
        write_case_report(opened, "CASE-000001", tmp_path / "r.xml", user="nobody", draft=True)


def test_a_supervisor_files_and_the_audit_row_names_the_os_actor(ws: Path, tmp_path: Path):
    code, out, err = report(ws, "CASE-000001", "-o", str(tmp_path / "r.xml"), "--user", "mlro")
    assert code == 0, out + err
    assert _report_audit(ws) == [("mlro", getpass.getuser())]


def test_the_os_user_acting_as_themselves_has_no_separate_actor(ws: Path, tmp_path: Path):
    me = getpass.getuser()  # the admin of build_workspace's team: admin includes supervisor
    code, out, err = report(ws, "CASE-000001", "-o", str(tmp_path / "r.xml"))
    assert code == 0, out + err
    assert _report_audit(ws) == [(me, None)]


def test_actor_is_rechecked_in_the_reports_store(ws: Path, tmp_path: Path):
    """A caller passing an `actor` that is not an admin cannot file as someone else."""
    with Workspace.open(ws) as opened, pytest.raises(AccessDenied, match="may not act as"):
        write_case_report(opened, "CASE-000001", tmp_path / "r.xml", user="mlro", actor="analyst")
    assert _report_audit(ws) == []
