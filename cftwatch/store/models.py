"""Tables of the operational store (SQLAlchemy 2 typed ORM).

The Alembic migrations in `cftwatch/store/migrations/versions/` create exactly these
tables; a test compares the two so they cannot drift apart. Values that a stage reads
back are plain strings, numbers and JSON, so SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from cftwatch.vocab import SEVERITIES

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CASE_STATUSES = ("new", "in_review", "escalated", "reported", "closed_no_action")
"""Case statuses the database accepts (the workflow in `cftwatch.cases.workflow` moves
between them; a test keeps the two equal)."""
VERDICTS = ("true_match", "false_match")
EVIDENCE_KINDS = ("transaction", "screening_match", "document", "other")
DECISION_KINDS = ("status", "match")
ROLES = ("analyst", "supervisor", "admin")
"""Roles of the `users` table, each including the ones before it."""


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the operational store; use UTC")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class CaseRow(Base):
    """A case: one subject (party or account), its alerts, and where it is in the workflow."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("status", CASE_STATUSES), name="status"),
        CheckConstraint(_in("priority", SEVERITIES), name="priority"),
        Index("ix_cases_subject", "subject_type", "subject_id"),
        Index("ix_cases_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(200))
    subject_name: Mapped[str | None] = mapped_column(String(400))
    title: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    assignee: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)


class CaseAlertRow(Base):
    """An alert in a case, with a snapshot of the alert row as it was when it joined."""

    __tablename__ = "case_alerts"
    __table_args__ = (UniqueConstraint("alert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    alert_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32))
    rule_id: Mapped[str] = mapped_column(String(200))
    typology: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(String(200))


class EvidenceRow(Base):
    """A piece of evidence: a transaction, a screening match with its explanation, a document."""

    __tablename__ = "case_evidence"
    __table_args__ = (
        CheckConstraint(_in("kind", EVIDENCE_KINDS), name="kind"),
        UniqueConstraint("case_id", "kind", "ref", name="uq_case_evidence_case_kind_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(400))
    alert_id: Mapped[str | None] = mapped_column(String(200))
    explanation: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(String(200))


class NoteRow(Base):
    """An analyst's note. Never edited: a correction is a new note that `supersedes` the old."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))


class DecisionRow(Base):
    """A decision on a case: a status transition with its reason, or a screening-match verdict."""

    __tablename__ = "decisions"
    __table_args__ = (CheckConstraint(_in("kind", DECISION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    party_key: Mapped[str | None] = mapped_column(String(400))
    entity_id: Mapped[str | None] = mapped_column(String(400))
    verdict: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))


class JudgementRow(Base):
    """An analyst's verdict on a (party, list entity) pair; the newest row per pair wins."""

    __tablename__ = "match_judgements"
    __table_args__ = (
        CheckConstraint(_in("verdict", VERDICTS), name="verdict"),
        Index("ix_match_judgements_pair", "party_key", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_key: Mapped[str] = mapped_column(String(400))
    entity_id: Mapped[str] = mapped_column(String(400))
    verdict: Mapped[str] = mapped_column(String(32))
    entity_fingerprint: Mapped[str] = mapped_column(String(200))
    user: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("match_judgements.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """One change: who, when, what (entity, action, field) and the value before and after.

    Append-only: the migrations install database triggers that refuse UPDATE and DELETE,
    and each row carries the hash of the row before it (`cftwatch.store.chain`).
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    user: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(400))
    action: Mapped[str] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200))
    """Who really ran the command (the OS identity) when it differs from `user`."""
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


class UserRow(Base):
    """A user of the store and their role. A role change is audited; nobody is deleted."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"), UniqueConstraint("name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))


class ReportRow(Base):
    """A report file written for a case by the reporting stage (its bytes' hash, profile)."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    file_sha256: Mapped[str] = mapped_column(String(64))
    profile: Mapped[str] = mapped_column(String(64))
    report_code: Mapped[str | None] = mapped_column(String(16))
    path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))


class ApiKeyRow(Base):
    """An API key of a user: its public id and the SHA-256 of its secret (never the secret).
    Revoking sets `revoked_at`; the row stays, so the audit log can name the key."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("key_id"), Index("ix_api_keys_user", "user"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(200))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(200))


class PaymentDecisionRow(Base):
    """A payment evaluated by the decision service, with its decision and reasons, stored
    before the answer is sent. Append-only; `payment_key` (the txn_id, else the UETR) is
    unique, so the same payment sent twice is stored once. A batch `cftwatch monitor`
    sees these payments (`cftwatch.app.decide.sync_decided_payments`)."""

    __tablename__ = "payment_decisions"
    __table_args__ = (UniqueConstraint("payment_key"), Index("ix_payment_decisions_ts", "ts"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payment_key: Mapped[str] = mapped_column(String(200))
    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    """The payment's own time (the state is rebuilt from the recent ones)."""
    decision: Mapped[str] = mapped_column(String(16))
    payment: Mapped[dict[str, Any]] = mapped_column(JSON)
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str] = mapped_column(String(200))


class WebhookQueueRow(Base):
    """A webhook delivery to one target, kept until it is delivered or given up, so
    retries survive a restart. `lease_until`: the process that queued or resumed it owns
    it until then; a pending row whose lease ran out is resumed by any running server."""

    __tablename__ = "webhook_queue"
    __table_args__ = (
        UniqueConstraint("delivery_id", "url"),
        Index("ix_webhook_queue_state_lease", "state", "lease_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(2000))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    """pending | delivered | failed (given up, or refused by the receiver)."""
    attempts: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)


class WebhookAttemptRow(Base):
    """One attempt at a queued delivery: when, the HTTP status or the error, and whether
    it was the last one."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_queue_id", "queue_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("webhook_queue.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    final: Mapped[bool] = mapped_column(Boolean)
