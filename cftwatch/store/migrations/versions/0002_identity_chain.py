"""Users and roles, the audit log's hash chain and acting identity, and append-only notes
and decisions.

Existing audit rows get their chain computed here, oldest first, so `cftwatch audit verify`
holds on an upgraded store.

Revision ID: 0002_identity_chain
Revises: 0001_initial
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cftwatch.store.chain import GENESIS, chain_rows
from cftwatch.store.models import UTCDateTime

revision = "0002_identity_chain"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

ROLES = ("analyst", "supervisor", "admin")
APPEND_ONLY = ("notes", "decisions")


def _postgres() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
        sa.CheckConstraint(
            "role IN (" + ", ".join(repr(r) for r in ROLES) + ")", name="ck_users_role"
        ),
    )
    for column in ("actor", "prev_hash", "row_hash"):
        size = 200 if column == "actor" else 64
        op.add_column("audit_log", sa.Column(column, sa.String(size), nullable=True))
    _chain_existing_rows()
    for table in APPEND_ONLY:
        _append_only(table)


def _chain_existing_rows() -> None:
    """Hash the rows written before this revision (the append-only trigger is lifted for
    the length of this transaction only)."""
    bind = op.get_bind()
    audit = sa.table(
        "audit_log",
        *(
            sa.column(c)
            for c in (
                "id",
                "user",
                "actor",
                "case_id",
                "entity_type",
                "entity_id",
                "action",
                "field",
                "before",
                "after",
                "prev_hash",
                "row_hash",
            )
        ),
        sa.column("at", UTCDateTime()),
    )
    rows = [dict(r._mapping) for r in bind.execute(sa.select(audit).order_by(audit.c.id))]
    if not rows:
        return
    if _postgres():
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
    for row in chain_rows(rows, GENESIS):
        bind.execute(
            audit.update()
            .where(audit.c.id == row["id"])
            .values(prev_hash=row["prev_hash"], row_hash=row["row_hash"])
        )
    if _postgres():
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on `table` in the database itself (0001's function on
    PostgreSQL, triggers on SQLite)."""
    if _postgres():
        if table == "audit_log":
            return
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION cftwatch_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def downgrade() -> None:
    for table in APPEND_ONLY:
        if _postgres():
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
    with op.batch_alter_table("audit_log") as batch:
        for column in ("row_hash", "prev_hash", "actor"):
            batch.drop_column(column)
    if not _postgres():  # SQLite's batch mode rebuilt the table without its triggers
        _append_only("audit_log")
    op.drop_table("users")
