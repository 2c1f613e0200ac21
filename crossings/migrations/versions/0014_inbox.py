"""inbox: inbound events stored before the platform is acknowledged, run under a lease

The table has the outbox's columns (bot.kernel.delivery.batch leases, renews and settles both);
`dedupe_key` is the platform's event id, so a retried event finds its row.

Revision ID: 0014_inbox
Revises: 0013_queue_on_the_web
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0014_inbox"
down_revision: str | None = "0013_queue_on_the_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("lane", sa.String(length=120), server_default="", nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=96), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_created_at", ["created_at"])
        batch_op.create_index("ix_inbox_next_attempt_at", ["next_attempt_at"])
        batch_op.create_index("ix_inbox_platform", ["platform"])
        batch_op.create_index("ix_inbox_status", ["status"])
        batch_op.create_index(
            "ix_inbox_pending_due",
            ["platform", "id"],
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )
        batch_op.create_index(
            "ix_inbox_pending_lane",
            ["platform", "lane", "id"],
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )


def downgrade() -> None:
    op.drop_table("inbox")
