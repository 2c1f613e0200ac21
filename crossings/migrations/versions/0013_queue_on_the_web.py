"""the queue on the web: who claimed a crisis alert, and where an appeal's card is

Revision ID: 0013_queue_on_the_web
Revises: 0012_rate_buckets
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0013_queue_on_the_web"
down_revision: str | None = "0012_rate_buckets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("safety_signals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("mod_appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_message_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mod_appeals", schema=None) as batch_op:
        batch_op.drop_column("card_message_id")
    with op.batch_alter_table("safety_signals", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by")
