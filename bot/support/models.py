"""The support directory (shaped after Open Referral HSDS: organization, service, location,
service_at_location, language, phone, schedule, taxonomy) and members' saved place/languages.

The directory comes in layers, each with one owner (`platform`, `community_id`; see
bot.support.layers): the shipped entries (`""`, `"shipped"`), the operator's CLI imports
(`""`, `"operator"`), and each community's own additions (its platform and id). An HSDS id is
unique within its layer, so two communities may import the same feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.kernel.store.db import dt_column, json_column
from bot.kernel.store.models import CommunityScoped


class SupportOrganization(CommunityScoped, SQLModel, table=True):
    __tablename__ = "support_organizations"

    platform: str = Field(default="", primary_key=True, max_length=16)
    community_id: str = Field(default="", primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_column=Column(Text))
    website: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=200)
    # Other HSDS fields (alternate_name, uri...) and organization-level phones, kept for export.
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class SupportService(CommunityScoped, SQLModel, table=True):
    __tablename__ = "support_services"

    platform: str = Field(default="", primary_key=True, max_length=16)
    community_id: str = Field(default="", primary_key=True, max_length=64)
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
    # Other HSDS fields: assured_date (when the entry was last checked), service_areas...
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    # Who put it in its layer and when (an operator's import, a community's moderator).
    added_by: str | None = Field(default=None, max_length=64)
    added_at: datetime | None = Field(default=None, sa_column=dt_column())
    updated_at: datetime | None = Field(default=None, sa_column=dt_column())


class SupportHidden(CommunityScoped, SQLModel, table=True):
    """A shipped or operator entry a community's administrators hid from their own members."""

    __tablename__ = "support_hidden"
    __table_args__ = (UniqueConstraint("platform", "community_id", "service_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64, index=True)
    service_id: str = Field(max_length=64)
    hidden_by: str = Field(max_length=64)
    hidden_at: datetime = Field(sa_column=dt_column(nullable=False))


class SupportLayer(SQLModel, table=True):
    """One row per layer that has ever changed: its revision goes up with every change, so every
    process knows when its copy of the layer's search index is stale."""

    __tablename__ = "support_layers"

    platform: str = Field(default="", primary_key=True, max_length=16)
    community_id: str = Field(default="", primary_key=True, max_length=64)
    revision: int = 0
    changed_at: datetime | None = Field(default=None, sa_column=dt_column())


class OperatorLogEntry(SQLModel, table=True):
    """The operator's own audit log: changes to the shipped and operator layers (CLI imports,
    the shipped directory brought up to date, entries claimed after the layers migration)."""

    __tablename__ = "support_operator_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=dt_column(nullable=False, index=True))
    actor: str = Field(max_length=64)  # the system user who ran the CLI, or "crossings"
    action: str = Field(max_length=40)
    layer: str = Field(default="", max_length=82)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


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


class SupportSuggestion(CommunityScoped, SQLModel, table=True):
    """A service a member suggested with `/support suggest`: waits on a moderator-queue card
    until an administrator adds it to the community's own entries or dismisses it."""

    __tablename__ = "support_suggestions"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    community_id: str = Field(max_length=64, index=True)
    user_id: str = Field(max_length=64, index=True)  # who suggested it
    name: str = Field(max_length=200)
    place: str = Field(max_length=120)  # as resolved: "Madrid, ES", or a country code
    city_id: int | None = None  # the gazetteer's city, when the place is a city
    country: str = Field(max_length=2)
    url: str | None = Field(default=None, max_length=300)
    topic: str | None = Field(default=None, max_length=40)
    status: str = Field(default="open", max_length=12)  # open, added, dismissed
    service_id: str | None = Field(default=None, max_length=64)  # the entry it became
    decided_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=dt_column(nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=dt_column())
