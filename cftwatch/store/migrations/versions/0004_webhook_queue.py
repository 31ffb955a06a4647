"""Webhook deliveries queued in the store, with every attempt, so retries survive a restart.

Revision ID: 0004_webhook_queue
Revises: 0003_decision_service
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cftwatch.store.models import UTCDateTime

revision = "0004_webhook_queue"
down_revision = "0003_decision_service"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_queue",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.String(32), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_queue"),
        sa.UniqueConstraint("delivery_id", "url", name="uq_webhook_queue_delivery_id"),
    )
    op.create_index("ix_webhook_queue_state_lease", "webhook_queue", ["state", "lease_until"])
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_attempts"),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["webhook_queue.id"], name="fk_webhook_attempts_queue_id_webhook_queue"
        ),
    )
    op.create_index("ix_webhook_attempts_queue_id", "webhook_attempts", ["queue_id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_attempts_queue_id", table_name="webhook_attempts")
    op.drop_table("webhook_attempts")
    op.drop_index("ix_webhook_queue_state_lease", table_name="webhook_queue")
    op.drop_table("webhook_queue")
