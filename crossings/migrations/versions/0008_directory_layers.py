"""support directory layers: each row has an owner (shipped, operator or one community), hidden
entries, layer revisions and the operator log

Today's rows move to the layer they belong in:
- a row whose id is in content/directory/services.json goes to the shipped layer (the bot then
  brings it back to what ships, undoing any change made to it);
- every other row goes to the operator layer when no community ever imported through the
  dashboard (so it can only have come from `crossings directory import`); otherwise nobody can
  tell whose it is, and it goes to the "unclaimed" layer, which nobody is shown, until the
  operator runs `crossings directory claim operator|PLATFORM:COMMUNITY_ID` (listed by
  `crossings directory check`).
An organization is copied into every layer whose services name it. The operator log records
what was moved.

Revision ID: 0008_directory_layers
Revises: 0007_web_sessions
"""

import json
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

from bot.kernel.paths import CONTENT_DIR

revision: str = "0008_directory_layers"
down_revision: str | None = "0007_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("support_organizations", "support_services")


def _shipped_ids() -> set[str]:
    path = CONTENT_DIR / "directory" / "services.json"
    try:
        docs = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {str(d["id"]) for d in docs if isinstance(d, dict) and d.get("id")}


def _set_primary_key(table: str, columns: list[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        with warnings.catch_warnings():  # batch mode says it is replacing the old key: it is
            warnings.simplefilter("ignore")
            with op.batch_alter_table(table, recreate="always") as batch_op:
                batch_op.create_primary_key(f"{table}_pkey", columns)
    else:
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.create_primary_key(f"{table}_pkey", table, columns)


def upgrade() -> None:
    _add_columns()
    _create_tables()
    for table in TABLES:
        _set_primary_key(table, ["platform", "community_id", "id"])
    _move_rows()


def _add_columns() -> None:
    """Each row's layer (its owner) on both tables; who added a service and when."""
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "platform",
                    sqlmodel.sql.sqltypes.AutoString(length=16),
                    nullable=False,
                    server_default="",
                )
            )
            batch_op.add_column(
                sa.Column(
                    "community_id",
                    sqlmodel.sql.sqltypes.AutoString(length=64),
                    nullable=False,
                    server_default="",
                )
            )
    with op.batch_alter_table("support_services", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("added_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def _create_tables() -> None:
    op.create_table(
        "support_hidden",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("service_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("hidden_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "community_id", "service_id"),
    )
    with op.batch_alter_table("support_hidden", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_hidden_community_id"), ["community_id"], unique=False
        )
    op.create_table(
        "support_layers",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("platform", "community_id"),
    )
    op.create_table(
        "support_operator_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("layer", sqlmodel.sql.sqltypes.AutoString(length=82), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("support_operator_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_operator_log_at"), ["at"], unique=False)


def _move_rows() -> None:
    """Each of today's rows into its layer (see the module's docstring)."""
    bind = op.get_bind()
    meta = sa.MetaData()
    services = sa.Table("support_services", meta, autoload_with=bind)
    orgs = sa.Table("support_organizations", meta, autoload_with=bind)
    audit = sa.Table("mod_audit", meta, autoload_with=bind)
    log = sa.Table("support_operator_log", meta, autoload_with=bind)
    shipped = _shipped_ids()
    rows = bind.execute(sa.select(services.c.id, services.c.organization_id)).all()
    if not rows and not bind.execute(sa.select(sa.func.count()).select_from(orgs)).scalar():
        return
    imports = bind.execute(
        sa.select(sa.func.count())
        .select_from(audit)
        .where(audit.c.action == "web directory import")
    ).scalar_one()
    rest = "unclaimed" if imports else "operator"
    layer_of = {sid: ("shipped" if sid in shipped else rest) for sid, _ in rows}
    for name in ("shipped", rest):
        ids = sorted(sid for sid, layer in layer_of.items() if layer == name)
        for start in range(0, len(ids), 500):
            bind.execute(
                services.update()
                .where(services.c.id.in_(ids[start : start + 500]))
                .values(community_id=name)
            )
    # Organizations: one copy in each layer whose services name it; unused ones to `rest`.
    wanted: dict[str, set[str]] = {}
    for sid, oid in rows:
        wanted.setdefault(oid, set()).add(layer_of[sid])
    org_rows = [dict(r) for r in bind.execute(sa.select(orgs)).mappings()]
    bind.execute(orgs.delete())
    copies = [
        {**org, "platform": "", "community_id": layer}
        for org in org_rows
        for layer in sorted(wanted.get(org["id"], {rest}))
    ]
    if copies:
        bind.execute(orgs.insert(), copies)
    counts = {name: sum(1 for x in layer_of.values() if x == name) for name in ("shipped", rest)}
    _log(bind, log, rest, counts, imports)


def _log(bind: Any, log: sa.Table, rest: str, counts: dict[str, int], imports: int) -> None:
    """What the migration moved, in the operator log."""
    summary = (
        f"layers migration: {counts['shipped']} entries to the shipped layer, "
        f"{counts[rest]} to the {rest} layer"
        + (
            f" ({imports} dashboard imports before: whose they are is unknown; "
            "claim them with `crossings directory claim`)"
            if imports
            else ""
        )
    )
    bind.execute(
        log.insert().values(
            at=datetime.now(UTC),
            actor="migration",
            action="layers migration",
            layer=rest,
            summary=summary,
            details={"counts": counts, "dashboard_imports": imports},
        )
    )


def downgrade() -> None:
    """Back to one shared directory: a community's own entries and hidden entries are dropped
    (kept, every community would see them); where layers share an id, the operator's row is
    kept, then the shipped one, then an unclaimed one."""
    bind = op.get_bind()
    meta = sa.MetaData()
    for name in TABLES:
        table = sa.Table(name, meta, autoload_with=bind)
        bind.execute(table.delete().where(table.c.platform != ""))
        kept: set[str] = set()
        for layer in ("operator", "shipped", "unclaimed"):
            ids = {
                r[0]
                for r in bind.execute(
                    sa.select(table.c.id).where(table.c.community_id == layer)
                )
            }
            doubled = sorted(ids & kept)
            for start in range(0, len(doubled), 500):
                bind.execute(
                    table.delete().where(
                        table.c.community_id == layer,
                        table.c.id.in_(doubled[start : start + 500]),
                    )
                )
            kept |= ids
        _set_primary_key(name, ["id"])
    with op.batch_alter_table("support_services", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("added_at")
        batch_op.drop_column("added_by")
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("community_id")
            batch_op.drop_column("platform")
    with op.batch_alter_table("support_operator_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_operator_log_at"))
    op.drop_table("support_operator_log")
    op.drop_table("support_layers")
    with op.batch_alter_table("support_hidden", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_hidden_community_id"))
    op.drop_table("support_hidden")
