"""The Discord adapter: discord.py events in, core actions out.

Everything a member can do arrives as a core event (slash commands, the "Report message" context
menu, buttons, selects, modal submissions, messages, edits, joins); every core action becomes a
REST call through discord.py. No feature logic lives here. Messages, edits and joins are written
to the inbox as they arrive and run from there (bot.kernel.delivery.inbox): a crash while one
is handled resumes it. Interactions keep their fast path (answered within 3 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

import aiohttp
import discord
import yarl

from adapters.discord import render, signin
from adapters.discord import survey as surveying
from adapters.discord.ratelimits import HeaderWatch
from adapters.discord.sessions import Keeper, recorded
from adapters.discord.settings import SECRETS, DiscordSettings, enabled
from bot.kernel import actions as a
from bot.kernel import answering, metrics, signins
from bot.kernel.app import App
from bot.kernel.claims import first_sight, schedule_pruning
from bot.kernel.clock import SystemClock
from bot.kernel.config import Settings
from bot.kernel.delivery.idempotency import Attempt, current
from bot.kernel.events import (
    Actor,
    CommandInvoked,
    ComponentClicked,
    Event,
    FormSubmitted,
    MemberJoined,
    MessageEdited,
    MessagePosted,
    MessageRef,
    Place,
)
from bot.kernel.pacing import Limits, Rate
from bot.kernel.platform import Platform, Survey, handles
from bot.kernel.plugin import AdapterPlugin

log = logging.getLogger(__name__)

NAME = "discord"
# Discord's JSON error codes, as the reasons moderators read (bot.kernel.actions.FAILURE_REASONS).
FAILURE_CODES = {
    50007: "dms_closed",  # Cannot send messages to this user
    50001: "no_access",  # Missing Access
    50013: "no_access",  # Missing Permissions
    10003: "channel_gone",  # Unknown Channel
    10007: "member_gone",  # Unknown Member
    10013: "member_gone",  # Unknown User
    50035: "rejected",  # Invalid Form Body
}
LIMITS = Limits(per_channel=Rate(5, 5.0), overall=Rate(50, 1.0), concurrency=16)
CLEAR_LIMIT = 2000  # "clear this conversation" reaches back this many messages
ANSWER_WITHIN = 2.0  # seconds before an interaction is deferred (Discord allows 3)
THREAD_ALREADY_CREATED = 160004  # "A thread has already been created for this message"


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py at the configured REST base (a proxy, or the emulator in tests)."""
    cfg = section(settings)
    discord.http.Route.BASE = cfg.api_base_url.rstrip("/")
    if cfg.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(cfg.gateway_url)


def intents(settings: Settings) -> discord.Intents:
    value = discord.Intents.default()
    value.members = section(settings).members_intent
    value.message_content = section(settings).message_content_intent
    return value


_USER_MENTION = re.compile(r"^<@!?(\d{1,20})>$")
_CHANNEL_MENTION = re.compile(r"^<#(\d{1,20})>$")


