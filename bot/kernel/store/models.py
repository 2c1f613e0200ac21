"""Core tables: communities and their settings, members' preferences, claims, the outbox, the
inbox, timers and gateway sessions. Feature tables live in each feature's own models module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint, text
from sqlmodel import Column, Field, SQLModel, select

from bot.kernel.pacing import LANE_LENGTH, lane_of_payload
from bot.kernel.store.db import dt_column, json_column


class CommunityScoped:
    """Rows that belong to one community: `Model.scope(x)` is the filter for x's community and
    `Model.of(x)` selects them, where x is a Context, a Place, a Community row or a Subject."""

    @classmethod
    def scope(cls, owner: Any) -> tuple[Any, Any]:
        place = getattr(owner, "place", owner)  # a Context carries its place
        platform = place.platform
        community = getattr(place, "community_id", None) or place.community
        return (cls.platform == platform, cls.community_id == community)  # type: ignore[attr-defined]

    @classmethod
    def of(cls, owner: Any) -> Any:
        return select(cls).where(*cls.scope(owner))


class Community(CommunityScoped, SQLModel, table=True):
    """A Discord guild, a Slack workspace or a console community, with its settings."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("platform", "community_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=100)
    timezone: str = Field(default="UTC", max_length=64)
    language: str = Field(default="en", max_length=16)
    moderator_roles: list[str] = Field(default_factory=list, sa_column=json_column())
    organizer_roles: list[str] = Field(default_factory=list, sa_column=json_column())
    admin_roles: list[str] = Field(default_factory=list, sa_column=json_column())
    # Feature settings that need no table of their own, by feature name.
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime | None = Field(default=None, sa_column=dt_column())


