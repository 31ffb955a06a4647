"""The report model → a validated XML file: written to a temporary file in the target
folder, validated, then renamed into place; nothing is written when it does not validate."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cftwatch.reporting.fiu_profile import FiuProfile
from cftwatch.reporting.model import Report
from cftwatch.reporting.validate import ReportValidationError, Violation, validate_report
from cftwatch.reporting.writer import GoamlWriter


@dataclass(frozen=True)
class WrittenReport:
    """A report file that validated and was written."""

    path: Path
    sha256: str
    bytes: int
    report_code: str | None
    report_type: str
    transactions: int
    xsd: Path
    draft: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "sha256": self.sha256,
            "bytes": self.bytes,
            "report_code": self.report_code,
            "report_type": self.report_type,
            "transactions": self.transactions,
            "xsd": str(self.xsd),
        }


def write_goaml_report(
    report: Report,
    target: str | Path,
    *,
    profile: FiuProfile,
    xsd: str | Path | None = None,
    draft: bool = False,
) -> WrittenReport:
    """Write `report` to `target` only if it validates against the XSD (`xsd`, else the
    profile's bundled one) and the profile's mandatory fields. Otherwise nothing is written
    and `ReportValidationError` lists every violation, mapped to its field. A `draft`
    starts with an XML comment saying it is a draft, not a filed report."""
    xsd_path = profile.xsd_path(xsd)
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            with GoamlWriter(handle, draft=draft) as writer:
                writer.write_report(report)
            handle.flush()
            os.fsync(handle.fileno())
        violations = validate_report(tmp, xsd_path, report=report, profile=profile)
        if violations:
            raise ReportValidationError(violations, file=str(target))
        digest, size = _sha256(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return WrittenReport(
        path=target,
        sha256=digest,
        bytes=size,
        report_code=report.report_code,
        report_type=report.report_type,
        transactions=len(report.transactions),
        xsd=xsd_path,
        draft=draft,
    )


def check_goaml_report(
    report: Report, *, profile: FiuProfile, xsd: str | Path | None = None
) -> list[Violation]:
    """The violations `write_goaml_report` would raise, without writing anything."""
    buffer = io.BytesIO()
    with GoamlWriter(buffer) as writer:
        writer.write_report(report)
    return validate_report(buffer.getvalue(), profile.xsd_path(xsd), report=report, profile=profile)


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
