"""discreet mode: members who asked the bot never to write first, and their safety signals

Revision ID: 0009_discreet_mode
Revises: 0008_directory_layers
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0009_discreet_mode"
down_revision: str | None = "0008_directory_layers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member_prefs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("discreet", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("safety_signals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("discreet", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("safety_signals", schema=None) as batch_op:
        batch_op.drop_column("discreet")
    with op.batch_alter_table("member_prefs", schema=None) as batch_op:
        batch_op.drop_column("discreet")
