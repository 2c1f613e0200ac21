"""The port between the core and a chat platform.

An adapter subclasses `Platform` and marks the methods that carry out each kind of action with
`@handles(ActionType, ...)`. That table *is* the platform's capabilities: delivery refuses, with
a clear reason, any action the platform has no handler for, and features ask `platform.can(...)`
before offering a button the platform could not honour.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from bot.kernel import actions as a
from bot.kernel.events import Actor
from bot.kernel.pacing import NO_LIMITS, Limits

ActionHandler = Callable[[Any, Any], Awaitable[a.ActionResult]]
H = TypeVar("H", bound=ActionHandler)


def handles(*action_types: type[a.Action]) -> Callable[[H], H]:
    """Mark a platform method as the one that carries out these action types."""

    def mark(method: H) -> H:
        method.__handles__ = action_types  # type: ignore[attr-defined]
        return method

    return mark


@dataclass(frozen=True)
class Named:
    id: str
    name: str


@dataclass(frozen=True)
class Survey:
    """What the bot can see of one community right now, read live from the platform (for the
    dashboard's pickers and health warnings). `roles` are what a community's role mapping may
    hold (Discord roles, highest first; Slack members as `user:ID`). `missing` names the
    platform permissions the bot needs and lacks; `outranking` the roles ranked at or above the
    bot's own, whose holders it cannot time out, kick or ban."""

    present: bool = True  # False: the bot is not in this community (any more)
    channels: tuple[Named, ...] = ()
    roles: tuple[Named, ...] = ()
    missing: tuple[str, ...] = ()
    outranking: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()  # channel ids the bot cannot post in


class Platform(ABC):
    """One chat platform as the core sees it."""

    name: ClassVar[str]
    # How members type a command here (`/report` on Discord, `/crossings report` on Slack).
    command_prefix: str = "/"
    _table: ClassVar[dict[type[a.Action], str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table: dict[type[a.Action], str] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                for action_type in getattr(value, "__handles__", ()):
                    table[action_type] = attr
        cls._table = table

    # --- capabilities -------------------------------------------------------------------
    def can(self, action_type: type[a.Action]) -> bool:
        return action_type in self._table

    def pacing(self) -> Limits:
        """The rates this platform accepts (per channel, overall) and how many sends may be in
        flight at once; the outbox paces its sends by them (bot.kernel.pacing). None by default."""
        return NO_LIMITS

    def requests_for(self, action: a.Action) -> int:
        """How many requests carrying out `action` makes, so the overall rate counts them all
        (a post that starts a thread is two). One by default."""
        return 1

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect and start taking events; returns once running (or raises)."""
        return None

    async def stop(self) -> None:
        """Stop taking events and close connections."""
        return None

    # --- actions --------------------------------------------------------------------------
    async def execute(self, action: a.Action) -> a.ActionResult:
        """Carry out one action. Never raises for platform errors: they come back as a failed
        ActionResult, `retryable` for 429s, 5xx and timeouts."""
        attr = self._table.get(type(action))
        if attr is None:
            return a.ActionResult.failed(f"{self.name} cannot {type(action).__name__}")
        result: a.ActionResult = await getattr(self, attr)(action)
        return result

    # --- members and channels -------------------------------------------------------------
    @abstractmethod
    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        """Resolve a member (roles, rank) for permission and hierarchy checks: every platform
        must, or nobody could be told apart from a stranger (None: not a member)."""

    def mention_member(self, text: str) -> str | None:
        """A member id from this platform's own mention syntax (`<@123>` on Discord)."""
        return None

    def mention_channel(self, text: str) -> str | None:
        """A channel id from this platform's own mention syntax."""
        return None

    def lookup_member(self, community: str, name: str) -> str | None:
        """A member id from a typed name, for platforms where members type names."""
        return None

    def lookup_channel(self, community: str, name: str) -> str | None:
        """A channel id from a typed name, for platforms where members type names."""
        return None

    @abstractmethod
    async def survey(self, community: str) -> Survey | None:
        """The community as the bot sees it now (channels, roles, missing permissions), for the
        dashboard's pickers and health warnings; None when this platform cannot tell."""
