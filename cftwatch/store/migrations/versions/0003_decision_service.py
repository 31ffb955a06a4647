"""The decision service: API keys (hashed) and the journal of evaluated payments.

Revision ID: 0003_decision_service
Revises: 0002_identity_chain
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cftwatch.store.models import UTCDateTime

revision = "0003_decision_service"
down_revision = "0002_identity_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_id", name="uq_api_keys_key_id"),
    )
    op.create_index("ix_api_keys_user", "api_keys", ["user"])
    op.create_table(
        "payment_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("payment_key", sa.String(200), nullable=False),
        sa.Column("ts", UTCDateTime(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("payment", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payment_decisions"),
        sa.UniqueConstraint("payment_key", name="uq_payment_decisions_payment_key"),
    )
    op.create_index("ix_payment_decisions_ts", "payment_decisions", ["ts"])
    _append_only("payment_decisions")


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on `table` in the database itself (as 0002 does)."""
    if op.get_context().dialect.name == "postgresql":
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
    op.drop_index("ix_payment_decisions_ts", table_name="payment_decisions")
    op.drop_table("payment_decisions")
    op.drop_index("ix_api_keys_user", table_name="api_keys")
    op.drop_table("api_keys")
