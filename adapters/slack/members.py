"""Slack members as the core sees them, from users.info or an event's user object, and a short,
bounded cache of them.

Slack has no member events for most changes, but it does send `user_change` (profile, admin
and owner flags, deactivation) and `team_join`: the adapter drops the cached member on either,
so the next privileged action or dashboard page reads users.info afresh. Entries also expire
after `slack.member_cache_seconds`, which bounds how stale a member can be if an event is
lost. A deactivated user (`deleted`) is nobody: no actor at all.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from bot.kernel.events import Actor

MAX_MEMBERS = 5_000  # members cached at once; the least recently used go first


def actor_of(user: dict[str, Any]) -> Actor | None:
    """The core's view of a Slack user object; None for a deactivated user."""
    if user.get("deleted"):
        return None
    profile = user.get("profile") or {}
    return Actor(
        str(user["id"]),
        profile.get("display_name") or user.get("real_name") or user.get("name") or user["id"],
        is_admin=bool(user.get("is_admin")),
        is_owner=bool(user.get("is_owner")),
        is_bot=bool(user.get("is_bot")),
        locale=user.get("locale"),
    )


class Members:
    """(workspace, user id) -> Actor, for `ttl` seconds, at most `size` entries."""

    def __init__(self, ttl: float, size: int = MAX_MEMBERS) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[tuple[str, str], tuple[float, Actor]] = OrderedDict()

    def get(self, team: str, user: str) -> Actor | None:
        key = (team, user)
        found = self._entries.get(key)
        if found is None:
            return None
        if time.monotonic() - found[0] >= self.ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return found[1]

    def put(self, team: str, user: str, actor: Actor) -> None:
        if self.ttl <= 0:
            return
        self._entries[(team, user)] = (time.monotonic(), actor)
        self._entries.move_to_end((team, user))
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget(self, team: str, user: str) -> None:
        self._entries.pop((team, user), None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
