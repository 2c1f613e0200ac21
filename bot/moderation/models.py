"""Moderation tables: cases (reports, automod hits and moderator actions), the append-only audit
log, appeals, report attempts (for rate limits), report drafts and per-community automod rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.kernel.store.db import dt_column, json_column
from bot.kernel.store.models import CommunityScoped


class ModerationPrefs(CommunityScoped, SQLModel, table=True):
    """A community's moderation settings: where the queue is and whether moderators see who
    reported. No row: no queue channel yet, reporters shown."""

    __tablename__ = "mod_community_settings"
    __table_args__ = (UniqueConstraint("platform", "community_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64)
    queue_channel: str | None = Field(default=None, max_length=64)
    show_reporter_to_moderators: bool = True


class ModCase(CommunityScoped, SQLModel, table=True):
    __tablename__ = "mod_cases"
    __table_args__ = (UniqueConstraint("platform", "community_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64, index=True)
    number: int
    kind: str = Field(max_length=16)  # report, automod, warn, timeout, kick, ban, unban, note
    status: str = Field(default="open", max_length=12)  # open, claimed, closed, escalated
    target_id: str | None = Field(default=None, max_length=64, index=True)
    reporter_id: str | None = Field(default=None, max_length=64, index=True)
    reason: str = Field(default="other", max_length=32)
    details: str | None = Field(default=None, sa_column=Column(Text))
    excerpt: str | None = Field(default=None, sa_column=Column(Text))
    channel: str | None = Field(default=None, max_length=64)
    message_id: str | None = Field(default=None, max_length=64, index=True)
    link: str | None = Field(default=None, max_length=300)
    rule_id: str | None = Field(default=None, max_length=48)
    points: int = 0
    expires_at: datetime | None = Field(default=None, sa_column=dt_column())
    until: datetime | None = Field(default=None, sa_column=dt_column())
    moderator_id: str | None = Field(default=None, max_length=64)
    claimed_by: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, sa_column=Column(Text))
    reports: int = 1  # duplicates of an open report are merged into it
    queue_message_id: str | None = Field(default=None, max_length=64)
    held: bool = False  # automod removed the message pending review
    created_at: datetime = Field(sa_column=dt_column(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=dt_column())


class AuditEntry(CommunityScoped, SQLModel, table=True):
    """Append-only: rows are inserted, never updated or deleted (privacy erases free text only)."""

    __tablename__ = "mod_audit"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64, index=True)
    actor_id: str = Field(max_length=64)  # a moderator, or "automod"
    action: str = Field(max_length=24, index=True)
    target_id: str | None = Field(default=None, max_length=64, index=True)
    case_number: int | None = None
    reason: str | None = Field(default=None, sa_column=Column(Text))
    at: datetime = Field(sa_column=dt_column(nullable=False, index=True))


class Appeal(SQLModel, table=True):
    __tablename__ = "mod_appeals"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(index=True)
    user_id: str = Field(max_length=64, index=True)
    text: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default="open", max_length=12)  # open, accepted, denied
    decided_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=dt_column(nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=dt_column())
    card_message_id: str | None = Field(default=None, max_length=64)  # its card in the queue


class ReportAttempt(CommunityScoped, SQLModel, table=True):
    """When a member filed a report: the database keeps rate limits right across processes."""

    __tablename__ = "mod_report_attempts"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64)
    reporter_id: str = Field(max_length=64, index=True)
    at: datetime = Field(sa_column=dt_column(nullable=False, index=True))


class ReportDraft(CommunityScoped, SQLModel, table=True):
    """A message report between choosing it and submitting the form (custom ids are short)."""

    __tablename__ = "mod_report_drafts"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64)
    reporter_id: str = Field(max_length=64)
    target_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=32)
    channel: str | None = Field(default=None, max_length=64)
    message_id: str | None = Field(default=None, max_length=64)
    link: str | None = Field(default=None, max_length=300)
    excerpt: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=dt_column(nullable=False))


class AutomodRuleRow(CommunityScoped, SQLModel, table=True):
    """A community's own automod rule (the defaults live in content/automod/)."""

    __tablename__ = "mod_automod_rules"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64, index=True)
    rule: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=dt_column(nullable=False))
