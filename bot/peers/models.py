"""Peer matching tables: opt-in profiles, private do-not-pair lists, rounds (claimed once per
community and time) and the pairs they made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.kernel.store.db import dt_column, json_column
from bot.kernel.store.models import CommunityScoped


class PeerProfile(CommunityScoped, SQLModel, table=True):
    __tablename__ = "peer_profiles"
    __table_args__ = (UniqueConstraint("platform", "community_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64, index=True)
    user_id: str = Field(max_length=64, index=True)
    tags: list[Any] = Field(default_factory=list, sa_column=json_column())
    languages: list[Any] = Field(default_factory=list, sa_column=json_column())
    region: str | None = Field(default=None, max_length=60)
    timezone: str | None = Field(default=None, max_length=64)
    active: bool = True
    paused_until: datetime | None = Field(default=None, sa_column=dt_column())
    joined_at: datetime = Field(sa_column=dt_column(nullable=False))


class PeerBlock(CommunityScoped, SQLModel, table=True):
    __tablename__ = "peer_blocks"
    __table_args__ = (UniqueConstraint("platform", "community_id", "user_id", "blocked_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64, index=True)
    blocked_id: str = Field(max_length=64)


class PeerRound(CommunityScoped, SQLModel, table=True):
    __tablename__ = "peer_rounds"
    __table_args__ = (UniqueConstraint("platform", "community_id", "fire_at"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64, index=True)
    fire_at: datetime = Field(sa_column=dt_column(nullable=False))
    members: int = 0
    pairs: int = 0
    created_at: datetime = Field(sa_column=dt_column(nullable=False))


class PeerPair(CommunityScoped, SQLModel, table=True):
    __tablename__ = "peer_pairs"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(index=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64, index=True)
    members: list[Any] = Field(default_factory=list, sa_column=json_column())
    shared: list[Any] = Field(default_factory=list, sa_column=json_column())
    met: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())  # user -> yes/no
    created_at: datetime = Field(sa_column=dt_column(nullable=False))


class PeerSchedule(CommunityScoped, SQLModel, table=True):
    """When a community's rounds run, and where the introductions go."""

    __tablename__ = "peer_schedules"
    __table_args__ = (UniqueConstraint("platform", "community_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64)
    channel: str = Field(max_length=64)
    every_days: int = 7
    next_at: datetime = Field(sa_column=dt_column(nullable=False, index=True))
    active: bool = True
