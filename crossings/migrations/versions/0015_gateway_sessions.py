"""gateway sessions: what a later process needs to resume a crashed one's gateway session and run
the events it never recorded (adapters/discord/sessions.py)

Revision ID: 0015_gateway_sessions
Revises: 0014_inbox
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015_gateway_sessions"
down_revision: str | None = "0014_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_sessions",
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("resume_url", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )


def downgrade() -> None:
    op.drop_table("gateway_sessions")
