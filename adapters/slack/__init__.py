"""The Slack adapter: slack-bolt (AsyncApp) in Socket Mode or signed HTTP mode.

Every Slack request is acknowledged as soon as its listener returns (adapters/slack/acking.py).
A slash command's ack carries the member's answer when it is ready within two seconds (else a
plain ack, and the answer follows); view submissions wait as long, so field errors can be
shown in the modal, and the answer is delivered before the ack (ephemeral, else a DM) or, when
neither reaches the member, shown by the modal itself; everything else is acknowledged at once.
The core's remaining work continues after the ack. Events (messages, joins, the App Home, member
changes) are written to the inbox before they are acknowledged and run from there
(bot.kernel.delivery.inbox), so a crash after the ack resumes them and a retry of one never
recorded is run, not dropped. One slash command (`/crossings ...`) reaches every core command.
No feature logic lives here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import aiohttp
import yaml
from aiohttp import web
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import acking, guard, render, sending, signin, tiers
from adapters.slack.directory import Directory
from adapters.slack.installs import DatabaseInstallations, DatabaseOAuthStates
from adapters.slack.members import Members, actor_of
from adapters.slack.settings import SECRETS, SlackSettings, enabled
from bot.kernel import actions as a
from bot.kernel import answering, metrics, signins
from bot.kernel.answering import DELIVER_NOW
from bot.kernel.app import App
from bot.kernel.claims import first_sight, schedule_pruning
from bot.kernel.clock import SystemClock
from bot.kernel.commands import CommandError
from bot.kernel.config import Settings
from bot.kernel.events import (
    Actor,
    CommandInvoked,
    ComponentClicked,
    Event,
    FormSubmitted,
    HomeOpened,
    Inbound,
    MemberJoined,
    MessageEdited,
    MessagePosted,
    MessageRef,
    Place,
)
from bot.kernel.message import Message
from bot.kernel.pacing import Limits
from bot.kernel.platform import Named, Platform, Survey, handles
from bot.kernel.plugin import AdapterPlugin

log = logging.getLogger(__name__)

NAME = "slack"
ANSWER_WITHIN = 2.0
VIEW_ACK_WITHIN = 2.6  # a form's answer is tried before the ack, inside Slack's 3 seconds
AckWith = Callable[[list[a.Action]], Awaitable[list[a.Action]]]
ACTOR_WAIT = 0.5  # users.info may be rate limited: never let it hold an answer back
DRAIN_ON_STOP = 5.0  # seconds in-flight work gets to finish when the adapter stops
RETRYABLE_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}
CLEAR_PAGES = 10  # "clear this conversation" reaches back 2,000 messages
NOT_A_MEMBER = {"channel_not_found", "not_in_channel", "user_not_in_channel"}
# Events that do work: recorded in the inbox before the ack, run from there.
EVENT_KINDS = ("message", "member_joined_channel", "app_home_opened", "user_change", "team_join")


@dataclass
class Pending:
    """What an interaction needs for its answers: where, who, and how to open a modal."""

    team: str
    channel: str | None
    user: str
    trigger_id: str | None
    response_url: str | None
    errors: dict[str, str] | None = None


_TEAM_CLIENT: ContextVar[AsyncWebClient | None] = ContextVar("slack_team_client", default=None)
TokenLookup = Callable[[str], Awaitable[str | None]]


_USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]{1,20})(?:\|[^>]*)?>$")
_CHANNEL_MENTION = re.compile(r"^<#([CGD][A-Z0-9]{1,20})(?:\|[^>]*)?>$")


class SlackPlatform(Platform):
    name = NAME

    def mention_member(self, text: str) -> str | None:
        m = _USER_MENTION.match(text)
        return m.group(1) if m else None

    def mention_channel(self, text: str) -> str | None:
        m = _CHANNEL_MENTION.match(text)
        return m.group(1) if m else None

    def pacing(self) -> Limits:
        """Slack: about one message a second in a channel (chat.postMessage), and each method's
        tier per workspace (adapters.slack.tiers)."""
        return tiers.LIMITS

    def __init__(
        self,
        client: AsyncWebClient,
        user_client: AsyncWebClient | None = None,
        token_for: TokenLookup | None = None,
        member_cache_seconds: float = 30.0,
    ) -> None:
        self.default_client = client
        self.user_client = user_client  # deleting members' messages needs a user token with rights
        self.token_for = token_for  # multi-workspace installs: the bot token of a team
        self.pending: dict[str, Pending] = {}
        self.members = Members(member_cache_seconds)
        self._clients: dict[str, AsyncWebClient] = {}
        self.directory = Directory()
        self.command_prefix = "/crossings "  # how members type a command here (help text)

    def lookup_member(self, community: str, name: str) -> str | None:
        return self.directory.member(community, name)

    def lookup_channel(self, community: str, name: str) -> str | None:
        return self.directory.channel(community, name)

    @property
    def client(self) -> AsyncWebClient:
        """The client for the workspace being acted in (set per action)."""
        return _TEAM_CLIENT.get() or self.default_client

    async def client_for(self, team: str) -> AsyncWebClient:
        if self.token_for is None:
            return self.default_client
        if team not in self._clients:
            token = await self.token_for(team)
            if token is None:
                return self.default_client
            base = self.default_client
            self._clients[team] = AsyncWebClient(
                token=token, base_url=base.base_url, retry_handlers=base.retry_handlers
            )
        return self._clients[team]

    async def survey(self, community: str) -> Survey | None:
        """Channels (and whether the bot is in each) and members, read now. Slack has no
        roles: a community's role mapping holds members as `user:ID`."""
        client = await self.client_for(community)
        try:
            channels = await _listed(
                client.conversations_list,
                "channels",
                types="public_channel,private_channel",
                exclude_archived=True,
            )
            users = await _listed(client.users_list, "members")
        except SlackApiError:
            return None
        people = [u for u in users if not u.get("is_bot") and not u.get("deleted")]
        return Survey(
            channels=tuple(Named(str(c["id"]), str(c.get("name", ""))) for c in channels),
            roles=tuple(
                Named(
                    f"user:{u['id']}",
                    (u.get("profile") or {}).get("display_name")
                    or u.get("real_name")
                    or u.get("name", ""),
                )
                for u in people
            ),
            unreadable=tuple(str(c["id"]) for c in channels if c.get("is_member") is False),
        )

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        """The member as Slack says now (users.info), or from the short cache that `user_change`
        and `team_join` clear; None for a deactivated user or one Slack does not know."""
        cached = self.members.get(community, user_id)
        if cached is not None:
            return cached
        try:
            info = await (await self.client_for(community)).users_info(
                user=user_id, include_locale=True
            )
        except SlackApiError:
            return None
        u = info["user"]
        self.directory.learn_member(community, u)
        actor = actor_of(u)
        if actor is not None:
            self.members.put(community, user_id, actor)
        return actor

    def member_changed(self, community: str, user: dict[str, Any]) -> Actor | None:
        """Slack reported a change to this member: forget what was cached about them."""
        self.members.forget(community, str(user.get("id", "")))
        if not user.get("deleted"):
            self.directory.learn_member(community, user)
        return actor_of(user)

    async def execute(self, action: a.Action) -> a.ActionResult:
        reset = _TEAM_CLIENT.set(await self.client_for(action.place.community))
        try:
            return await super().execute(action)
        except SlackApiError as exc:
            error = sending.error_of(exc)
            if error == "ratelimited":
                metrics.RATE_LIMITED.labels(platform=NAME).inc()
                retry = float(exc.response.headers.get("Retry-After", 1) or 1)
                return a.ActionResult.failed(error, retryable=True, retry_after=retry)
            return a.ActionResult.failed(
                error,
                retryable=sending.retryable(exc, RETRYABLE_ERRORS),
                reason=sending.FAILURE_REASONS.get(error),
            )
        except (TimeoutError, OSError, aiohttp.ClientError) as exc:
            return a.ActionResult.failed(f"network: {type(exc).__name__}", retryable=True)
        finally:
            _TEAM_CLIENT.reset(reset)

    async def _post(
        self, channel: str, message: Message, thread_ts: str | None = None, step: str = "post"
    ) -> dict[str, Any]:
        """Post once (see adapters.slack.sending): metadata names the outbox entry."""
        ts = await sending.post_once(self.client, channel, message, thread_ts, step)
        return {"ts": ts, "channel": channel}

    async def _dm(self, user: str) -> str:
        opened = await self.client.conversations_open(users=user)
        return str(opened["channel"]["id"])

    @handles(a.PublishHome)
    async def _publish_home(self, action: a.PublishHome) -> a.ActionResult:
        view = {"type": "home", "blocks": render.blocks_for(action.message)}
        await self.client.views_publish(user_id=action.user_id, view=view)
        return a.ActionResult(ok=True)

    @handles(a.ClearPrivate)
    async def _clear_private(self, action: a.ClearPrivate) -> a.ActionResult:
        """Delete what the bot posted in its DM with the member, page by page from the newest
        (conversations.history, im:history). The member's own messages stay: a bot token
        cannot delete them. Ephemeral answers were never stored."""
        client = self.client
        me = await client.auth_test()
        bot_id, bot_user = me.get("bot_id"), me.get("user_id")
        channel = await self._dm(action.user_id)
        latest: str | None = None
        for _ in range(CLEAR_PAGES):
            page = await client.conversations_history(channel=channel, limit=200, latest=latest)
            messages = page.get("messages") or []
            for message in messages:
                if message.get("bot_id") == bot_id or message.get("user") == bot_user:
                    await client.chat_delete(channel=channel, ts=message["ts"])
            if not page.get("has_more") or not messages:
                break
            latest = str(messages[-1]["ts"])
        return a.ActionResult(ok=True, channel_id=channel)

    # Slack does not let apps time out, kick or ban members: those actions have no handler.
    @handles(
        a.Post, a.SendPrivate, a.Respond, a.OpenForm, a.RejectForm, a.StartThread,
        a.EditMessage, a.DeleteMessage,
    )  # fmt: skip
    async def _execute(self, action: a.Action) -> a.ActionResult:
        place = action.place
        match action:
            case a.Post():
                return await self._post_action(action)
            case a.SendPrivate():
                channel = await self._dm(action.user_id)
                sent = await self._post(channel, action.message)
                await sending.upload_files(self.client, channel, action.message)
                return a.ActionResult(ok=True, message_id=sent["ts"], channel_id=channel)
            case a.Respond():
                return await self._respond(action)
            case a.OpenForm():
                return await self._open_form(action)
            case a.RejectForm():
                return await self._reject_form(action)
            case a.StartThread():
                return await self._start_thread(action)
            case a.EditMessage():
                await self.client.chat_update(
                    channel=place.target or "",
                    ts=action.message_id,
                    text=render.fallback_text(action.message),
                    blocks=render.blocks_for(action.message),
                )
                return a.ActionResult(ok=True, message_id=action.message_id)
            case a.DeleteMessage():
                client = self.user_client or self.client
                await client.chat_delete(channel=place.target or "", ts=action.message_id)
                return a.ActionResult(ok=True)
        return a.ActionResult.failed(f"unsupported action {type(action).__name__}")

    async def _post_action(self, action: a.Post) -> a.ActionResult:
        place = action.place
        assert place.channel is not None
        sent = await self._post(place.channel, action.message, place.thread)
        thread = place.thread
        if action.thread_name or action.first_reply:
            thread = sent["ts"]
            if action.first_reply:
                await self._post(place.channel, action.first_reply, thread, "reply")
        return a.ActionResult(
            ok=True, message_id=sent["ts"], channel_id=place.channel, thread_id=thread
        )

    async def _open_form(self, action: a.OpenForm) -> a.ActionResult:
        pending = self.pending.get(action.interaction or "")
        if pending is None or not pending.trigger_id:
            return a.ActionResult.failed("a form needs a fresh interaction")
        await self.client.views_open(
            trigger_id=pending.trigger_id,
            view=render.modal_for(action.form, pending.channel or ""),
        )
        return a.ActionResult(ok=True)

    async def _reject_form(self, action: a.RejectForm) -> a.ActionResult:
        pending = self.pending.get(action.interaction or "")
        if pending is not None:
            pending.errors = dict(action.errors)  # shown in the modal by the ack
            return a.ActionResult(ok=True)
        text = "\n".join(f"• {v}" for v in action.errors.values())
        return await self._respond(
            a.Respond(action.place, action.user_id, Message(text=text), None)
        )

    async def _start_thread(self, action: a.StartThread) -> a.ActionResult:
        if action.private:
            opened = await self.client.conversations_open(users=",".join(action.members))
            channel = opened["channel"]["id"]
        else:
            assert action.place.channel is not None
            channel = action.place.channel
        sent = await self._post(
            channel,
            Message(
                title=action.name,
                text=action.message.text,
                fields=action.message.fields,
                rows=action.message.rows,
            ),
        )
        return a.ActionResult(
            ok=True, message_id=sent["ts"], channel_id=channel, thread_id=sent["ts"]
        )

    async def _respond(self, action: a.Respond) -> a.ActionResult:
        pending = self.pending.get(action.interaction or "")
        if pending is None or not pending.channel:
            if action.private:
                return await self._execute(
                    a.SendPrivate(action.place, action.user_id, action.message)
                )
            return await self._execute(a.Post(action.place, action.message))
        blocks = render.blocks_for(action.message)
        text = render.fallback_text(action.message)
        if action.private:
            try:
                sent = await self.client.chat_postEphemeral(
                    channel=pending.channel,
                    user=pending.user,
                    text=text,
                    blocks=blocks,
                    thread_ts=action.place.thread,
                )
            except SlackApiError as exc:
                # A private channel or a DM between members the bot is not in: the
                # interaction's response_url reaches the member there; a form's submission has
                # none, so the answer goes to the member's DM with the bot.
                if sending.error_of(exc) not in NOT_A_MEMBER:
                    raise
                if pending.response_url and await sending.respond_via_url(
                    pending.response_url, action.message, private=True, session=self.client.session
                ):
                    return a.ActionResult(ok=True)
                return await self._execute(
                    a.SendPrivate(action.place, action.user_id, action.message)
                )
            return a.ActionResult(ok=True, message_id=sent.get("message_ts"))
        posted = await self._post(pending.channel, action.message, action.place.thread)
        return a.ActionResult(ok=True, message_id=posted["ts"])