class MemberPrefs(CommunityScoped, SQLModel, table=True):
    """What a member chose for themselves: language and time zone. Nothing else."""

    __tablename__ = "member_prefs"
    __table_args__ = (UniqueConstraint("platform", "community_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64, index=True)
    locale: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    # Discreet mode: the bot never writes to this member first (bot.kernel.context.Context.send).
    discreet: bool = False
    updated_at: datetime | None = Field(default=None, sa_column=dt_column())


class Claim(SQLModel, table=True):
    """Exactly-once work: a row unique on (kind, key, fire_at) is inserted before the work is
    done; whoever inserts it owns that run."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("kind", "key", "fire_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    key: str = Field(max_length=128)
    fire_at: datetime = Field(sa_column=dt_column(nullable=False))
    owner: str = Field(max_length=96)
    claimed_at: datetime = Field(sa_column=dt_column(nullable=False))


class OutboxEntry(SQLModel, table=True):
    """An action that must reach a platform, retried with backoff until it does."""

    __tablename__ = "outbox"
    # Pending rows only: the due scan in id order, and "is an earlier entry of this lane still
    # waiting?" (bot.kernel.delivery.outbox keeps each lane in order).
    __table_args__ = (
        Index(
            "ix_outbox_pending_due",
            "platform",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "ix_outbox_pending_lane",
            "platform",
            "lane",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16, index=True)
    community_id: str = Field(max_length=64)
    # What this entry stays in order with (a channel, a member's DMs): bot.kernel.pacing.lane_of.
    # Rows inserted without it (an executemany of raw rows) get it from their payload.
    lane: str = Field(
        default="",
        sa_column=Column(
            String(LANE_LENGTH),
            nullable=False,
            server_default="",
            default=lambda ctx: lane_of_payload(ctx.get_current_parameters().get("payload", "")),
        ),
    )
    kind: str = Field(default="", max_length=32)
    dedupe_key: str | None = Field(default=None, max_length=160, unique=True)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    context: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    status: str = Field(default="pending", max_length=12, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=dt_column(nullable=False, index=True))
    lease_owner: str | None = Field(default=None, max_length=96)
    lease_until: datetime | None = Field(default=None, sa_column=dt_column())
    created_at: datetime = Field(sa_column=dt_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=dt_column())
    last_error: str | None = Field(default=None, max_length=500)
    result: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class InboxEntry(SQLModel, table=True):
    """An inbound event that does work, stored before the platform is acknowledged and run by
    whichever process holds its lease (bot.kernel.delivery.inbox). It has the outbox's columns,
    so the outbox's lease, fencing and settling statements work on it unchanged: `dedupe_key`
    is the platform's event id, `lane` the channel (one channel's events run in order),
    `payload` the stored `Inbound`, and `status` becomes "sent" in the handler's own
    transaction once its work is done."""

    __tablename__ = "inbox"
    __table_args__ = (
        Index(
            "ix_inbox_pending_due",
            "platform",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "ix_inbox_pending_lane",
            "platform",
            "lane",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16, index=True)
    community_id: str = Field(max_length=64)
    lane: str = Field(
        default="", sa_column=Column(String(LANE_LENGTH), nullable=False, server_default="")
    )
    kind: str = Field(default="", max_length=32)
    dedupe_key: str = Field(max_length=160, unique=True)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    context: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    status: str = Field(default="pending", max_length=12, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=dt_column(nullable=False, index=True))
    lease_owner: str | None = Field(default=None, max_length=96)
    lease_until: datetime | None = Field(default=None, sa_column=dt_column())
    created_at: datetime = Field(sa_column=dt_column(nullable=False, index=True))
    sent_at: datetime | None = Field(default=None, sa_column=dt_column())
    last_error: str | None = Field(default=None, max_length=500)
    result: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class Timer(SQLModel, table=True):
    """Work due at a time (a timed unban, a peer check-in, a purge), done exactly once."""

    __tablename__ = "timers"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    key: str = Field(max_length=128)
    platform: str = Field(default="", max_length=16)
    community_id: str = Field(default="", max_length=64)
    due_at: datetime = Field(sa_column=dt_column(nullable=False, index=True))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    status: str = Field(default="pending", max_length=12, index=True)
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=96)
    lease_until: datetime | None = Field(default=None, sa_column=dt_column())
    done_at: datetime | None = Field(default=None, sa_column=dt_column())
    last_error: str | None = Field(default=None, max_length=500)


class SignInSession(SQLModel, table=True):
    """A dashboard session, kept here so that it can end: the browser holds only a random id,
    whose keyed hash is `key`. A row without a user is a sign-in under way (its `oauth_state`
    is the hash of the one state it may come back with). Ended rows are kept a day, so a
    replayed cookie meets "ended", then deleted."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user", "platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    platform: str | None = Field(default=None, max_length=16)
    user_id: str | None = Field(default=None, max_length=64)
    team: str | None = Field(default=None, max_length=64)  # Slack: the workspace signed in to
    oauth_state: str | None = Field(default=None, max_length=64, unique=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(sa_column=dt_column(nullable=False))
    seen_at: datetime = Field(sa_column=dt_column(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=dt_column(index=True))
    ended_why: str | None = Field(default=None, max_length=16)


class RateBucket(SQLModel, table=True):
    """One rate budget shared by every process on a bot token (bot.kernel.rate_budget): the
    next free slot of a bucket ("theoretical arrival time", seconds since the epoch on the
    database's clock). PostgreSQL only; SQLite keeps its limiter in the process."""

    __tablename__ = "rate_buckets"

    key: str = Field(primary_key=True, max_length=200)
    tat: float = 0.0


class GatewaySession(SQLModel, table=True):
    """A gateway session a process holds, kept so that after a crash another process can
    resume it and run the events it never recorded (adapters/discord/sessions.py). `seq`: every
    event up to it is in the inbox; `seen_at`: the holder's last sign of life."""

    __tablename__ = "gateway_sessions"

    session_id: str = Field(primary_key=True, max_length=128)
    platform: str = Field(max_length=16)
    shard: int = 0
    resume_url: str = Field(max_length=300)
    seq: int = 0
    owner: str = Field(max_length=96)
    seen_at: datetime = Field(sa_column=dt_column(nullable=False))
