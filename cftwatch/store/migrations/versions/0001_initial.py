"""Initial operational store: cases, alerts, evidence, notes, decisions, judgements,
audit log (append-only, enforced by triggers) and report metadata.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cftwatch.store.models import UTCDateTime

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


STATUSES = ("new", "in_review", "escalated", "reported", "closed_no_action")
PRIORITIES = ("low", "medium", "high", "critical")
VERDICTS = ("true_match", "false_match")
EVIDENCE_KINDS = ("transaction", "screening_match", "document", "other")
DECISION_KINDS = ("status", "match")


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=f"pk_{table}")


def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=f"fk_{table}_case_id_cases")


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("subject_name", sa.String(400), nullable=True),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(200), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _pk("cases"),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_cases_status"),
        sa.CheckConstraint(_in("priority", PRIORITIES), name="ck_cases_priority"),
    )
    op.create_index("ix_cases_subject", "cases", ["subject_type", "subject_id"])
    op.create_index("ix_cases_status", "cases", ["status"])

    op.create_table(
        "case_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("rule_id", sa.String(200), nullable=False),
        sa.Column("typology", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        _pk("case_alerts"),
        _case_fk("case_alerts"),
        sa.UniqueConstraint("alert_id", name="uq_case_alerts_alert_id"),
    )
    op.create_index("ix_case_alerts_case_id", "case_alerts", ["case_id"])

    op.create_table(
        "case_evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(400), nullable=False),
        sa.Column("alert_id", sa.String(200), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        _pk("case_evidence"),
        _case_fk("case_evidence"),
        sa.CheckConstraint(_in("kind", EVIDENCE_KINDS), name="ck_case_evidence_kind"),
        sa.UniqueConstraint("case_id", "kind", "ref", name="uq_case_evidence_case_kind_ref"),
    )
    op.create_index("ix_case_evidence_case_id", "case_evidence", ["case_id"])

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _pk("notes"),
        _case_fk("notes"),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["notes.id"], name="fk_notes_supersedes_id_notes"
        ),
    )
    op.create_index("ix_notes_case_id", "notes", ["case_id"])

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=True),
        sa.Column("party_key", sa.String(400), nullable=True),
        sa.Column("entity_id", sa.String(400), nullable=True),
        sa.Column("verdict", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _pk("decisions"),
        _case_fk("decisions"),
        sa.CheckConstraint(_in("kind", DECISION_KINDS), name="ck_decisions_kind"),
    )
    op.create_index("ix_decisions_case_id", "decisions", ["case_id"])

    op.create_table(
        "match_judgements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("party_key", sa.String(400), nullable=False),
        sa.Column("entity_id", sa.String(400), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("entity_fingerprint", sa.String(200), nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _pk("match_judgements"),
        _case_fk("match_judgements"),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["match_judgements.id"],
            name="fk_match_judgements_supersedes_id_match_judgements",
        ),
        sa.CheckConstraint(_in("verdict", VERDICTS), name="ck_match_judgements_verdict"),
    )
    op.create_index("ix_match_judgements_pair", "match_judgements", ["party_key", "entity_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(400), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        _pk("audit_log"),
    )
    op.create_index("ix_audit_log_entity", "audit_log", ["entity_type", "entity_id"])
    op.create_index("ix_audit_log_case_id", "audit_log", ["case_id"])

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("profile", sa.String(64), nullable=False),
        sa.Column("report_code", sa.String(16), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _pk("reports"),
        _case_fk("reports"),
    )
    op.create_index("ix_reports_case_id", "reports", ["case_id"])

    _append_only("audit_log")


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on `table` in the database itself, whoever connects."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION cftwatch_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; "
            "$$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION cftwatch_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    for name in (
        "reports",
        "audit_log",
        "match_judgements",
        "decisions",
        "notes",
        "case_evidence",
        "case_alerts",
        "cases",
    ):
        op.drop_table(name)
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cftwatch_append_only()")
