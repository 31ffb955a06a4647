"""Case management: alerts triaged into cases by subject, the status workflow, notes,
decisions (status and screening-match verdicts) and evidence, all audited in the
operational store. The reporting stage reads a case through `CaseService.case_bundle`."""

from __future__ import annotations

from cftwatch.cases.records import (
    Case,
    CaseAlert,
    CaseBundle,
    Decision,
    Evidence,
    Note,
    Subject,
)
from cftwatch.cases.service import DEFAULT_DUE_DAYS, CaseService
from cftwatch.cases.workflow import (
    OPEN_STATUSES,
    STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
    workflow_table,
)

__all__ = [
    "DEFAULT_DUE_DAYS",
    "OPEN_STATUSES",
    "STATUSES",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "Case",
    "CaseAlert",
    "CaseBundle",
    "CaseService",
    "Decision",
    "Evidence",
    "Note",
    "Subject",
    "workflow_table",
]
