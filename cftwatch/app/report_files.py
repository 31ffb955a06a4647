"""Filed report files for the API: where the server writes them and how one is read back.

The server writes each report under `<workspace>/reports/` with a name it makes itself
(`CASE-000042-20261201T132700123456Z.xml`), never a path a request names. Reading a
filed report back checks its bytes against the hash recorded when it was filed, so a
file changed on disk since is refused, not served."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from cftwatch.errors import ConflictError, NotFoundError
from cftwatch.store import OperationalStore, ReportRecord, format_case_id, parse_case_id

__all__ = ["REPORTS_DIR", "new_report_path", "report_file", "report_record"]

REPORTS_DIR = "reports"


def new_report_path(root: str | Path, case_id: str | int) -> Path:
    """A fresh file name for a case's report under the workspace's reports folder."""
    folder = Path(root) / REPORTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return folder / f"{format_case_id(parse_case_id(case_id))}-{stamp}.xml"


def report_record(store: OperationalStore, report_id: int) -> ReportRecord:
    for record in store.reports():
        if record.id == report_id:
            return record
    raise NotFoundError(f"no filed report {report_id}")


def report_file(store: OperationalStore, report_id: int) -> tuple[ReportRecord, bytes]:
    """A filed report and its XML, checked against the recorded sha256."""
    record = report_record(store, report_id)
    if not record.path:
        raise NotFoundError(f"report {report_id} was filed without a file path")
    try:
        content = Path(record.path).read_bytes()
    except OSError as exc:
        raise NotFoundError(f"report {report_id}: its file is gone ({exc.strerror})") from exc
    if hashlib.sha256(content).hexdigest() != record.file_sha256:
        raise ConflictError(
            f"report {report_id}: the file changed since it was filed (sha256 differs); not served"
        )
    return record, content
