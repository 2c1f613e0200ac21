"""web sessions: the dashboard's sessions kept server-side, so that they can end

Revision ID: 0007_web_sessions
Revises: 0006_safety_no_contact
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0007_web_sessions"
down_revision: str | None = "0006_safety_no_contact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("oauth_state", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_why", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sa.UniqueConstraint("oauth_state"),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_web_sessions_user", ["platform", "user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_web_sessions_ended_at"), ["ended_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_ended_at"))
        batch_op.drop_index("ix_web_sessions_user")

    op.drop_table("web_sessions")
