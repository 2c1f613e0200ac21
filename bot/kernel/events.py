"""Inbound events: what adapters translate platform traffic into. Frozen and platform-neutral."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Place:
    """Where something happened. `community` is a Discord guild id, a Slack team id or a console
    community name; `thread` is set when the event happened inside a thread."""

    platform: str
    community: str
    channel: str | None = None
    thread: str | None = None

    def in_thread(self, thread: str | None) -> Place:
        return Place(self.platform, self.community, self.channel, thread)

    def at_channel(self, channel: str | None) -> Place:
        return Place(self.platform, self.community, channel, None)

    @property
    def target(self) -> str | None:
        """The conversation a reply goes to: the thread when there is one."""
        return self.thread or self.channel


@dataclass(frozen=True)
class Actor:
    """Who did it, as the adapter resolved them. `roles` are platform role ids (or names on the
    console); the core maps them to permissions with the community's settings. `rank` is the
    position of the member's highest role (Discord), used for role hierarchy; `is_admin` means
    platform-level administrator or owner (Discord administrator permission, Slack workspace
    admin/owner)."""

    user_id: str
    display_name: str = ""
    roles: frozenset[str] = frozenset()
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    rank: int = 0
    locale: str | None = None
    joined_at: datetime | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class MessageRef:
    """A message the event points at (the target of a context-menu command, a report)."""

    place: Place
    message_id: str
    author_id: str
    text: str = ""
    author_name: str = ""
    link: str | None = None


@dataclass(frozen=True)
class Event:
    place: Place
    actor: Actor
    at: datetime
    # An opaque handle the adapter uses to answer this interaction (Discord interaction id,
    # Slack trigger/response context, console prompt). None for plain messages.
    interaction: str | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class MessagePosted(Event):
    message_id: str
    text: str
    is_dm: bool = False
    mentions: tuple[str, ...] = ()
    mentions_everyone: bool = False


@dataclass(frozen=True)
class MessageEdited(MessagePosted):
    """A message's new text. Listeners that guard the community (automod, the crisis pathway)
    subscribe to it too: an edit must not slip past what a new message would meet."""


@dataclass(frozen=True)
class MemberJoined(Event):
    pass


@dataclass(frozen=True)
class CommandInvoked(Event):
    """A command by its path (("prompt", "schedule")). Options arrive raw (strings, or the
    platform's typed values); the registry parses and validates them so every adapter gets the
    same errors. `target` is the message of a message (context-menu) command."""

    path: tuple[str, ...]
    options: Mapping[str, object] = field(default_factory=dict)
    target: MessageRef | None = None


@dataclass(frozen=True)
class ComponentClicked(Event):
    """A button click or a select choice, routed by its custom id."""

    custom_id: str
    values: tuple[str, ...] = ()
    message_id: str | None = None


@dataclass(frozen=True)
class FormSubmitted(Event):
    custom_id: str
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HomeOpened(Event):
    """The member opened their home view (Slack's App Home tab)."""


@dataclass(frozen=True)
class Inbound:
    """An event as it arrived, kept in the inbox (bot.kernel.delivery.inbox) until its work is
    done. `source` is "event" when `body` is a core event already (codec JSON), else the
    adapter's name for a raw platform payload (e.g. Slack's "event_callback") that the
    adapter's decoder turns into one when it runs. `place` gives the entry its lane."""

    place: Place
    source: str
    body: str
    at: datetime
