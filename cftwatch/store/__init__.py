"""The operational store (SQLAlchemy 2 + Alembic): cases, decisions, match judgements,
the append-only audit log and report metadata. SQLite in the workspace by default,
PostgreSQL from `CFTWATCH_DB_URL`."""

from __future__ import annotations

from cftwatch.store.records import (
    AuditEntry,
    Judgement,
    ReportRecord,
    Verdict,
    format_case_id,
    parse_case_id,
)
from cftwatch.store.store import OperationalStore, StoreError, head_revision, utcnow

__all__ = [
    "AuditEntry",
    "Judgement",
    "OperationalStore",
    "ReportRecord",
    "StoreError",
    "Verdict",
    "format_case_id",
    "head_revision",
    "parse_case_id",
    "utcnow",
]
