"""Outbound actions: what the core asks a platform to do. Frozen and platform-neutral.

Every action names its `place` (platform + community, and the channel/thread it acts in), so
the runtime can route it to the right adapter and the outbox can store it as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.kernel.events import Place
from bot.kernel.forms import Form
from bot.kernel.message import Message


@dataclass(frozen=True)
class Action:
    place: Place


@dataclass(frozen=True)
class Post(Action):
    """Post in place.target. With `thread_name`, start a thread from the post (a forum post
    tagged `forum_tags` when the channel is a forum) and put `first_reply` in it."""

    message: Message
    thread_name: str | None = None
    first_reply: Message | None = None
    forum_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SendPrivate(Action):
    """A direct message to one member."""

    user_id: str
    message: Message


@dataclass(frozen=True)
class Respond(Action):
    """Answer the member who triggered an interaction. Private answers are ephemeral where the
    platform has them and a DM otherwise; without an interaction handle the adapter falls back to
    an ephemeral message or DM to `user_id`."""

    user_id: str
    message: Message
    interaction: str | None = None
    private: bool = True


@dataclass(frozen=True)
class OpenForm(Action):
    user_id: str
    interaction: str | None
    form: Form


@dataclass(frozen=True)
class RejectForm(Action):
    """A submitted form had errors (field id -> message): shown in the form where the
    platform can (Slack), otherwise as a private answer."""

    user_id: str
    interaction: str | None
    errors: Mapping[str, str]


@dataclass(frozen=True)
class StartThread(Action):
    """A thread in place.channel. Private threads hold only `members` (and moderators); where a
    platform has no private threads the adapter opens a group DM with the members."""

    name: str
    message: Message
    private: bool = False
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class EditMessage(Action):
    message_id: str
    message: Message


@dataclass(frozen=True)
class DeleteMessage(Action):
    message_id: str
    reason: str = ""


@dataclass(frozen=True)
class ClearPrivate(Action):
    """Delete every message the bot sent in its direct conversation with one member. The
    member's own messages stay: no platform lets a bot delete those in a DM."""

    user_id: str


@dataclass(frozen=True)
class TimeoutMember(Action):
    """Time a member out until `until`; None lifts a timeout."""

    user_id: str
    until: datetime | None
    reason: str = ""


@dataclass(frozen=True)
class KickMember(Action):
    user_id: str
    reason: str = ""


@dataclass(frozen=True)
class BanMember(Action):
    user_id: str
    reason: str = ""
    delete_message_seconds: int = 0


@dataclass(frozen=True)
class UnbanMember(Action):
    user_id: str
    reason: str = ""


@dataclass(frozen=True)
class PublishHome(Action):
    """Show a member their home view (Slack's App Home tab)."""

    user_id: str
    message: Message


# Why an action failed, in terms every platform shares, so moderators read it in plain words
# (catalog keys `core.failure.<reason>`) whatever the platform's own error said.
FAILURE_REASONS = (
    "dms_closed",  # the member accepts no direct messages from the bot
    "no_access",  # the bot is not in the channel, or lacks the permission
    "channel_gone",  # the channel no longer exists
    "member_gone",  # the member left, or their account is deactivated
    "rejected",  # the platform refused the message itself (too long, malformed)
    "unreachable",  # the platform never accepted it (429s, 5xx, timeouts until given up)
    "other",
)


@dataclass(frozen=True)
class ActionResult:
    """What came back. `retryable` errors (429, 5xx, timeouts) are retried by the outbox;
    others are reported. Ids are the platform's ids of what was created. `error` is the
    platform's own word for a failure; `reason` one of FAILURE_REASONS, set by the adapter."""

    ok: bool
    message_id: str | None = None
    channel_id: str | None = None
    thread_id: str | None = None
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None
    reason: str | None = None

    @classmethod
    def failed(
        cls,
        error: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        reason: str | None = None,
    ) -> ActionResult:
        return cls(
            ok=False, error=error, retryable=retryable, retry_after=retry_after, reason=reason
        )

    @property
    def why(self) -> str:
        """The failure's reason (FAILURE_REASONS): the adapter's, else "unreachable" for what
        was retried until given up."""
        if self.reason is not None and self.reason in FAILURE_REASONS:
            return self.reason
        return "unreachable" if self.retryable else "other"
