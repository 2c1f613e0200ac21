"""The dashboard's test world: the bot's own runtime (the real Discord and Slack adapters against
their loopback emulators, the outbox, the scheduler, and the HTTP server carrying /healthz,
/metrics and the dashboard) on an event loop in a background thread, so a synchronous browser
driver can use it from the test's thread."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from adapters.discord import plugin as discord_plugin
from adapters.slack import plugin as slack_plugin
from bot.kernel.answering import ForPage
from bot.kernel.clock import SimulatedClock
from bot.kernel.events import Actor, CommandInvoked, Event, FormSubmitted, MessagePosted, Place
from bot.kernel.store.models import Community, MemberPrefs, OutboxEntry
from bot.moderation import prefs
from bot.moderation.models import AuditEntry, ModCase
from bot.moderation.reports import file_report
from crossings.runtime import Runtime
from crossings.settings import Settings
from tests.emulators.discord import oauth
from tests.emulators.discord.server import GUILD_ID, TOKEN, DiscordEmulator
from tests.emulators.slack import oidc
from tests.emulators.slack.server import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM_ID,
    SlackEmulator,
)

T = TypeVar("T")
START = datetime.fromisoformat("2026-03-02T08:00:00+00:00")  # a Monday
SECRET = "a-test-session-secret-that-is-long-enough"
ORGANIZER, MODERATOR, MEMBER = "710000000000000001", "710000000000000002", "710000000000000003"
WARNER = "710000000000000004"  # a second moderator, added when first needed
OTHER_GUILD = "800000000000000099"  # a community the bot knows that none of them are in


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WebWorld:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/dashboard"
        self.discord = DiscordEmulator()
        self.slack = SlackEmulator()
        self.runtime: Runtime | None = None
        self._reported = 0
        self._said = 0
        self.reported_last = ""

    # --- running things on the bot's loop -----------------------------------------------
    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> WebWorld:
        self.thread.start()
        self.call(self._start(), timeout=60)
        return self

    def stop(self) -> None:
        self.call(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    async def _start(self) -> None:
        await self.discord.start()
        await self.slack.start()
        for uid, name, roles in (
            (ORGANIZER, "Olu Organizer", ("Organizers",)),
            (MODERATOR, "Mina Moderator", ("Moderators",)),
            (MEMBER, "Max Member", ()),
        ):
            self.discord.add_member(uid, name, roles)
        self.slack.add_user("UMOD", "Sam Slackmod")
        self.slack.add_user("UMEMBER", "Ria Member")
        settings = self.settings()
        runtime = Runtime(settings, SimulatedClock(START), [discord_plugin, slack_plugin])
        await runtime.start()
        self.runtime = runtime
        await asyncio.wait_for(runtime.adapters[0].client.synced.wait(), 10)  # type: ignore[attr-defined]
        await asyncio.wait_for(self.slack.connected.wait(), 10)
        self._seed()

    async def _stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.stop()
        await self.discord.stop()
        await self.slack.stop()

    def settings(self) -> Any:
        d, s = self.discord, self.slack
        return Settings(
            database_url=f"sqlite:///{self.tmp}/web.db",
            metrics={"host": "127.0.0.1", "port": self.port},
            moderation={"report_limits": [(1000, 1)]},  # the simulated clock stands still
            privacy={"command_limits": []},  # page views run `/privacy show`: no flood guard here
            discord={
                "token": TOKEN,
                "api_base_url": d.api_base,
                "gateway_url": d.gateway_url,
                "moderator_roles": {GUILD_ID: [d.role_id("Moderators")]},
                "organizer_roles": {GUILD_ID: [d.role_id("Organizers")]},
                "client_id": oauth.CLIENT_ID,
                "client_secret": oauth.CLIENT_SECRET,
                "authorize_url": f"http://127.0.0.1:{d.port}/oauth2/authorize",
            },
            slack={
                "bot_token": BOT_TOKEN,
                "app_token": APP_TOKEN,
                "signing_secret": SIGNING_SECRET,
                "mode": "socket",
                "api_base_url": s.base_url,
                "signin_client_id": oidc.CLIENT_ID,
                "signin_client_secret": oidc.CLIENT_SECRET,
                "signin_authorize_url": f"http://127.0.0.1:{s.port}/openid/connect/authorize",
            },
            web={
                "public_url": self.base,
                "session_secret": SECRET,
                # The suite signs in hundreds of times from one address; the limit tests lower
                # these on the running dashboard (`dashboard_cfg`, `dashboard_limits`).
                "signin_per_address": 100_000,
                "signin_per_account": 100_000,
                # Tests stand for clients behind the operator's proxy with X-Forwarded-For.
                "trusted_proxies": ["127.0.0.1/32"],
                "queue_poll_seconds": 1,  # an open queue page asks every second here
            },
        )

    # --- the dashboard -----------------------------------------------------------------
    @property
    def dashboard(self) -> Any:
        """The dashboard's aiohttp application as mounted on the bot's HTTP server."""
        assert self.runtime is not None and self.runtime.health is not None
        return dict(self.runtime.health._mounted)["/dashboard"]

    # --- the communities ---------------------------------------------------------------
    @property
    def app(self) -> Any:
        assert self.runtime is not None
        return self.runtime.app

    def _seed(self) -> None:
        with Session(self.app.store.engine) as s:
            guild = self.app.community(s, Place("discord", GUILD_ID))
            guild.name = "Crossings test"
            prefs.update(
                s,
                guild,
                queue_channel=self.discord.channel_id("moderators"),
                show_reporter_to_moderators=False,
            )
            s.add(guild)
            self.app.community(s, Place("discord", OTHER_GUILD)).name = "Another server"
            team = self.app.community(s, Place("slack", TEAM_ID))
            team.name = "Crossings workspace"
            team.moderator_roles = ["user:UMOD"]
            prefs.update(s, team, queue_channel="C0MODS")
            s.add(team)
            s.commit()

    def community(self, platform: str = "discord", cid: str = GUILD_ID) -> Community:
        with Session(self.app.store.engine, expire_on_commit=False) as s:
            row = s.exec(
                select(Community).where(
                    Community.platform == platform, Community.community_id == cid
                )
            ).one()
        return row

    def queue_channel(self, platform: str = "discord", cid: str = GUILD_ID) -> str | None:
        with Session(self.app.store.engine) as s:
            return prefs.queue_channel(s, self.community(platform, cid))

    def report(self, reporter: str, details: str, place: Place | None = None) -> int:
        """A report about a new member each time (reports about one member are merged)."""
        self._reported += 1
        target = self.reported_last = f"7300000000000{self._reported:05d}"

        async def file() -> int:
            ctx = self.app.context(place or Place("discord", GUILD_ID))
            try:
                number = await file_report(
                    ctx, reporter, target, "harassment", None, "test", details=details
                )
                ctx.commit()
            finally:
                ctx.close()
            await self.app.outbox.deliver_due(self.app.clock.now())
            return number

        return self.call(file())

    def run(self, event: Event) -> None:
        """An event as the Discord adapter hands it to the app, and what it sends delivered."""
        self.call(self.app.run(event))
        self.deliver()

    def member(self, uid: str) -> Actor:
        found = self.call(self.app.platforms["discord"].fetch_member(GUILD_ID, uid))
        assert found is not None
        return found  # type: ignore[no-any-return]

    def say(self, uid: str, text: str, channel: str = "general") -> None:
        """A member's message in a channel (the crisis pathway reads every one)."""
        self._said += 1
        place = Place("discord", GUILD_ID, self.discord.channel_id(channel))
        now = self.app.clock.now()
        self.run(MessagePosted(place, self.member(uid), now, f"99000000000{self._said:07d}", text))

    def appeal(self, uid: str, text: str) -> int:
        """A second moderator warns the member, who appeals (so that Mina, or another, may
        decide): the case's number."""
        if WARNER not in self.discord.members:
            self.discord.add_member(WARNER, "Wes Warner", ("Moderators",))
        place = Place("discord", GUILD_ID, self.discord.channel_id("general"))
        now = self.app.clock.now()
        warn = {"member": uid, "reason": "Mocking someone's accent."}
        event = CommandInvoked(place, self.member(WARNER), now, ("mod", "warn"), warn)
        answer = self.call(self.app.run(event, ForPage()))
        assert answer.ok, answer.error
        self.deliver()
        with Session(self.app.store.engine) as s:
            case = s.exec(
                select(ModCase).where(ModCase.target_id == uid).order_by(col(ModCase.id).desc())
            ).first()
        assert case is not None and case.kind == "warn"
        form = f"mod-appeal:{case.number}"
        self.run(FormSubmitted(place, self.member(uid), now, form, {"text": text}))
        return case.number

    def set_locale(self, platform: str, cid: str, user: str, locale: str | None) -> None:
        """What `/me language` stores."""
        with Session(self.app.store.engine) as s:
            ctx_prefs = s.exec(
                select(MemberPrefs).where(
                    MemberPrefs.platform == platform,
                    MemberPrefs.community_id == cid,
                    MemberPrefs.user_id == user,
                )
            ).first() or MemberPrefs(platform=platform, community_id=cid, user_id=user)
            ctx_prefs.locale = locale
            s.add(ctx_prefs)
            s.commit()

    def audit(self) -> list[AuditEntry]:
        with Session(self.app.store.engine) as s:
            return list(s.exec(select(AuditEntry).order_by(AuditEntry.id)).all())  # type: ignore[arg-type]

    def deliver(self) -> None:
        """Deliver what is due, then wait for what the app's own wake-up already leased (it
        runs beside the test: under load it may still be sending when this batch is empty)."""
        self.call(self.app.outbox.deliver_due(self.app.clock.now()))
        deadline = time.monotonic() + 10
        while self._in_flight() and time.monotonic() < deadline:
            time.sleep(0.02)

    def _in_flight(self) -> int:
        with Session(self.app.store.engine) as s:
            q = select(OutboxEntry).where(
                OutboxEntry.status == "pending",
                OutboxEntry.lease_owner.is_not(None),  # type: ignore[union-attr]
            )
            return len(s.exec(q).all())

    def advance_to(self, target: datetime) -> None:
        async def go() -> None:
            await self.app.advance_to(target)
            await self.app.outbox.deliver_due(self.app.clock.now())

        self.call(go())