async def _listed(method: Any, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Up to 10 cursor pages of 200 (the pickers of a very large workspace are cut there)."""
    out: list[dict[str, Any]] = []
    cursor = None
    for _ in range(10):
        page = await method(limit=200, cursor=cursor, **kwargs)
        out += page.get(key) or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return out


def _is_answer(action: a.Respond, interaction: str) -> bool:
    """The member's private answer to this interaction (a form's confirmation, say)."""
    return action.private and action.interaction == interaction


def _opt(text: str | None) -> str | None:
    return text or None


class SlackAdapter:
    def __init__(self, app: App, settings: Settings) -> None:
        self.finished = asyncio.Event()
        s = section(settings)
        # Only 429s are retried inside the SDK (nothing was accepted; the outbox renews its
        # lease meanwhile). A dropped connection or a 5xx may hide an accepted post: those go
        # back to the outbox, which reads the channel's history before posting again.
        retries: list[AsyncRetryHandler] = [AsyncRateLimitErrorRetryHandler(max_retry_count=2)]
        oauth = s.client_id is not None and s.client_secret is not None
        token = s.bot_token.get_secret_value() if s.bot_token and not oauth else None
        self.client = AsyncWebClient(token=token, base_url=s.api_base_url, retry_handlers=retries)
        user_client = None
        if s.user_token is not None:
            user_client = AsyncWebClient(
                token=s.user_token.get_secret_value(), base_url=s.api_base_url
            )
        self.installs: DatabaseInstallations | None = None
        oauth_settings, authorize = self._oauth(app, s) if oauth else (None, None)
        self.platform = SlackPlatform(
            self.client,
            user_client,
            self.installs.token_for if self.installs else None,
            member_cache_seconds=s.member_cache_seconds,
        )
        self.platform.command_prefix = s.command + " "
        self.core = app
        self.settings = settings
        schedule_pruning(app)
        secret = s.signing_secret.get_secret_value() if s.signing_secret else None
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=secret,
            request_verification_enabled=s.mode == "http",
            # The listener's return is the ack: no polling for it (see acking.py).
            process_before_response=True,
            oauth_settings=oauth_settings,
            authorize=authorize,
        )
        self._handler: Any = None
        self.background = acking.Background()
        self._runner: web.AppRunner | None = None
        self.port = s.http_port
        self._register()
        app.inbox.accept(NAME, self._decode)

    def _oauth(self, app: App, s: SlackSettings) -> tuple[Any, Any]:
        """Installs kept in the database (OAuth), and Bolt's authorize that reads them."""
        from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
        from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

        assert s.client_id is not None and s.client_secret is not None
        self.installs = DatabaseInstallations(app.store.engine, s.client_id)
        # Bolt checks a stored token with auth.test on every request, a round trip to Slack
        # before the ack; what it answers for a token does not change, so it is cached.
        authorize = AsyncInstallationStoreAuthorize(
            logger=log,
            installation_store=self.installs,
            client_id=s.client_id,
            client_secret=s.client_secret.get_secret_value(),
            cache_enabled=True,
        )
        scopes = render.manifest(app.registry)["oauth_config"]["scopes"]["bot"]
        oauth_settings = AsyncOAuthSettings(
            client_id=s.client_id,
            client_secret=s.client_secret.get_secret_value(),
            scopes=scopes,
            installation_store=self.installs,
            state_store=DatabaseOAuthStates(app.store.engine),
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
        )
        return oauth_settings, authorize

    # --- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        s = section(self.settings)
        # One pooled HTTP session for every Web API call (bolt's per-request clients share it):
        # without it slack_sdk opens a new connection per call, and bursts run out of them.
        self.client.session = aiohttp.ClientSession()
        if self.installs is None:  # one workspace: learn its names before serving
            auth = await self.client.auth_test()
            await self.platform.directory.fill(self.client, str(auth["team_id"]))
        if s.mode == "socket":
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            assert s.app_token is not None
            self._handler = AsyncSocketModeHandler(self.bolt, s.app_token.get_secret_value())
            await self._handler.connect_async()
        else:
            # Bolt also serves /slack/install and /slack/oauth_redirect when OAuth is configured.
            web_app = self.bolt.web_app(path="/slack/events")
            secret = s.signing_secret.get_secret_value() if s.signing_secret else None
            web_app.middlewares.append(guard.refuse_malformed("/slack/events", secret))
            self._runner = web.AppRunner(web_app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, s.http_host, s.http_port)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._handler is not None:
            with contextlib.suppress(Exception):
                await self._handler.close_async()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.background.drain(DRAIN_ON_STOP)
        await self.core.inbox.drain(DRAIN_ON_STOP)
        if self.client.session is not None:
            await self.client.session.close()

    # --- listeners --------------------------------------------------------------------------
    def _register(self) -> None:
        bolt = self.bolt
        bolt.middleware(guard.refuse_incomplete)  # before a replay record is written
        bolt.middleware(self._refuse_replays)
        bolt.command(section(self.settings).command)(self._on_command)
        bolt.shortcut(re.compile(".*"))(self._on_shortcut)
        bolt.action(re.compile(r"^(?!link:).*"))(self._on_action)
        bolt.action(re.compile(r"^link:"))(self._ack_only)
        bolt.view_submission(re.compile(".*"))(self._on_view)
        bolt.view_closed(re.compile(".*"))(self._ack_only)
        # Events are in the inbox when these run (`_refuse_replays` recorded them); Bolt acks
        # them when these return, and the inbox runs them (`_decode`).
        for kind in EVENT_KINDS:
            bolt.event(kind)(self._recorded)

    async def _recorded(self, body: dict[str, Any]) -> None:
        """Nothing left to do before the ack: the event is in the inbox. (Bolt passes
        arguments by parameter name, and a listener takes at least one.)"""

    async def _record(self, req: AsyncBoltRequest, now: datetime) -> bool | None:
        """An event that does work goes to the inbox before it is acknowledged, keyed by its
        `event_id`: True when recorded now, False when it was before (a retry), None for a
        request that is not such an event."""
        body = req.body if isinstance(req.body, dict) else {}
        event = body.get("event")
        event_id = body.get("event_id")
        if not isinstance(event, dict) or event.get("type") not in EVENT_KINDS:
            return None
        if not isinstance(event_id, str) or not event_id:
            return None
        team = str(req.context.team_id or body.get("team_id") or "")
        channel = event.get("channel") if isinstance(event.get("channel"), str) else None
        inbound = Inbound(Place(NAME, team, channel), "event_callback", json.dumps(body), now)
        return await self.core.inbox.record(inbound, f"{team}:{event_id}")

    async def _decode(self, inbound: Inbound) -> Event | None:
        """A recorded event as the core event to run (None: nothing for the core to do)."""
        body = json.loads(inbound.body)
        event = body.get("event") or {}
        kind = event.get("type")
        if kind == "message":
            return await self._on_message(body, event, inbound.at)
        if kind == "member_joined_channel":
            return await self._on_join(body, event, inbound.at)
        if kind == "app_home_opened":
            return await self._on_home(body, event, inbound.at)
        if kind in ("user_change", "team_join"):
            self._on_user_change(body, event)
        return None

    async def _refuse_replays(self, req: AsyncBoltRequest, resp: BoltResponse, next: Any) -> Any:
        """A signed request is accepted once (HTTP mode), and an event once by its event_id
        whatever the mode: Slack retries an event it got no ack for with the same event_id
        (X-Slack-Retry-Num). An event that does work is written to the inbox here, before the
        ack; a retry of one already there is acknowledged and goes no further, and a retry of
        one never recorded (the process died first) is recorded now. Other events are claimed
        by their id. Bolt has checked signature and age before this runs."""
        now, store = self.core.clock.now(), self.core.store
        values = req.headers.get("x-slack-signature") or []
        signature = values[0] if values else None
        if signature and not first_sight(store, "slack-request", signature, now):
            log.warning("refused a replayed Slack request")
            return BoltResponse(status=401, body="replayed request")
        recorded = await self._record(req, now)
        if recorded is False:
            metrics.INBOUND_REPLAYS.labels(platform=NAME).inc()
            log.info("a retried Slack event is in the inbox already")
            return BoltResponse(status=200, body="")  # acknowledged: Slack stops retrying
        if recorded:
            return await next()
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        key = f"{req.context.team_id}:{event_id}"
        if (
            isinstance(event_id, str)
            and event_id
            and not first_sight(store, "slack-event", key, now)
        ):
            metrics.INBOUND_REPLAYS.labels(platform=NAME).inc()
            log.info("skipped a retried Slack event")
            return BoltResponse(status=200, body="")  # acknowledged: Slack stops retrying
        return await next()

    async def _ack_only(self, ack: Any) -> None:
        await ack()

    async def _actor(self, team: str, user_id: str) -> Actor:
        """The member, if users.info answers quickly; else a bare actor (the look-up carries
        on in the background and fills the cache for next time)."""
        known = self.platform.members.get(team, user_id)
        if known is not None:  # no task, no timer: this runs before most acks
            return known
        lookup = asyncio.ensure_future(self.platform.fetch_member(team, user_id))
        try:
            actor = await asyncio.wait_for(asyncio.shield(lookup), ACTOR_WAIT)
        except TimeoutError:
            log.info("users.info is slow; answering without the profile")
            return Actor(user_id, user_id)
        except (aiohttp.ClientError, OSError) as exc:  # the ack must not wait on a retry
            log.info("users.info failed (%s); answering without the profile", type(exc).__name__)
            return Actor(user_id, user_id)
        return actor or Actor(user_id, user_id)

    async def _run(self, event: Event, how: answering.Answering[object] = DELIVER_NOW) -> None:
        try:
            await self.core.run(event, how)
        finally:
            if event.interaction:
                self.platform.pending.pop(event.interaction, None)

    async def _acked(self, event: Event, started: float, ack: Any, with_answer: AckWith) -> None:
        """Run the event and return once Slack's ack is decided: with the answer when it is
        ready within the deadline (`with_answer` builds that ack and returns what it did not
        carry), a plain ack otherwise. The rest is delivered after the listener returns,
        which is when Bolt sends the ack."""
        acked = asyncio.Event()
        acked_by_us = False

        async def acknowledge(ready: list[a.Action] | None) -> list[a.Action]:
            nonlocal acked_by_us
            acked_by_us = True
            try:
                if ready is None:
                    await ack()
                    return []
                return await with_answer(ready)
            finally:
                acked.set()
                await asyncio.sleep(0)  # the listener returns (Bolt sends the ack) first

        async def work() -> None:
            try:
                budget = ANSWER_WITHIN - (asyncio.get_running_loop().time() - started)
                await self._run(event, answering.WithinDeadline(budget, acknowledge))
            finally:
                acked.set()

        self.background.spawn(work())
        await acked.wait()
        if not acked_by_us:  # handling failed before the deadline: still answer Slack
            await ack()

    def _pending(
        self, key: str, team: str, channel: str | None, user: str, body: dict[str, Any]
    ) -> None:
        self.platform.pending[key] = Pending(
            team, channel, user, body.get("trigger_id"), body.get("response_url")
        )

    async def _on_command(self, ack: Any, body: dict[str, Any]) -> None:
        try:
            await self._command(ack, body)
        except Exception:
            log.exception("a slash command could not be handled")
            with contextlib.suppress(Exception):
                await ack()  # an ack rather than a 500 Slack would show as a failure

    async def _command(self, ack: Any, body: dict[str, Any]) -> None:
        """Acknowledged with the member's answer when it is ready in time: Slack shows an
        ephemeral response body at once, so there is no follow-up call to wait for."""
        started = asyncio.get_running_loop().time()
        team, user, channel = body["team_id"], body["user_id"], body.get("channel_id")
        key = body.get("trigger_id") or f"cmd-{user}-{body.get('text', '')[:10]}"
        place = Place(NAME, team, channel)
        text = (body.get("text") or "").strip() or "help"
        actor = await self._actor(team, user)
        try:
            command, raw = self.core.registry.resolve_line(text)
        except CommandError as exc:
            with self.core.context(place, actor) as ctx:  # the member's language
                refusal = Message(exc.render(ctx.t), tone="warning")
            await ack(**acking.ack_body(a.Respond(place, user, refusal)))
            return
        self._pending(key, team, channel, user, body)
        event = CommandInvoked(
            place, actor, self.core.clock.now(), interaction=key, path=command.path, options=raw
        )

        async def with_answer(ready: list[a.Action]) -> list[a.Action]:
            answer, rest = acking.take_answer(ready, key)
            await (ack(**acking.ack_body(answer)) if answer else ack())
            return rest

        await self._acked(event, started, ack, with_answer)

    async def _on_shortcut(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        self.background.spawn(self._shortcut(body))

    async def _shortcut(self, body: dict[str, Any]) -> None:
        command = self.core.registry.get([body.get("callback_id", "")])
        if command is None or command.kind != "message":
            return
        team, user = body["team"]["id"], body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        key = body["trigger_id"]
        self._pending(key, team, channel, user, body)
        msg = body.get("message") or {}
        place = Place(NAME, team, channel, msg.get("thread_ts"))
        target = MessageRef(
            place, str(msg.get("ts")), str(msg.get("user") or ""), str(msg.get("text") or "")[:4000]
        )
        actor = await self._actor(team, user)
        await self._run(
            CommandInvoked(
                place,
                actor,
                self.core.clock.now(),
                interaction=key,
                path=command.path,
                target=target,
            )
        )

    async def _on_action(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        self.background.spawn(self._action(body))

    async def _action(self, body: dict[str, Any]) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        key = body["trigger_id"]
        self._pending(key, team, channel, user, body)
        act = body["actions"][0]
        values = (act["selected_option"]["value"],) if act.get("selected_option") else ()
        message_ts = (body.get("container") or {}).get("message_ts")
        thread = (body.get("message") or {}).get("thread_ts")
        actor = await self._actor(team, user)
        await self._run(
            ComponentClicked(
                Place(NAME, team, channel, thread),
                actor,
                self.core.clock.now(),
                interaction=key,
                custom_id=act["action_id"],
                values=values,
                message_id=message_ts,
            )
        )

    async def _on_view(self, ack: Any, body: dict[str, Any]) -> None:
        try:
            await self._view(ack, body)
        except Exception:
            log.exception("a view submission could not be handled")
            with contextlib.suppress(Exception):
                await ack()  # close the modal rather than leave the member waiting

    async def _view(self, ack: Any, body: dict[str, Any]) -> None:
        started = asyncio.get_running_loop().time()
        team, user = body["team"]["id"], body["user"]["id"]
        view = body["view"]
        channel = _opt(view.get("private_metadata"))
        key = body.get("trigger_id") or f"view-{view.get('id')}"
        self._pending(key, team, channel, user, body)
        actor = await self._actor(team, user)
        event = FormSubmitted(
            Place(NAME, team, channel),
            actor,
            self.core.clock.now(),
            interaction=key,
            custom_id=view["callback_id"],
            fields=render.view_values(view),
        )

        async def with_answer(ready: list[a.Action]) -> list[a.Action]:
            rejected = next((x for x in ready if isinstance(x, a.RejectForm)), None)
            if rejected is not None:
                await ack(  # shown inside the modal, which stays open
                    response_action="errors",
                    errors={k: v[:150] for k, v in rejected.errors.items()},
                )
                return [x for x in ready if x is not rejected]
            answer = next(
                (x for x in ready if isinstance(x, a.Respond) and _is_answer(x, key)), None
            )
            if answer is None or await self._told(answer, started):
                await ack()
                return [x for x in ready if x is not answer]
            # Neither an ephemeral nor a DM reached the member: the modal itself says it.
            await ack(response_action="update", view=render.notice_view(answer.message, view))
            return [x for x in ready if x is not answer]

        await self._acked(event, started, ack, with_answer)

    async def _told(self, answer: a.Action, started: float) -> bool:
        """Deliver a form's answer before its ack (ephemeral, else a DM): False when neither
        reached the member within the ack's time, so the modal must carry it."""
        left = VIEW_ACK_WITHIN - (asyncio.get_running_loop().time() - started)
        try:
            result = await asyncio.wait_for(self.platform.execute(answer), max(left, 0.1))
        except TimeoutError:
            return False
        if not result.ok:
            log.info("a form's answer could not reach the member (%s)", result.error)
        return result.ok

    async def _on_message(
        self, body: dict[str, Any], event: dict[str, Any], at: datetime
    ) -> Event | None:
        team = body.get("team_id") or event.get("team") or ""
        subtype = event.get("subtype")
        if event.get("bot_id") or subtype in ("bot_message", "message_deleted"):
            return None
        if subtype == "message_changed":
            new = event.get("message") or {}
            actor = await self._actor(team, new.get("user", ""))
            place = Place(NAME, team, event.get("channel"), new.get("thread_ts"))
            return MessageEdited(
                place,
                actor,
                at,
                message_id=new.get("ts", ""),
                text=str(new.get("text", ""))[:4000],
            )
        if subtype is not None or not event.get("user"):
            return None
        actor = await self._actor(team, event["user"])
        channel = event.get("channel")
        text = str(event.get("text", ""))[:4000]
        thread = event.get("thread_ts") if event.get("thread_ts") != event.get("ts") else None
        return MessagePosted(
            Place(NAME, team, channel, thread),
            actor,
            at,
            message_id=event["ts"],
            text=text,
            is_dm=event.get("channel_type") == "im",
            mentions=tuple(re.findall(r"<@([A-Z0-9]+)", text)),
            mentions_everyone=bool(re.search(r"<!(channel|here|everyone)>", text)),
        )

    async def _on_home(self, body: dict[str, Any], event: dict[str, Any], at: datetime) -> Event:
        """The App Home tab: the core's home view for this member, published to Slack."""
        team = body.get("team_id") or ""
        actor = await self._actor(team, event.get("user", ""))
        return HomeOpened(Place(NAME, team), actor, at)

    def _on_user_change(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """`user_change` or `team_join`: the member is read afresh next time, and their dashboard
        sessions that did privileged work under other roles (or any, once deactivated) end."""
        user = event.get("user")
        if not isinstance(user, dict) or not user.get("id"):
            return
        team = str(body.get("team_id") or user.get("team_id") or "")
        actor = self.platform.member_changed(team, user)
        ended = signins.member_changed(
            self.core.store, NAME, team, str(user["id"]), actor, SystemClock().now()
        )
        if ended:
            log.info("a Slack member's roles changed: %d dashboard sessions ended", ended)

    async def _on_join(self, body: dict[str, Any], event: dict[str, Any], at: datetime) -> Event:
        team = body.get("team_id") or ""
        actor = await self._actor(team, event.get("user", ""))
        return MemberJoined(Place(NAME, team, event.get("channel")), actor, at)


def build(app: App, settings: Settings) -> SlackAdapter:
    return SlackAdapter(app, settings)


def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    slack = sub.add_parser("slack", help="Slack app set-up").add_subparsers(
        dest="slack", required=True
    )
    man = slack.add_parser("manifest", help="print the Slack app manifest (YAML) for this version")
    man.add_argument(
        "--http", metavar="URL", help="HTTP mode: the public request URL (default: Socket Mode)"
    )
    man.set_defaults(handler=_print_manifest)


def _print_manifest(args: argparse.Namespace, settings: Settings) -> int:
    core = args.build_app(settings)  # only for its command registry
    data = render.manifest(
        core.registry,
        section(settings).command,
        socket_mode=args.http is None,
        request_url=args.http or "https://example.org/slack/events",
    )
    print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), end="")
    return 0


def section(settings: Settings) -> SlackSettings:
    """This adapter's section of the settings."""
    return cast(SlackSettings, getattr(settings, NAME))


plugin = AdapterPlugin(
    name=NAME,
    settings=SlackSettings,
    build=build,
    enabled=enabled,
    secrets=SECRETS,
    sign_in=signin.sign_in,
    moved=signin.MOVED,
    register_cli=register_cli,
    summary=lambda section: section.mode,
)
