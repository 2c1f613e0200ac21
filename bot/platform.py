"""The port between the core and a chat platform. Adapters implement `Platform`."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable

from bot import actions as a
from bot.events import Actor


class Capability(StrEnum):
    THREADS = "threads"
    PRIVATE_THREADS = "private_threads"
    FORUMS = "forums"
    GROUP_DM = "group_dm"
    MODALS = "modals"
    EPHEMERAL = "ephemeral"
    DM = "dm"
    REACTIONS = "reactions"
    EDIT_MESSAGE = "edit_message"
    DELETE_MESSAGE = "delete_message"
    TIMEOUT = "timeout"
    KICK = "kick"
    BAN = "ban"
    REMOVE_FROM_CHANNEL = "remove_from_channel"


# The capability each action needs; actions not listed need none beyond posting.
REQUIRED: dict[type[a.Action], Capability] = {
    a.OpenForm: Capability.MODALS,
    a.EditMessage: Capability.EDIT_MESSAGE,
    a.DeleteMessage: Capability.DELETE_MESSAGE,
    a.AddReaction: Capability.REACTIONS,
    a.TimeoutMember: Capability.TIMEOUT,
    a.KickMember: Capability.KICK,
    a.BanMember: Capability.BAN,
    a.UnbanMember: Capability.BAN,
    a.RemoveFromChannel: Capability.REMOVE_FROM_CHANNEL,
    a.SendPrivate: Capability.DM,
}


@runtime_checkable
class Platform(Protocol):
    name: str
    capabilities: frozenset[Capability]

    async def execute(self, action: a.Action) -> a.ActionResult:
        """Carry out one action. Never raises for platform errors: they come back as a failed
        ActionResult, `retryable` for 429s, 5xx and timeouts."""
        ...

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        """Resolve a member (roles, rank) for permission and hierarchy checks."""
        ...


def can(platform: Platform, action: a.Action) -> bool:
    needed = REQUIRED.get(type(action))
    return needed is None or needed in platform.capabilities
