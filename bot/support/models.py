"""The support directory (shaped after Open Referral HSDS: organization, service, location,
service_at_location, language, phone, schedule, taxonomy) and members' saved place/languages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.db import dt_column, json_column
from bot.store.models import CommunityScoped


class SupportOrganization(SQLModel, table=True):
    __tablename__ = "support_organizations"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_column=Column(Text))
    website: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=200)
    # Other HSDS fields (alternate_name, uri...) and organization-level phones, kept for export.
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class SupportService(SQLModel, table=True):
    __tablename__ = "support_services"

    id: str = Field(primary_key=True, max_length=64)
    organization_id: str = Field(max_length=64, index=True)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_column=Column(Text))
    url: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=200)
    fees_description: str | None = Field(default=None, max_length=300)
    free: bool = False
    delivery: str = Field(default="in_person", max_length=12)  # in_person, online, both
    minimum_age: float | None = None
    maximum_age: float | None = None
    status: str = Field(default="active", max_length=20)  # HSDS: only "active" is shown
    # HSDS objects kept whole (with their ids) so that an export re-imports to the same rows.
    topics: list[Any] = Field(default_factory=list, sa_column=json_column())
    languages: list[Any] = Field(default_factory=list, sa_column=json_column())
    phones: list[Any] = Field(default_factory=list, sa_column=json_column())
    schedules: list[Any] = Field(default_factory=list, sa_column=json_column())
    locations: list[Any] = Field(
        default_factory=list, sa_column=json_column()
    )  # HSDS location + its service_at_location ("sal"), with city, country, lat, lon
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class MemberPlace(CommunityScoped, SQLModel, table=True):
    """A member's coarse location and languages, stored only when they choose to."""

    __tablename__ = "support_member_places"
    __table_args__ = (UniqueConstraint("platform", "community_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64, index=True)
    city_id: int | None = None
    city: str | None = Field(default=None, max_length=120)
    country: str | None = Field(default=None, max_length=2)
    languages: list[Any] = Field(default_factory=list, sa_column=json_column())
    updated_at: datetime = Field(sa_column=dt_column(nullable=False))
