"""The operational store (SQLAlchemy 2 + Alembic): cases, decisions, match judgements,
the append-only audit log and report metadata. SQLite in the workspace by default,
PostgreSQL from `CFTWATCH_DB_URL`.

This module is the store's whole public face: the case domain (`cftwatch.cases`) and
every other caller import from here, never from `store.models` or `store.store`. The
store sits below the stages and knows nothing of them.
"""

from __future__ import annotations

from cftwatch.store.chain import GENESIS
from cftwatch.store.journal import (
    NewDecision,
    PaymentDecision,
    decisions_since,
    newest_payment_time,
    payment_fields_since,
    store_decision,
    store_decisions,
    stored_decision,
)
from cftwatch.store.keys import (
    ApiKeyRecord,
    KeyOwner,
    create_key,
    key_owner,
    list_keys,
    revoke_key,
)
from cftwatch.store.models import (
    CASE_STATUSES,
    DECISION_KINDS,
    EVIDENCE_KINDS,
    ROLES,
    VERDICTS,
    CaseAlertRow,
    CaseRow,
    DecisionRow,
    EvidenceRow,
    NoteRow,
    ReportRow,
)
from cftwatch.store.records import (
    AuditEntry,
    CaseId,
    Judgement,
    Record,
    ReportRecord,
    Verdict,
    format_case_id,
    parse_case_id,
)
from cftwatch.store.store import (
    OperationalStore,
    StoreError,
    head_revision,
    in_chunks,
    utcnow,
)
from cftwatch.store.users import AccessDenied, UserRecord, valid_user_name

__all__ = [
    "CASE_STATUSES",
    "DECISION_KINDS",
    "EVIDENCE_KINDS",
    "GENESIS",
    "ROLES",
    "VERDICTS",
    "AccessDenied",
    "ApiKeyRecord",
    "AuditEntry",
    "CaseAlertRow",
    "CaseId",
    "CaseRow",
    "DecisionRow",
    "EvidenceRow",
    "Judgement",
    "KeyOwner",
    "NewDecision",
    "NoteRow",
    "OperationalStore",
    "PaymentDecision",
    "Record",
    "ReportRecord",
    "ReportRow",
    "StoreError",
    "UserRecord",
    "Verdict",
    "create_key",
    "decisions_since",
    "format_case_id",
    "head_revision",
    "in_chunks",
    "key_owner",
    "list_keys",
    "newest_payment_time",
    "parse_case_id",
    "payment_fields_since",
    "revoke_key",
    "store_decision",
    "store_decisions",
    "stored_decision",
    "utcnow",
    "valid_user_name",
]