class DiscordPlatform(Platform):
    name = NAME

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.interactions: dict[str, discord.Interaction] = {}

    def pacing(self) -> Limits:
        """Discord: 5 messages per 5 s in a channel, 50 requests a second for the bot."""
        return LIMITS

    def requests_for(self, action: a.Action) -> int:
        """Requests an action makes (not counting a channel fetched the first time): a post
        that starts a thread makes the thread too, and its first reply; a new thread is
        created and posted in, and each member added."""
        if isinstance(action, a.Post) and action.thread_name:
            return 2 + (action.first_reply is not None)
        if isinstance(action, a.StartThread):
            return 2 + len(action.members)
        return 1

    # --- members ----------------------------------------------------------------------------
    def mention_member(self, text: str) -> str | None:
        m = _USER_MENTION.match(text)
        return m.group(1) if m else None

    def mention_channel(self, text: str) -> str | None:
        m = _CHANNEL_MENTION.match(text)
        return m.group(1) if m else None

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        guild = self.client.get_guild(int(community))
        if guild is None or not user_id.isdigit():
            return None
        member = guild.get_member(int(user_id))
        if member is None:
            with contextlib.suppress(discord.HTTPException):
                member = await guild.fetch_member(int(user_id))
        return actor_of(member) if member is not None else None

    async def survey(self, community: str) -> Survey | None:
        if not community.isdigit() or self.client.user is None:
            return None
        guild = self.client.get_guild(int(community))
        if guild is None:
            return Survey(present=False)
        http = self.client.http
        try:
            me = await http.get_member(guild.id, self.client.user.id)
            roles = await http.get_roles(guild.id)
            channels = await http.get_all_guild_channels(guild.id)
        except discord.NotFound:
            return Survey(present=False)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError):
            return None
        owner = str(guild.owner_id) if guild.owner_id else None
        return surveying.survey(community, owner, dict(me), list(roles), list(channels))  # type: ignore[arg-type]

    # --- actions ----------------------------------------------------------------------------
    async def execute(self, action: a.Action) -> a.ActionResult:
        try:
            return await super().execute(action)
        except discord.RateLimited as exc:
            metrics.RATE_LIMITED.labels(platform=NAME).inc()
            return a.ActionResult.failed(
                "rate limited", retryable=True, retry_after=exc.retry_after
            )
        except discord.HTTPException as exc:
            if exc.status == 429:
                metrics.RATE_LIMITED.labels(platform=NAME).inc()
            retryable = exc.status == 429 or exc.status >= 500
            return a.ActionResult.failed(
                f"{exc.status} {exc.text or exc}"[:300],
                retryable=retryable,
                reason=FAILURE_CODES.get(exc.code) or ("rejected" if exc.status == 400 else None),
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            return a.ActionResult.failed(f"network: {type(exc).__name__}", retryable=True)

    async def _channel(self, channel_id: str | None) -> Any:
        if not channel_id:
            raise discord.NotFound(_FakeResponse(404), "no channel")  # type: ignore[arg-type]
        channel = self.client.get_channel(int(channel_id))
        if channel is None:
            channel = await self.client.fetch_channel(int(channel_id))
        return channel

    async def _send(self, target: Any, message: Any, step: str = "post") -> discord.Message:
        """Send a core Message; long texts become several messages (the last carries buttons).
        From the outbox each create carries a nonce with enforce_nonce: resent after a crash or
        a lost response, Discord returns the message it already created."""
        attempt = current()
        groups = render.embeds_for(message)
        view = render.view_for(message)
        files = render.files_for(message)
        sent = None
        for i, embeds in enumerate(groups):
            last = i == len(groups) - 1
            kwargs: dict[str, Any] = {"embeds": embeds, "allowed_mentions": render.NO_PINGS}
            if i == 0 and render.content_for(message):
                kwargs["content"] = render.content_for(message)
            if last and view is not None:
                kwargs["view"] = view
            if last and files:
                kwargs["files"] = files
            if attempt is not None:
                kwargs["nonce"] = attempt.nonce(step, i)
            msg = await target.send(**kwargs)
            sent = sent or msg
        assert sent is not None
        return sent

    # One method per action: the `@handles` table is what Discord can do for the core.
    @handles(a.OpenForm)
    async def _open_form(self, action: a.OpenForm) -> a.ActionResult:
        interaction = self.interactions.get(action.interaction or "")
        if interaction is None or interaction.response.is_done():
            return a.ActionResult.failed("a form can only answer a fresh interaction")
        await interaction.response.send_modal(render.modal_for(action.form))
        return a.ActionResult(ok=True)

    @handles(a.RejectForm)
    async def _reject_form(self, action: a.RejectForm) -> a.ActionResult:
        text = "\n".join(f"• {v}" for v in action.errors.values())
        return await self._respond(
            a.Respond(action.place, action.user_id, _msg(text), action.interaction)
        )

    @handles(a.SendPrivate)
    async def _send_private(self, action: a.SendPrivate) -> a.ActionResult:
        user = self.client.get_user(int(action.user_id)) or await self.client.fetch_user(
            int(action.user_id)
        )
        msg = await self._send(user, action.message)
        return a.ActionResult(ok=True, message_id=str(msg.id), channel_id=str(msg.channel.id))

    @handles(a.ClearPrivate)
    async def _clear_private(self, action: a.ClearPrivate) -> a.ActionResult:
        """Delete the bot's own messages in its DM with the member, newest first. The member's
        own stay (Discord refuses a bot that tries, 50003); ephemeral answers are not kept."""
        user = self.client.get_user(int(action.user_id)) or await self.client.fetch_user(
            int(action.user_id)
        )
        channel = user.dm_channel or await user.create_dm()
        me = self.client.user
        async for message in channel.history(limit=CLEAR_LIMIT):
            if me is not None and message.author.id == me.id:
                await message.delete()
        return a.ActionResult(ok=True, channel_id=str(channel.id))

    @handles(a.StartThread)
    async def _start_thread(self, action: a.StartThread) -> a.ActionResult:
        channel = await self._channel(action.place.channel)
        kind = (
            discord.ChannelType.private_thread
            if action.private
            else discord.ChannelType.public_thread
        )
        thread = await channel.create_thread(name=action.name[:100], type=kind)
        msg = await self._send(thread, action.message)
        for uid in action.members:
            await thread.add_user(discord.Object(int(uid)))
        return a.ActionResult(
            ok=True, message_id=str(msg.id), channel_id=str(channel.id), thread_id=str(thread.id)
        )

    @handles(a.EditMessage)
    async def _edit(self, action: a.EditMessage) -> a.ActionResult:
        channel = await self._channel(action.place.target)
        await channel.get_partial_message(int(action.message_id)).edit(
            content=render.content_for(action.message),
            embeds=render.embeds_for(action.message)[0],
            # None, not MISSING: a card edited to have no buttons (a decided appeal) loses them.
            view=render.view_for(action.message) or None,
            allowed_mentions=render.NO_PINGS,
        )
        return a.ActionResult(ok=True, message_id=action.message_id)

    @handles(a.DeleteMessage)
    async def _delete(self, action: a.DeleteMessage) -> a.ActionResult:
        channel = await self._channel(action.place.target)
        await channel.get_partial_message(int(action.message_id)).delete()
        return a.ActionResult(ok=True)

    @handles(a.TimeoutMember)
    async def _timeout(self, action: a.TimeoutMember) -> a.ActionResult:
        await self.client.http.edit_member(
            int(action.place.community),
            int(action.user_id),
            reason=action.reason or None,
            communication_disabled_until=action.until.isoformat() if action.until else None,
        )
        return a.ActionResult(ok=True)

    @handles(a.KickMember)
    async def _kick(self, action: a.KickMember) -> a.ActionResult:
        await self.client.http.kick(
            int(action.user_id), int(action.place.community), reason=action.reason or None
        )
        return a.ActionResult(ok=True)

    @handles(a.BanMember)
    async def _ban(self, action: a.BanMember) -> a.ActionResult:
        await self.client.http.ban(
            int(action.user_id),
            int(action.place.community),
            action.delete_message_seconds,
            reason=action.reason or None,
        )
        return a.ActionResult(ok=True)

    @handles(a.UnbanMember)
    async def _unban(self, action: a.UnbanMember) -> a.ActionResult:
        await self.client.http.unban(
            int(action.user_id), int(action.place.community), reason=action.reason or None
        )
        return a.ActionResult(ok=True)

    @handles(a.Respond)
    async def _respond(self, action: a.Respond) -> a.ActionResult:
        interaction = self.interactions.get(action.interaction or "")
        if interaction is None:  # no interaction to answer: a DM (private) or a channel post
            if action.private:
                return await self.execute(
                    a.SendPrivate(action.place, action.user_id, action.message)
                )
            return await self.execute(a.Post(action.place, action.message))
        groups = render.embeds_for(action.message)
        view = render.view_for(action.message)
        files = render.files_for(action.message)
        first = True
        for i, embeds in enumerate(groups):
            kwargs: dict[str, Any] = {
                "embeds": embeds,
                "ephemeral": action.private,
                "allowed_mentions": render.NO_PINGS,
            }
            if first and render.content_for(action.message):
                kwargs["content"] = render.content_for(action.message)
            if i == len(groups) - 1:
                if view is not None:
                    kwargs["view"] = view
                if files:
                    kwargs["files"] = files
            if first and not interaction.response.is_done():
                await interaction.response.send_message(**kwargs)
            else:
                await interaction.followup.send(**kwargs)
            first = False
        return a.ActionResult(ok=True)

    async def _forum_post(self, forum: discord.ForumChannel, action: a.Post) -> a.ActionResult:
        """A forum post, once: Discord takes no nonce for it, so an attempt that may already
        have created it looks for it among the guild's active threads first."""
        attempt = current() or Attempt(key="")
        name = (action.thread_name or action.message.title or "Post")[:100]
        embeds = render.embeds_for(action.message)[0]
        posted = attempt.done("post")
        if posted is None and attempt.uncertain:
            posted = await self._forum_post_made(forum, name, embeds)
        if posted is None:
            tags = [t for t in forum.available_tags if t.name in action.forum_tags]
            made = await forum.create_thread(
                name=name, embeds=embeds, applied_tags=tags, allowed_mentions=render.NO_PINGS
            )
            posted = {"message_id": str(made.message.id), "thread_id": str(made.thread.id)}
        attempt.record("post", posted)
        if action.first_reply and attempt.done("reply") is None:
            thread = self.client.get_partial_messageable(int(posted["thread_id"]))
            reply = await self._send(thread, action.first_reply, "reply")
            attempt.record("reply", {"message_id": str(reply.id)})
        return a.ActionResult(
            ok=True,
            message_id=posted["message_id"],
            channel_id=str(forum.id),
            thread_id=posted["thread_id"],
        )

    async def _forum_post_made(
        self, forum: discord.ForumChannel, name: str, embeds: list[discord.Embed]
    ) -> dict[str, str] | None:
        """The post an earlier attempt made, if it is there: an active thread of this forum,
        started by the bot, with this name and a starter message that says the same."""
        me = self.client.user.id if self.client.user else None
        for thread in await forum.guild.active_threads():
            if thread.parent_id != forum.id or thread.owner_id != me or thread.name != name:
                continue
            try:
                starter = await thread.fetch_message(thread.id)  # a post's starter has its id
            except discord.NotFound:
                continue
            if _gist(starter.embeds) == _gist(embeds):
                log.info("forum post %s was already made: not posted again", thread.id)
                return {"message_id": str(starter.id), "thread_id": str(thread.id)}
        return None

    @handles(a.Post)
    async def _post(self, action: a.Post) -> a.ActionResult:
        channel = await self._channel(action.place.target)
        if isinstance(channel, discord.ForumChannel):
            return await self._forum_post(channel, action)
        attempt = current() or Attempt(key="")
        posted = attempt.done("post")
        if posted is None:
            msg = await self._send(channel, action.message)
            posted = {"message_id": str(msg.id), "channel_id": str(msg.channel.id)}
            attempt.record("post", posted)
        thread_id = None
        if action.thread_name:
            thread_id = await self._thread_once(attempt, channel, posted, action.thread_name)
            if action.first_reply and attempt.done("reply") is None:
                thread = self.client.get_partial_messageable(int(thread_id))
                reply = await self._send(thread, action.first_reply, "reply")
                attempt.record("reply", {"message_id": str(reply.id)})
        return a.ActionResult(
            ok=True,
            message_id=posted["message_id"],
            channel_id=posted["channel_id"],
            thread_id=thread_id,
        )

    async def _thread_once(
        self, attempt: Attempt, channel: Any, posted: dict[str, Any], name: str
    ) -> str:
        """The post's thread, created at most once: a thread started from a message has the
        message's id, and Discord refuses a second one (160004), which we take as done."""
        made = attempt.done("thread")
        if made is not None:
            return str(made["thread_id"])
        message = channel.get_partial_message(int(posted["message_id"]))
        try:
            thread_id = str((await message.create_thread(name=name[:100])).id)
        except discord.HTTPException as exc:
            if exc.code != THREAD_ALREADY_CREATED:
                raise
            thread_id = posted["message_id"]
        attempt.record("thread", {"thread_id": thread_id})
        return thread_id


class _FakeResponse:
    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "Not Found"


def _gist(embeds: list[discord.Embed]) -> list[tuple[str | None, str | None]]:
    """What a post says (titles and texts), to recognise one already made."""
    return [(e.title, e.description) for e in embeds]


def _msg(text: str) -> Any:
    from bot.kernel.message import Message

    return Message(text=text, tone="warning")


def actor_of(user: discord.abc.User) -> Actor:
    if isinstance(user, discord.Member):
        guild = user.guild
        return Actor(
            str(user.id),
            user.display_name,
            roles=frozenset(str(r.id) for r in user.roles if not r.is_default()),
            is_admin=user.guild_permissions.administrator,
            is_owner=guild.owner_id == user.id,
            is_bot=user.bot,
            rank=user.top_role.position,
            joined_at=user.joined_at,
            created_at=user.created_at,
        )
    return Actor(
        str(user.id),
        user.display_name,
        is_bot=user.bot,
        created_at=getattr(user, "created_at", None),
    )


def place_of(guild_id: int | None, channel: Any) -> Place:
    community = str(guild_id) if guild_id else "dm"
    if isinstance(channel, discord.Thread):
        return Place(NAME, community, str(channel.parent_id), str(channel.id))
    return Place(NAME, community, str(channel.id) if channel is not None else None)


def _flatten(options: Any) -> tuple[list[str], dict[str, Any]]:
    """Slash command options -> (subcommand path, {name: value}). Anything malformed is
    skipped: the core then reports the missing option to the member."""
    path: list[str] = []
    values: dict[str, Any] = {}
    for opt in options if isinstance(options, list) else []:
        if not isinstance(opt, dict) or not isinstance(opt.get("name"), str):
            continue
        if opt.get("type") in (1, 2):
            path.append(opt["name"])
            sub_path, sub_values = _flatten(opt.get("options", []))
            path += sub_path
            values.update(sub_values)
            continue
        # User (6) and channel (7) options arrive as ids already: the core takes them as typed.
        values[opt["name"]] = opt.get("value")
    return path, values


class CrossingsClient(discord.AutoShardedClient):
    def __init__(self, app: App, settings: Settings) -> None:
        d = section(settings)
        kwargs: dict[str, Any] = {
            "intents": intents(settings),
            "chunk_guilds_at_startup": False,
            "allowed_mentions": render.NO_PINGS,
            "guild_ready_timeout": 0.1,
        }
        if d.shard_count:
            kwargs["shard_count"] = d.shard_count
            if d.shard_ids is not None:
                kwargs["shard_ids"] = d.shard_ids
        else:
            kwargs["shard_count"] = 1
        # Discord's rate-limit headers reach the outbox's budget, shared across processes.
        self.headers = HeaderWatch(NAME, lambda: app.outbox.limiter, LIMITS)
        kwargs["http_trace"] = self.headers.trace()
        super().__init__(**kwargs)
        self.app = app
        self.settings = settings
        self.platform = DiscordPlatform(self)
        self.synced = asyncio.Event()
        self.keeper = Keeper(app.store, lambda: self.http.token, self._gateways, self._feed)

    async def setup_hook(self) -> None:
        d = section(self.settings)
        if d.command_sync == "off":
            self.synced.set()
            return
        payload = render.command_payloads(self.app.registry)
        assert self.application_id is not None
        if d.command_sync == "guild":
            for guild_id in d.guild_ids:
                await self.http.bulk_upsert_guild_commands(
                    self.application_id, int(guild_id), payload
                )
        else:
            await self.http.bulk_upsert_global_commands(self.application_id, payload)
        self.synced.set()

    # --- events -----------------------------------------------------------------------------
    async def _record(self, event: Event, key: str) -> None:
        """Into the inbox, keyed by what Discord would send again (a resumed session replays
        events); the inbox runs it, here or on another process."""
        if not await self.app.inbox.record_event(event, key):
            metrics.INBOUND_REPLAYS.labels(platform=NAME).inc()

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        self.keeper.checkpoints.dispatched(event_name)
        super().dispatch(event_name, *args, **kwargs)

    def _gateways(self) -> list[tuple[int, Any]]:
        """Each shard's gateway websocket (discord.py keeps it on the shard behind ShardInfo)."""
        return [(sid, getattr(info._parent, "ws", None)) for sid, info in self.shards.items()]

    def _feed(self, event: str, data: dict[str, Any]) -> None:
        """A replayed gateway event, parsed as discord.py parses one that just arrived."""
        self._connection.parsers[event](data)

    @recorded
    async def on_message(self, message: discord.Message) -> None:
        if message.author.id == (self.user.id if self.user else 0) or message.webhook_id:
            return
        await self._record(self._posted(MessagePosted, message), f"message:{message.id}")

    @recorded
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """An edit meets automod and the crisis pathway exactly as a new message would."""
        message = payload.message
        if "content" not in payload.data or message.author.bot or message.webhook_id:
            return
        edited = payload.data.get("edited_timestamp") or ""
        await self._record(self._posted(MessageEdited, message), f"edit:{message.id}:{edited}")

    def _posted(self, kind: type[MessagePosted], message: discord.Message) -> MessagePosted:
        return kind(
            place_of(message.guild.id if message.guild else None, message.channel),
            actor_of(message.author),
            self.app.clock.now(),
            message_id=str(message.id),
            text=message.content[:4000],
            is_dm=message.guild is None,
            mentions=tuple(str(u.id) for u in message.mentions),
            mentions_everyone=message.mention_everyone,
        )

    @recorded
    async def on_member_join(self, member: discord.Member) -> None:
        joined = member.joined_at.isoformat() if member.joined_at else ""
        await self._record(
            MemberJoined(Place(NAME, str(member.guild.id)), actor_of(member), self.app.clock.now()),
            f"join:{member.guild.id}:{member.id}:{joined}",
        )

    @recorded
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """Roles changed (needs the members intent): the member's dashboard sessions that did
        privileged work under the old roles end (bot.kernel.signins)."""
        if signins.fingerprint(actor_of(before)) != signins.fingerprint(actor_of(after)):
            self._member_changed(after.guild.id, after.id, actor_of(after))

    @recorded
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        self._member_changed(payload.guild_id, payload.user.id, None)

    def _member_changed(self, guild: int, user: int, actor: Actor | None) -> None:
        now = SystemClock().now()
        ended = signins.member_changed(self.app.store, NAME, str(guild), str(user), actor, now)
        if ended:
            log.info("a Discord member's roles changed: %d dashboard sessions ended", ended)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        event = self._interaction_event(interaction)
        if event is None:
            return
        key = str(interaction.id)
        if not first_sight(self.app.store, "discord-interaction", key, self.app.clock.now()):
            metrics.INBOUND_REPLAYS.labels(platform=NAME).inc()
            return  # delivered again (a resumed session): it was handled once already
        self.platform.interactions[key] = interaction
        try:
            answered = await self.app.run(
                event, answering.WithinDeadline(ANSWER_WITHIN, self._deferral(interaction))
            )
            if not interaction.response.is_done() and not any(
                isinstance(x, a.OpenForm | a.Respond) for x in answered.actions
            ):
                await interaction.response.defer(ephemeral=True)  # nothing to say: still ack
            for result in answered.results:
                if not result.ok:
                    log.warning("interaction %s: action failed: %s", key, result.error)
        finally:
            self.platform.interactions.pop(key, None)

    @staticmethod
    def _deferral(interaction: discord.Interaction) -> answering.Acknowledge:
        """Discord is acknowledged by the answer itself when it is ready in time (the first
        response); at the deadline, by a deferral that the answer then follows up."""

        async def acknowledge(ready: list[a.Action] | None) -> list[a.Action]:
            if ready is None:
                await interaction.response.defer(ephemeral=True, thinking=True)
                return []
            return ready

        return acknowledge

    def _interaction_event(self, interaction: discord.Interaction) -> Event | None:
        data: dict[str, Any] = dict(interaction.data or {})  # type: ignore[arg-type]
        place = place_of(interaction.guild_id, interaction.channel)
        # Discord sends the member's client language with every interaction.
        actor = replace(actor_of(interaction.user), locale=str(interaction.locale.value))
        now = self.app.clock.now()
        key = str(interaction.id)
        if interaction.type is discord.InteractionType.application_command:
            if data.get("type") == 3:  # message context menu
                return self._message_command(interaction, data, place, actor)
            sub, options = _flatten(list(data.get("options", [])))
            return CommandInvoked(
                place,
                actor,
                now,
                interaction=key,
                path=(data.get("name", ""), *sub),
                options=options,
            )
        if interaction.type is discord.InteractionType.component:
            return ComponentClicked(
                place,
                actor,
                now,
                interaction=key,
                custom_id=str(data.get("custom_id", "")),
                values=tuple(data.get("values", ())),
                message_id=str(interaction.message.id) if interaction.message else None,
            )
        if interaction.type is discord.InteractionType.modal_submit:
            fields = _form_fields(data)
            return FormSubmitted(
                place,
                actor,
                now,
                interaction=key,
                custom_id=str(data.get("custom_id", "")),
                fields=fields,
            )
        return None

    def _message_command(
        self, interaction: discord.Interaction, data: dict[str, Any], place: Place, actor: Actor
    ) -> Event | None:
        """A message context-menu command ("Report message") with the message it points at."""
        command = render.message_command_for(self.app.registry, data.get("name", ""))
        messages = (data.get("resolved") or {}).get("messages", {})
        raw = messages.get(str(data.get("target_id")), {})
        if command is None or not raw:
            return None
        author = raw.get("author") or {}
        target = MessageRef(
            place,
            str(raw.get("id")),
            str(author.get("id", "")),
            str(raw.get("content", ""))[:4000],
            author.get("username", ""),
            f"https://discord.com/channels/{interaction.guild_id}/{raw.get('channel_id')}/{raw.get('id')}",
        )
        now, key = self.app.clock.now(), str(interaction.id)
        return CommandInvoked(place, actor, now, interaction=key, path=command.path, target=target)


class DiscordAdapter:
    def __init__(self, app: App, settings: Settings) -> None:
        self.finished = asyncio.Event()
        configure_endpoints(settings)
        self.client = CrossingsClient(app, settings)
        app.inbox.accept(NAME)
        schedule_pruning(app)
        self.platform = self.client.platform
        self.settings = settings
        self._task: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        token = section(self.settings).token
        assert token is not None
        await self.client.login(token.get_secret_value())
        self._task = asyncio.create_task(
            self.client.connect(reconnect=True), name="discord-gateway"
        )
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            ready.cancel()
            self._task.result()  # raises the connection error
        self._keeper = asyncio.create_task(self.client.keeper.run(), name="discord-sessions")

    async def stop(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
        await self.client.close()  # closes with 1000: Discord ends the sessions
        await self.client.app.inbox.drain()
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.client.keeper.forget)
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task


def build(app: App, settings: Settings) -> DiscordAdapter:
    return DiscordAdapter(app, settings)


def now_utc() -> datetime:
    return datetime.now(UTC)


def section(settings: Settings) -> DiscordSettings:
    """This adapter's section of the settings."""
    return cast(DiscordSettings, getattr(settings, NAME))


plugin = AdapterPlugin(
    name=NAME,
    settings=DiscordSettings,
    build=build,
    enabled=enabled,
    secrets=SECRETS,
    sign_in=signin.sign_in,
    moved=signin.MOVED,
)


def _form_fields(data: dict[str, Any]) -> dict[str, str]:
    """A modal's inputs by custom id, from action rows and from newer labelled inputs."""
    fields: dict[str, str] = {}
    for row in data.get("components", []):
        for comp in row.get("components", []):
            fields[str(comp.get("custom_id"))] = str(comp.get("value") or "")
        if row.get("type") == 18 and "component" in row:  # labelled inputs (newer modals)
            comp = row["component"]
            fields[str(comp.get("custom_id"))] = str(comp.get("value") or "")
    return fields
