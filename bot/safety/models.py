"""The crisis pathway's table: one row per member, level and cooldown window.

A row is written when a level first reaches the member in a window (the reply and the card
go out once); later signals of the same or a lower level in that window update the row and the
moderators' card instead of writing to the member again. The unique key makes that decision
once across processes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.kernel.store.db import dt_column
from bot.kernel.store.models import CommunityScoped


class SafetySignal(CommunityScoped, SQLModel, table=True):
    __tablename__ = "safety_signals"
    __table_args__ = (
        UniqueConstraint("platform", "community_id", "user_id", "level", "window_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64, index=True)
    user_id: str = Field(max_length=64, index=True)
    level: str = Field(max_length=8)  # the level that reached the member: urgent | concern
    window_start: datetime = Field(sa_column=dt_column(nullable=False))
    count: int = 1  # signals from this member folded into this card
    newest_level: str = Field(max_length=8)
    categories: str = Field(default="", max_length=300)
    source: str = Field(default="", max_length=80)
    country: str = Field(default="", max_length=8)
    excerpt: str | None = Field(default=None, sa_column=Column(Text))  # the newest, for the card
    card_message_id: str | None = Field(default=None, max_length=64)
    # Why the private reply could not be delivered (DMs closed...), shown on the card.
    reply_failed: str | None = Field(default=None, max_length=200)
    # The member chose "don't contact me" in the reply: the card says so.
    no_contact: bool = False
    # The member is in discreet mode: the bot sent them nothing; the card says how to reach out.
    discreet: bool = False
    # The moderator who took the alert on (from the chat card or the dashboard), and when.
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=dt_column())
    created_at: datetime = Field(sa_column=dt_column(nullable=False))
    updated_at: datetime = Field(sa_column=dt_column(nullable=False))
