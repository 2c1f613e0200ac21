"""Prompt tables. The database is the source of truth for schedules; a PromptPost row, unique on
(schedule, fire time), is the claim that makes each post happen exactly once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.kernel.store.db import dt_column, json_column
from bot.kernel.store.models import CommunityScoped

# Optimistic concurrency: the ORM adds one to it on every change it writes and refuses an
# UPDATE whose row moved on meanwhile; a form carries the version it was made from.
_SCHEDULE_VERSION = Column("version", Integer, nullable=False, server_default="1")


class PromptSchedule(CommunityScoped, SQLModel, table=True):
    __tablename__ = "prompt_schedules"
    __mapper_args__ = {"version_id_col": _SCHEDULE_VERSION}

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16, index=True)
    community_id: str = Field(max_length=64, index=True)
    channel: str = Field(max_length=64)
    theme: str = Field(max_length=48)
    rule: str = Field(max_length=120)  # a cron expression or "once YYYY-MM-DD HH:MM"
    timezone: str = Field(max_length=64)
    forum: bool = False
    occurrences_left: int | None = None  # a series: N posts, then it ends
    paused: bool = False
    active: bool = True
    pinned_prompt: str | None = Field(default=None, max_length=48)
    next_fire_at: datetime | None = Field(default=None, sa_column=dt_column(index=True))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=dt_column(nullable=False))
    version: int = Field(default=1, sa_column=_SCHEDULE_VERSION)


class PromptPost(CommunityScoped, SQLModel, table=True):
    """One fire of a schedule: claimed, then queued for delivery, then posted (or missed)."""

    __tablename__ = "prompt_posts"
    __table_args__ = (UniqueConstraint("schedule_id", "fire_at"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int | None = Field(default=None, index=True)  # None: posted with post-now
    fire_at: datetime = Field(sa_column=dt_column(nullable=False))
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64, index=True)
    channel: str = Field(max_length=64)
    theme: str = Field(max_length=48)
    prompt_id: str | None = Field(default=None, max_length=48)
    cycle: int = 0
    status: str = Field(default="queued", max_length=12)  # queued, posted, missed, skipped
    message_id: str | None = Field(default=None, max_length=64)
    thread_id: str | None = Field(default=None, max_length=64, index=True)
    claimed_by: str = Field(default="", max_length=96)
    claimed_at: datetime = Field(sa_column=dt_column(nullable=False))
    posted_at: datetime | None = Field(default=None, sa_column=dt_column())


class CustomPrompt(CommunityScoped, SQLModel, table=True):
    """A prompt a community added itself (by command, import or an approved suggestion)."""

    __tablename__ = "custom_prompts"
    __table_args__ = (UniqueConstraint("platform", "community_id", "prompt_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64, index=True)
    prompt_id: str = Field(max_length=48)
    theme: str = Field(max_length=48)
    text: str = Field(sa_column=Column(Text, nullable=False))
    follow_ups: list[Any] = Field(default_factory=list, sa_column=json_column())
    added_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=dt_column(nullable=False))


class PromptSuggestion(CommunityScoped, SQLModel, table=True):
    __tablename__ = "prompt_suggestions"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64, index=True)
    user_id: str = Field(max_length=64, index=True)
    theme: str = Field(max_length=48)
    text: str | None = Field(default=None, sa_column=Column(Text))
    similar_to: str | None = Field(default=None, max_length=48)
    similarity: float = 0.0
    status: str = Field(default="open", max_length=12)  # open, approved, rejected
    decided_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=dt_column(nullable=False))


class PromptReply(SQLModel, table=True):
    """A member's answer in a prompt's thread (who and when, not what: stats need no text)."""

    __tablename__ = "prompt_replies"
    __table_args__ = (UniqueConstraint("post_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(index=True)
    user_id: str = Field(max_length=64, index=True)
    message_id: str = Field(max_length=64)
    at: datetime = Field(sa_column=dt_column(nullable=False))
