"""safety signals: one row per member, level and window

Revision ID: 0005_safety_signals
Revises: 0004_schedule_version
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0005_safety_signals"
down_revision: str | None = "0004_schedule_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "safety_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("newest_level", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("categories", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=True),
        sa.Column("card_message_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("reply_failed", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "community_id", "user_id", "level", "window_start"),
    )
    with op.batch_alter_table("safety_signals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_signals_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_safety_signals_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("safety_signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_signals_user_id"))
        batch_op.drop_index(batch_op.f("ix_safety_signals_community_id"))

    op.drop_table("safety_signals")
