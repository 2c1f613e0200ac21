"""safety signals: the member asked not to be contacted

Revision ID: 0006_safety_no_contact
Revises: 0005_safety_signals
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0006_safety_no_contact"
down_revision: str | None = "0005_safety_signals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("safety_signals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("no_contact", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("safety_signals", schema=None) as batch_op:
        batch_op.drop_column("no_contact")
