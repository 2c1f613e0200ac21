"""prompt schedules: a version number, raised on every change (concurrent-edit detection)

Revision ID: 0004_schedule_version
Revises: 0003_outbox_batch
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004_schedule_version'
down_revision: str | None = '0003_outbox_batch'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('prompt_schedules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('prompt_schedules', schema=None) as batch_op:
        batch_op.drop_column('version')
