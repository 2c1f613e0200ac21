"""moderation settings off communities: the queue channel and whether moderators see reporters
move from the kernel's `communities` table to the moderation feature's own table, with their
values (a community that never changed them keeps no row: the defaults hold).

Revision ID: 0010_moderation_prefs
Revises: 0009_discreet_mode
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010_moderation_prefs"
down_revision: str | None = "0009_discreet_mode"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPY_UP = """
INSERT INTO mod_community_settings (platform, community_id, queue_channel,
                                    show_reporter_to_moderators)
SELECT platform, community_id, queue_channel, show_reporter_to_moderators
FROM communities
WHERE queue_channel IS NOT NULL OR show_reporter_to_moderators = :hidden
"""

COPY_DOWN = """
UPDATE communities SET
  queue_channel = (SELECT m.queue_channel FROM mod_community_settings m
                   WHERE m.platform = communities.platform
                     AND m.community_id = communities.community_id),
  show_reporter_to_moderators = COALESCE(
      (SELECT m.show_reporter_to_moderators FROM mod_community_settings m
       WHERE m.platform = communities.platform
         AND m.community_id = communities.community_id), :shown)
"""


def upgrade() -> None:
    op.create_table(
        "mod_community_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("queue_channel", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("show_reporter_to_moderators", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "community_id"),
    )
    op.get_bind().execute(sa.text(COPY_UP), {"hidden": False})
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("show_reporter_to_moderators")
        batch_op.drop_column("queue_channel")


def downgrade() -> None:
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue_channel", sa.VARCHAR(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "show_reporter_to_moderators",
                sa.BOOLEAN(),
                nullable=False,
                server_default=sa.true(),
            )
        )
    op.get_bind().execute(sa.text(COPY_DOWN), {"shown": True})
    op.drop_table("mod_community_settings")
