"""The console platform: an in-memory community whose channels, threads and DMs are printed.

It can do everything a platform can, so the core's full behaviour shows up here; what a real
platform cannot do is declared by that platform's adapter, not simulated here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from rich.console import Console
from rich.text import Text

from adapters.console.render import render_message
from bot.kernel import actions as a
from bot.kernel.events import Actor
from bot.kernel.forms import Form
from bot.kernel.message import Component, Message
from bot.kernel.platform import Named, Platform, Survey, handles

NAME = "console"
COMMUNITY = "home"
DEFAULT_CHANNELS = ("general", "prompts", "support", "moderators")


@dataclass
class Posted:
    id: str
    channel: str
    author_id: str
    text: str
    thread: str | None = None
    components: list[Component] = field(default_factory=list)
    deleted: bool = False
    ephemeral: bool = False  # a private answer ("only you see this"), not a DM


class ConsolePlatform(Platform):
    name = NAME

    def __init__(self, console: Console | None = None, clock: Callable[[], datetime] | None = None):
        self.console = console or Console(highlight=False, soft_wrap=True)
        self.clock = clock
        self.members: dict[str, Actor] = {}
        self.channels: list[str] = list(DEFAULT_CHANNELS)
        self.threads: dict[str, tuple[str, str]] = {}  # thread id -> (channel, name)
        self.messages: dict[str, Posted] = {}
        self.forms: dict[str, Form] = {}  # user id -> the form waiting for them
        self.timeouts: dict[str, datetime | None] = {}
        self.banned: set[str] = set()
        self.log: list[a.Action] = []
        self._ids = itertools.count(1)
        self.bot = Actor("crossings-bot", "Crossings", is_bot=True)

    # --- identity -----------------------------------------------------------------------
    def add_member(self, name: str, roles: frozenset[str] = frozenset(), **kw: object) -> Actor:
        user_id = name.lower()
        actor = Actor(user_id, name, roles=roles, is_admin="admin" in roles, **kw)  # type: ignore[arg-type]
        self.members[user_id] = actor
        return actor

    def lookup_member(self, community: str, name: str) -> str | None:
        uid = name.lower()
        return uid if uid in self.members else None

    def lookup_channel(self, community: str, name: str) -> str | None:
        return name if name in self.channels or name in self.threads else None

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return self.members.get(user_id)

    async def survey(self, community: str) -> Survey | None:
        """Roles here are names (the console's members carry them as typed)."""
        roles = sorted({r for m in self.members.values() for r in m.roles})
        return Survey(
            channels=tuple(Named(c, c) for c in self.channels),
            roles=tuple(Named(r, r) for r in roles),
        )

    def name_of(self, user_id: str) -> str:
        actor = self.members.get(user_id)
        return actor.display_name if actor else user_id

    def where(self, channel: str | None, thread: str | None = None) -> str:
        if thread and thread in self.threads:
            parent, name = self.threads[thread]
            return f"#{parent} > thread {thread} '{name}'"
        return f"#{channel}"

    def new_id(self, prefix: str = "m") -> str:
        return f"{prefix}{next(self._ids)}"

    # --- output -------------------------------------------------------------------------
    def say(self, header: str, message: Message | str, style: str = "") -> None:
        names = {k: v.display_name for k, v in self.members.items()}
        body = render_message(message, names) if isinstance(message, Message) else Text(message)
        self.console.print(Text(header, style=style or "bold"))
        if body.plain:
            for line in body.split("\n"):
                self.console.print(Text("    ") + line)

    def record_post(
        self, channel: str, author_id: str, message: Message, thread: str | None = None
    ) -> Posted:
        post = Posted(
            self.new_id(), channel, author_id, message.plain(), thread, message.components()
        )
        self.messages[post.id] = post
        return post

    # --- the port -----------------------------------------------------------------------
    async def execute(self, action: a.Action) -> a.ActionResult:
        self.log.append(action)
        return await super().execute(action)

    @handles(a.Post)
    async def _do_Post(self, act: a.Post) -> a.ActionResult:
        channel = act.place.channel or "general"
        thread = act.place.thread
        post = self.record_post(channel, self.bot.user_id, act.message, thread)
        self.say(
            f"  Crossings in {self.where(channel, thread)} [{post.id}]", act.message, "bold green"
        )
        thread_id = None
        if act.thread_name:
            thread_id = self.new_id("t")
            self.threads[thread_id] = (channel, act.thread_name)
            self.say(f"  (thread {thread_id} '{act.thread_name}' started)", "", "dim")
            if act.first_reply is not None:
                reply = self.record_post(channel, self.bot.user_id, act.first_reply, thread_id)
                self.say(
                    f"  Crossings in thread {thread_id} [{reply.id}]", act.first_reply, "green"
                )
        return a.ActionResult(True, message_id=post.id, channel_id=channel, thread_id=thread_id)

    @handles(a.Respond)
    async def _do_Respond(self, act: a.Respond) -> a.ActionResult:
        who = self.name_of(act.user_id)
        if act.private:
            post = self.record_post(f"@{act.user_id}", self.bot.user_id, act.message)
            post.ephemeral = True
            self.say(f"  Crossings (only {who} sees this) [{post.id}]", act.message, "bold cyan")
        else:
            channel = act.place.channel or "general"
            post = self.record_post(channel, self.bot.user_id, act.message, act.place.thread)
            where = self.where(channel, act.place.thread)
            self.say(f"  Crossings in {where} [{post.id}]", act.message, "bold green")
        return a.ActionResult(True, message_id=post.id)

    @handles(a.SendPrivate)
    async def _do_SendPrivate(self, act: a.SendPrivate) -> a.ActionResult:
        post = self.record_post(f"@{act.user_id}", self.bot.user_id, act.message)
        who = self.name_of(act.user_id)
        self.say(f"  Crossings -> DM to {who} [{post.id}]", act.message, "bold cyan")
        return a.ActionResult(True, message_id=post.id, channel_id=f"@{act.user_id}")

    @handles(a.OpenForm)
    async def _do_OpenForm(self, act: a.OpenForm) -> a.ActionResult:
        self.forms[act.user_id] = act.form
        fields = "\n".join(
            f"{f.id}: {f.label}{'' if f.required else ' (optional)'}" for f in act.form.fields
        )
        msg = Message(title=act.form.title, text=fields, footer='answer with /submit id:"..."')
        self.say(f"  Form for {self.name_of(act.user_id)}", msg, "bold cyan")
        return a.ActionResult(True)

    @handles(a.RejectForm)
    async def _do_RejectForm(self, act: a.RejectForm) -> a.ActionResult:
        text = "\n".join(f"{k}: {v}" for k, v in act.errors.items())
        self.say(f"  Form errors for {self.name_of(act.user_id)}", Message(text=text), "yellow")
        return a.ActionResult(True)

    @handles(a.StartThread)
    async def _do_StartThread(self, act: a.StartThread) -> a.ActionResult:
        channel = act.place.channel or "general"
        thread_id = self.new_id("t")
        self.threads[thread_id] = (channel, act.name)
        members = ", ".join(self.name_of(m) for m in act.members)
        kind = f"private thread for {members}" if act.private else "thread"
        post = self.record_post(channel, self.bot.user_id, act.message, thread_id)
        self.say(
            f"  Crossings opened {kind} {thread_id} '{act.name}' [{post.id}]",
            act.message,
            "bold green",
        )
        return a.ActionResult(True, message_id=post.id, channel_id=channel, thread_id=thread_id)

    @handles(a.EditMessage)
    async def _do_EditMessage(self, act: a.EditMessage) -> a.ActionResult:
        post = self.messages.get(act.message_id)
        if post is None:
            return a.ActionResult.failed("unknown message")
        post.text = act.message.plain()
        post.components = act.message.components()
        self.say(f"  (Crossings updated {act.message_id})", act.message, "dim")
        return a.ActionResult(True, message_id=act.message_id)

    @handles(a.DeleteMessage)
    async def _do_DeleteMessage(self, act: a.DeleteMessage) -> a.ActionResult:
        post = self.messages.get(act.message_id)
        if post is None or post.deleted:
            return a.ActionResult.failed("unknown message")
        post.deleted = True
        self.say(f"  (message {act.message_id} removed: {act.reason or 'no reason'})", "", "red")
        return a.ActionResult(True)

    @handles(a.ClearPrivate)
    async def _do_ClearPrivate(self, act: a.ClearPrivate) -> a.ActionResult:
        """The bot's own messages in the member's DM go; the member's own stay."""
        mine = [
            p
            for p in self.messages.values()
            if p.channel == f"@{act.user_id}" and p.author_id == self.bot.user_id and not p.deleted
        ]
        for post in mine:
            post.deleted = True
        self.say(
            f"  ({len(mine)} of Crossings' messages to {self.name_of(act.user_id)} removed)",
            "",
            "dim",
        )
        return a.ActionResult(True, channel_id=f"@{act.user_id}")

    def _member_action(self, verb: str, user_id: str, reason: str) -> a.ActionResult:
        self.say(f"  ({self.name_of(user_id)} {verb}: {reason or 'no reason'})", "", "red")
        return a.ActionResult(True)

    @handles(a.TimeoutMember)
    async def _do_TimeoutMember(self, act: a.TimeoutMember) -> a.ActionResult:
        self.timeouts[act.user_id] = act.until
        verb = f"timed out until {act.until:%Y-%m-%d %H:%M} UTC" if act.until else "timeout lifted"
        return self._member_action(verb, act.user_id, act.reason)

    @handles(a.KickMember)
    async def _do_KickMember(self, act: a.KickMember) -> a.ActionResult:
        return self._member_action("kicked", act.user_id, act.reason)

    @handles(a.BanMember)
    async def _do_BanMember(self, act: a.BanMember) -> a.ActionResult:
        self.banned.add(act.user_id)
        return self._member_action("banned", act.user_id, act.reason)

    @handles(a.UnbanMember)
    async def _do_UnbanMember(self, act: a.UnbanMember) -> a.ActionResult:
        self.banned.discard(act.user_id)
        return self._member_action("unbanned", act.user_id, act.reason)
