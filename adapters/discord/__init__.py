"""The Discord adapter: discord.py events in, core actions out.

Everything a member can do arrives as a core event (slash commands, the "Report message" context
menu, buttons, selects, modal submissions, messages, edits, joins); every core action becomes a
REST call through discord.py. No feature logic lives here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord
import yarl

from adapters.discord import render
from bot import actions as a
from bot import metrics
from bot.answering import answer_first
from bot.claims import first_sight, schedule_pruning
from bot.community import App
from bot.config import Settings
from bot.events import (
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
from bot.idempotency import Attempt, current
from bot.platform import Capability

log = logging.getLogger(__name__)

NAME = "discord"
ANSWER_WITHIN = 2.0  # seconds before an interaction is deferred (Discord allows 3)
THREAD_ALREADY_CREATED = 160004  # "A thread has already been created for this message"


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py at the configured REST base (a proxy, or the emulator in tests)."""
    discord.http.Route.BASE = settings.discord.api_base_url.rstrip("/")
    if settings.discord.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord.gateway_url)


def intents(settings: Settings) -> discord.Intents:
    value = discord.Intents.default()
    value.members = settings.discord.members_intent
    value.message_content = settings.discord.message_content_intent
    return value


class DiscordPlatform:
    name = NAME
    capabilities = frozenset(Capability)  # Discord can do everything the core asks for

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.interactions: dict[str, discord.Interaction] = {}

    # --- members ----------------------------------------------------------------------------
    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        guild = self.client.get_guild(int(community))
        if guild is None or not user_id.isdigit():
            return None
        member = guild.get_member(int(user_id))
        if member is None:
            with contextlib.suppress(discord.HTTPException):
                member = await guild.fetch_member(int(user_id))
        return actor_of(member) if member is not None else None

    # --- actions ----------------------------------------------------------------------------
    async def execute(self, action: a.Action) -> a.ActionResult:
        try:
            return await self._execute(action)
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
                f"{exc.status} {exc.text or exc}"[:300], retryable=retryable
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

    async def _execute(self, action: a.Action) -> a.ActionResult:
        place = action.place
        match action:
            case a.Respond():
                return await self._respond(action)
            case a.OpenForm():
                interaction = self.interactions.get(action.interaction or "")
                if interaction is None or interaction.response.is_done():
                    return a.ActionResult.failed("a form can only answer a fresh interaction")
                await interaction.response.send_modal(render.modal_for(action.form))
                return a.ActionResult(ok=True)
            case a.RejectForm():
                text = "\n".join(f"• {v}" for v in action.errors.values())
                return await self._respond(
                    a.Respond(place, action.user_id, _msg(text), action.interaction)
                )
            case a.Post():
                return await self._post(action)
            case a.SendPrivate():
                user = self.client.get_user(int(action.user_id)) or await self.client.fetch_user(
                    int(action.user_id)
                )
                msg = await self._send(user, action.message)
                return a.ActionResult(
                    ok=True, message_id=str(msg.id), channel_id=str(msg.channel.id)
                )
            case a.StartThread():
                channel = await self._channel(place.channel)
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
                    ok=True,
                    message_id=str(msg.id),
                    channel_id=str(channel.id),
                    thread_id=str(thread.id),
                )
            case a.EditMessage():
                channel = await self._channel(place.target)
                embeds = render.embeds_for(action.message)[0]
                await channel.get_partial_message(int(action.message_id)).edit(
                    embeds=embeds,
                    view=render.view_for(action.message) or discord.utils.MISSING,
                    allowed_mentions=render.NO_PINGS,
                )
                return a.ActionResult(ok=True, message_id=action.message_id)
            case a.DeleteMessage():
                channel = await self._channel(place.target)
                await channel.get_partial_message(int(action.message_id)).delete()
                return a.ActionResult(ok=True)
            case a.AddReaction():
                channel = await self._channel(place.target)
                await channel.get_partial_message(int(action.message_id)).add_reaction(action.emoji)
                return a.ActionResult(ok=True)
            case a.TimeoutMember():
                until = action.until.isoformat() if action.until else None
                await self.client.http.edit_member(
                    int(place.community),
                    int(action.user_id),
                    reason=action.reason or None,
                    communication_disabled_until=until,
                )
                return a.ActionResult(ok=True)
            case a.KickMember():
                await self.client.http.kick(
                    int(action.user_id), int(place.community), reason=action.reason or None
                )
                return a.ActionResult(ok=True)
            case a.BanMember():
                await self.client.http.ban(
                    int(action.user_id),
                    int(place.community),
                    action.delete_message_seconds,
                    reason=action.reason or None,
                )
                return a.ActionResult(ok=True)
            case a.UnbanMember():
                await self.client.http.unban(
                    int(action.user_id), int(place.community), reason=action.reason or None
                )
                return a.ActionResult(ok=True)
            case a.RemoveFromChannel():
                return a.ActionResult.failed(
                    "removing from a channel is done with permissions on Discord"
                )
        return a.ActionResult.failed(f"unsupported action {type(action).__name__}")

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

    async def _post(self, action: a.Post) -> a.ActionResult:
        channel = await self._channel(action.place.target)
        if isinstance(channel, discord.ForumChannel):
            tags = [t for t in channel.available_tags if t.name in action.forum_tags]
            embeds = render.embeds_for(action.message)[0]
            made = await channel.create_thread(
                name=(action.thread_name or action.message.title or "Post")[:100],
                embeds=embeds,
                applied_tags=tags,
                allowed_mentions=render.NO_PINGS,
            )
            if action.first_reply:
                await self._send(made.thread, action.first_reply)
            return a.ActionResult(
                ok=True,
                message_id=str(made.message.id),
                channel_id=str(channel.id),
                thread_id=str(made.thread.id),
            )
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


