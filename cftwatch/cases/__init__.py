"""Case management: alerts triaged into cases by subject, the status workflow, notes,
decisions (status and screening-match verdicts) and evidence, all audited in the
operational store. The reporting stage reads a case through `CaseService.case_bundle`.

`CaseService` is the facade; the work lives in one module per job: `triage`, `fields`
(versioned case fields), `decisions` (status moves), `notes`, `evidence`, `matches`
(match verdicts), `reading`, and `alerts` (the workspace alerts triage reads). The
store is reached only through `cftwatch.store`'s public API."""

from __future__ import annotations

from cftwatch.cases.alerts import alerts_to_triage
from cftwatch.cases.matches import match_keys
from cftwatch.cases.records import (
    Case,
    CaseAlert,
    CaseBundle,
    Decision,
    Evidence,
    Note,
    Subject,
)
from cftwatch.cases.service import CaseService, case_service, resolve_user
from cftwatch.cases.triage import DEFAULT_DUE_DAYS, REQUIRED_ALERT_COLUMNS
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
    "REQUIRED_ALERT_COLUMNS",
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
    "alerts_to_triage",
    "case_service",
    "match_keys",
    "resolve_user",
    "workflow_table",
]
