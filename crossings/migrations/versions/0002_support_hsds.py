"""support directory: HSDS 3 status, extra fields, fractional ages

Revision ID: 0002_support_hsds
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002_support_hsds'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('support_organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('support_services', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                      server_default='active')
        )
        batch_op.add_column(sa.Column('extra', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.alter_column('minimum_age', type_=sa.Float(), existing_type=sa.Integer())
        batch_op.alter_column('maximum_age', type_=sa.Float(), existing_type=sa.Integer())


def downgrade() -> None:
    with op.batch_alter_table('support_services', schema=None) as batch_op:
        batch_op.alter_column('maximum_age', type_=sa.Integer(), existing_type=sa.Float())
        batch_op.alter_column('minimum_age', type_=sa.Integer(), existing_type=sa.Float())
        batch_op.drop_column('extra')
        batch_op.drop_column('status')
    with op.batch_alter_table('support_organizations', schema=None) as batch_op:
        batch_op.drop_column('extra')
