"""outbox: lanes (per-channel order) and partial indexes for batch leasing

Revision ID: 0003_outbox_batch
Revises: 0002_support_hsds
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003_outbox_batch"
down_revision: str | None = "0002_support_hsds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def _lane(payload: str) -> str:
    """bot.kernel.pacing.lane_of_payload as it was when this migration was written."""
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    user = data.get("user_id")
    if data.get("__t") in ("SendPrivate", "PublishHome") and user:
        return f"dm:{user}"[:120]
    place = data.get("place") or {}
    target = (place.get("thread") or place.get("channel")) if isinstance(place, dict) else None
    if target:
        return f"ch:{target}"[:120]
    return f"member:{user}"[:120] if user else ""


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lane", sa.String(length=120), nullable=False, server_default="")
        )
    # Entries still waiting keep their order from now on.
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, payload FROM outbox WHERE status = 'pending'"))
    lanes = [{"i": row[0], "l": _lane(row[1])} for row in rows]
    if lanes:
        bind.execute(sa.text("UPDATE outbox SET lane = :l WHERE id = :i"), lanes)
    op.create_index(
        "ix_outbox_pending_due",
        "outbox",
        ["platform", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index(
        "ix_outbox_pending_lane",
        "outbox",
        ["platform", "lane", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_pending_lane", table_name="outbox")
    op.drop_index("ix_outbox_pending_due", table_name="outbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("lane")