def _msg(text: str) -> Any:
    from bot.message import Message

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
        value = opt.get("value")
        if opt.get("type") == 6:
            value = f"<@{value}>"
        elif opt.get("type") == 7:
            value = f"<#{value}>"
        values[opt["name"]] = value
    return path, values


class CrossingsClient(discord.AutoShardedClient):
    def __init__(self, app: App, settings: Settings) -> None:
        d = settings.discord
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
        super().__init__(**kwargs)
        self.app = app
        self.settings = settings
        self.platform = DiscordPlatform(self)
        self.synced = asyncio.Event()

    async def setup_hook(self) -> None:
        d = self.settings.discord
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
    async def _handle(self, event: Event) -> None:
        actions = await self.app.handle(event)
        await answer_first(self.app, actions)
        self.app.outbox_kick()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.id == (self.user.id if self.user else 0) or message.webhook_id:
            return
        is_dm = message.guild is None
        event = MessagePosted(
            place_of(message.guild.id if message.guild else None, message.channel),
            actor_of(message.author),
            self.app.clock.now(),
            message_id=str(message.id),
            text=message.content[:4000],
            is_dm=is_dm,
            mentions=tuple(str(u.id) for u in message.mentions),
            mentions_everyone=message.mention_everyone,
            links=(),
        )
        await self._handle(event)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        data = payload.data
        if "content" not in data or data.get("author", {}).get("bot"):
            return
        author = data.get("author") or {}
        actor = Actor(str(author.get("id", "")), author.get("username", ""))
        place = Place(NAME, str(payload.guild_id or "dm"), str(payload.channel_id))
        await self._handle(
            MessageEdited(
                place,
                actor,
                self.app.clock.now(),
                message_id=str(payload.message_id),
                text=str(data.get("content", ""))[:4000],
            )
        )

    async def on_member_join(self, member: discord.Member) -> None:
        await self._handle(
            MemberJoined(Place(NAME, str(member.guild.id)), actor_of(member), self.app.clock.now())
        )

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
            task = asyncio.ensure_future(self.app.handle(event))
            try:
                actions = await asyncio.wait_for(asyncio.shield(task), ANSWER_WITHIN)
            except TimeoutError:
                # The core is slow: acknowledge now, answer with a follow-up when done.
                await interaction.response.defer(ephemeral=True, thinking=True)
                actions = await task
            results = await answer_first(self.app, actions)
            if not interaction.response.is_done() and not any(
                isinstance(x, a.OpenForm | a.Respond) for x in actions
            ):
                await interaction.response.defer(
                    ephemeral=True
                )  # nothing to say: still acknowledge
            for result in results:
                if not result.ok:
                    log.warning("interaction %s: action failed: %s", key, result.error)
        finally:
            self.platform.interactions.pop(key, None)
            self.app.outbox_kick()

    def _interaction_event(self, interaction: discord.Interaction) -> Event | None:
        data: dict[str, Any] = dict(interaction.data or {})  # type: ignore[arg-type]
        place = place_of(interaction.guild_id, interaction.channel)
        actor = actor_of(interaction.user)
        now = self.app.clock.now()
        key = str(interaction.id)
        if interaction.type is discord.InteractionType.application_command:
            if data.get("type") == 3:  # message context menu
                command = render.message_command_for(self.app.registry, data.get("name", ""))
                raw = (
                    (data.get("resolved") or {})
                    .get("messages", {})
                    .get(str(data.get("target_id")), {})
                )
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
                return CommandInvoked(
                    place, actor, now, interaction=key, path=command.path, target=target
                )
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
            fields: dict[str, str] = {}
            for row in data.get("components", []):
                for comp in row.get("components", []):
                    fields[str(comp.get("custom_id"))] = str(comp.get("value") or "")
                if row.get("type") == 18 and "component" in row:  # labelled inputs (newer modals)
                    comp = row["component"]
                    fields[str(comp.get("custom_id"))] = str(comp.get("value") or "")
            return FormSubmitted(
                place,
                actor,
                now,
                interaction=key,
                custom_id=str(data.get("custom_id", "")),
                fields=fields,
            )
        return None


class DiscordAdapter:
    def __init__(self, app: App, settings: Settings) -> None:
        configure_endpoints(settings)
        self.client = CrossingsClient(app, settings)
        schedule_pruning(app)
        self.platform = self.client.platform
        self.settings = settings
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        token = self.settings.discord.token
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

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task


def build(app: App, settings: Settings) -> DiscordAdapter:
    return DiscordAdapter(app, settings)


def now_utc() -> datetime:
    return datetime.now(UTC)
