"""Drive the console community from typed lines: interactively or from a script.

Lines starting with "/" are either console controls (below) or core commands; anything else is
a message from the current member in the current channel or thread.

  /as NAME [ROLE,ROLE]     become NAME (roles: admin, moderator, organizer)
  /in #CHANNEL | /in tID | /in ^   move to a channel, a thread, or the newest thread
  /dm                      talk to the bot privately
  /clock +2h | /clock 2026-03-09 19:00   advance the simulated clock, running what falls due
  /click [MSGID] LABEL [VALUE...]   press a button or choose in a select
  /on MSGID|^ COMMAND      run a message command (e.g. report-message) on a message
                           (^: the newest message someone else posted here)
  /submit field:"value" ...   answer the form the bot opened for you (\\n for a new line)
  /edit NEW TEXT           edit your newest message here
  /channels  /who  /console-help
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from rich.text import Text

from adapters.console.platform import COMMUNITY, NAME, ConsolePlatform
from bot.kernel import i18n
from bot.kernel.commands import CommandError, parse_datetime, parse_duration
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
from bot.kernel.message import Button, Message, Select
from bot.moderation import prefs

if TYPE_CHECKING:
    from bot.kernel.app import App

CONTROLS = {
    "as", "in", "dm", "clock", "click", "on", "submit", "edit", "channels", "who", "console-help",
}  # fmt: skip
_LINK = re.compile(r"https?://\S+|discord\.gg/\S+", re.IGNORECASE)


class ConsoleSession:
    def __init__(self, app: App, platform: ConsolePlatform) -> None:
        self.app = app
        self.platform = platform
        self.actor: Actor = platform.add_member("Admin", frozenset({"admin"}))
        self.channel = "general"
        self.thread: str | None = None
        self.in_dm = False
        self._interactions = 0
        self._prepare_community()

    def _prepare_community(self) -> None:
        """A console community comes with roles mapped and a queue channel."""
        with self.app.store.session() as s:
            c = self.app.community(s, Place(NAME, COMMUNITY))
            if not prefs.queue_channel(s, c):
                prefs.update(s, c, queue_channel="moderators")
                c.moderator_roles = ["moderator"]
                c.organizer_roles = ["organizer"]
                c.admin_roles = ["admin"]
                s.add(c)

    @property
    def now(self) -> datetime:
        return self.app.clock.now()

    def place(self) -> Place:
        if self.in_dm:
            return Place(NAME, COMMUNITY, f"@{self.actor.user_id}")
        return Place(NAME, COMMUNITY, self.channel, self.thread)

    def _interaction(self) -> str:
        self._interactions += 1
        return f"console-{self._interactions}"

    def note(self, text: str, style: str = "dim") -> None:
        self.platform.console.print(Text(text, style=style))

    # --- input --------------------------------------------------------------------------
    async def feed(self, line: str) -> None:
        line = line.rstrip("\n")
        if not line.strip():
            return
        if line.lstrip().startswith("#"):
            self._narrate(line.strip().lstrip("#").strip())
            return
        if line.startswith("/"):
            word = line[1:].split(maxsplit=1)[0].lower() if line[1:].strip() else ""
            if word in CONTROLS:
                try:
                    await self._control(word, line[1 + len(word) :].strip())
                except CommandError as exc:
                    self.note(f"  ! {exc.message}", "yellow")
                return
            self._echo(line)
            await self._command(line[1:])
            return
        self._echo(line)
        await self._message(line)

    async def run_lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            await self.feed(line)

    async def run_file(self, stream: TextIO) -> None:
        await self.run_lines(stream)

    def _narrate(self, text: str) -> None:
        if text:
            self.platform.console.print(Text(f"\n== {text} ==", style="bold underline"))

    def _echo(self, line: str) -> None:
        stamp = self.now.strftime("%a %Y-%m-%d %H:%M UTC")
        where = (
            "DM with Crossings" if self.in_dm else self.platform.where(self.channel, self.thread)
        )
        self.platform.console.print(
            Text(f"[{stamp}] {where}  ", style="dim")
            + Text(f"{self.actor.display_name}: ", style="bold")
            + Text(line)
        )

    async def dispatch(self, event: Event) -> None:
        await self.app.run(event)
        await self.app.outbox.deliver_due(self.now)

    async def _message(self, text: str) -> None:
        place = self.place()
        post = self.platform.record_post(
            place.channel or "general", self.actor.user_id, _as_msg(text), place.thread
        )
        await self.dispatch(self._posted(MessagePosted, place, post.id, text))

    def _posted(
        self, kind: type[MessagePosted], place: Place, message_id: str, text: str
    ) -> MessagePosted:
        return kind(
            place,
            self.actor,
            self.now,
            message_id=message_id,
            text=text,
            is_dm=self.in_dm,
            mentions=tuple(
                m for m in re.findall(r"@(\w+)", text) if m.lower() in self.platform.members
            ),
            mentions_everyone="@everyone" in text or "@here" in text,
        )

    async def _edit(self, text: str) -> None:
        """The member edits their newest message in this channel or thread."""
        place = self.place()
        mine = [
            p
            for p in self.platform.messages.values()
            if p.author_id == self.actor.user_id
            and p.channel == (place.channel or "general")
            and p.thread == place.thread
        ]
        if not mine or not text:
            raise CommandError("usage: /edit NEW TEXT (edits your newest message here)")
        post = mine[-1]
        post.text = text
        self._echo(f"(edited) {text}")
        await self.dispatch(self._posted(MessageEdited, place, post.id, text))

    async def _command(self, text: str) -> None:
        try:
            command, raw = self.app.registry.resolve_line(text)
        except CommandError as exc:
            with self.app.context(self.place(), self.actor) as ctx:  # the member's language
                refusal = exc.render(ctx.t)
            self.platform.say("  Crossings (only you see this)", _as_msg(refusal), "yellow")
            return
        event = CommandInvoked(
            self.place(),
            self.actor,
            self.now,
            interaction=self._interaction(),
            path=command.path,
            options=raw,
        )
        await self.dispatch(event)

    # --- controls -----------------------------------------------------------------------
    async def _control(self, word: str, rest: str) -> None:
        match word:
            case "as":
                await self._become(rest)
            case "in":
                self._move(rest)
            case "dm":
                self.in_dm, self.thread = True, None
                self.note(f"  ({self.actor.display_name} is now talking to Crossings privately)")
            case "clock":
                await self._clock(rest)
            case "click":
                await self._click(rest)
            case "on":
                await self._on_message(rest)
            case "submit":
                await self._submit(rest)
            case "edit":
                await self._edit(rest)
            case "channels":
                chans = ", ".join("#" + c for c in self.platform.channels)
                threads = ", ".join(f"{t} ({n})" for t, (_c, n) in self.platform.threads.items())
                self.note(f"  channels: {chans}\n  threads: {threads or '-'}", "")
            case "who":
                people = ", ".join(
                    f"{a.display_name} [{','.join(sorted(a.roles)) or 'member'}]"
                    for a in self.platform.members.values()
                )
                self.note(f"  members: {people}", "")
            case "console-help":
                self.note(__doc__ or "", "")

    async def _become(self, rest: str) -> None:
        parts = rest.split()
        if not parts:
            raise CommandError("usage: /as NAME [admin,moderator,organizer]")
        name = parts[0]
        roles = frozenset(r for r in (parts[1].split(",") if len(parts) > 1 else []) if r)
        known = self.platform.members.get(name.lower())
        is_new = known is None
        if known is None or (len(parts) > 1 and known.roles != roles):
            known = self.platform.add_member(name, roles, joined_at=self.now, created_at=self.now)
        self.actor = known
        self.in_dm = False
        self.note(
            f"  (you are now {known.display_name}{' [' + ','.join(sorted(known.roles)) + ']' if known.roles else ''})"
        )
        if is_new:
            # A first appearance is a join: new-member rules and welcomes see it.
            await self.join(known)

    def _move(self, rest: str) -> None:
        target = rest.strip().lstrip("#")
        if target == "^" and self.platform.threads:  # the newest thread
            target = list(self.platform.threads)[-1]
        if target in self.platform.threads:
            self.channel, self.thread = self.platform.threads[target][0], target
        elif target:
            if target not in self.platform.channels:
                self.platform.channels.append(target)
            self.channel, self.thread = target, None
        else:
            raise CommandError("usage: /in #channel or /in t12")
        self.in_dm = False
        self.note(
            f"  ({self.actor.display_name} is in {self.platform.where(self.channel, self.thread)})"
        )

    async def _clock(self, rest: str) -> None:
        text = rest.strip()
        try:
            if text.startswith("+"):
                target = self.now + parse_duration(text[1:])
            else:
                target = parse_datetime(text, "UTC")
        except ValueError:
            raise CommandError("usage: /clock +2h or /clock 2026-03-09 19:00") from None
        if target < self.now:
            raise CommandError("the clock only moves forward")
        self.note(f"  (clock -> {target:%a %Y-%m-%d %H:%M} UTC)")
        await self.app.advance_to(target)

    async def _click(self, rest: str) -> None:
        args = shlex.split(rest)
        if not args:
            raise CommandError("usage: /click [MSGID] LABEL [VALUE...]")
        msg_id = args.pop(0) if args[0] in self.platform.messages and len(args) > 1 else None
        label, values = args[0], tuple(args[1:])
        candidates = (
            [self.platform.messages[msg_id]]
            if msg_id
            else reversed(list(self.platform.messages.values()))
        )
        for post in candidates:
            if post.deleted:  # gone from the conversation, buttons and all
                continue
            for comp in post.components:
                if isinstance(comp, Button) and i18n.same_label(label, comp.label):
                    await self._clicked(post.id, comp.custom_id, ())
                    return
                if (isinstance(comp, Select) and comp.custom_id.split(":")[0] == label) or (
                    isinstance(comp, Select) and i18n.same_label(label, comp.placeholder)
                ):
                    await self._clicked(post.id, comp.custom_id, values)
                    return
                if isinstance(comp, Select) and not values:  # `/click harassment` picks an option
                    chosen = [
                        o.value
                        for o in comp.options
                        if label.lower() == o.value.lower() or i18n.same_label(label, o.label)
                    ]
                    if chosen:
                        await self._clicked(post.id, comp.custom_id, (chosen[0],))
                        return
        raise CommandError(
            f"no button or menu '{label}' on {'message ' + msg_id if msg_id else 'recent messages'}"
        )

    async def _clicked(self, message_id: str, custom_id: str, values: tuple[str, ...]) -> None:
        self._echo(
            f"(clicks {custom_id.split(':')[0]} on {message_id}{' ' + ' '.join(values) if values else ''})"
        )
        await self.dispatch(
            ComponentClicked(
                self.place(),
                self.actor,
                self.now,
                interaction=self._interaction(),
                custom_id=custom_id,
                values=values,
                message_id=message_id,
            )
        )

    async def _on_message(self, rest: str) -> None:
        parts = rest.split()
        if len(parts) == 2 and parts[0] == "^":  # the newest message someone else posted here
            here = [
                m for m in self.platform.messages.values()
                if m.channel == self.channel and m.thread == self.thread and not m.deleted
                and m.author_id not in (self.actor.user_id, self.platform.bot.user_id)
            ]  # fmt: skip
            parts[0] = here[-1].id if here else ""
        if len(parts) != 2 or parts[0] not in self.platform.messages:
            raise CommandError("usage: /on MSGID COMMAND (for example /on m12 report-message)")
        post = self.platform.messages[parts[0]]
        command = self.app.registry.get([parts[1]])
        if command is None or command.kind != "message":
            names = ", ".join(c.name for c in self.app.registry.message_commands()) or "none"
            raise CommandError(f"no message command '{parts[1]}' (there is: {names})")
        self._echo(f"(uses '{command.label or command.name}' on {post.id})")
        target = MessageRef(
            Place(NAME, COMMUNITY, post.channel, post.thread),
            post.id,
            post.author_id,
            post.text,
            self.platform.name_of(post.author_id),
        )
        await self.dispatch(
            CommandInvoked(
                self.place(),
                self.actor,
                self.now,
                interaction=self._interaction(),
                path=command.path,
                target=target,
            )
        )

    async def _submit(self, rest: str) -> None:
        form = self.platform.forms.pop(self.actor.user_id, None)
        if form is None:
            raise CommandError("no form is open for you")
        try:
            tokens = shlex.split(rest)
        except ValueError as exc:
            raise CommandError(f"could not read that: {exc}") from None
        fields: dict[str, str] = {}
        for token in tokens:
            key, sep, value = token.partition(":")
            if not sep:
                self.platform.forms[self.actor.user_id] = form
                raise CommandError('write each answer as field:"text"')
            fields[key] = value.replace("\\n", "\n")  # a typed \n is a line break
        self._echo(f"(submits '{form.title}')")
        await self.dispatch(
            FormSubmitted(
                self.place(),
                self.actor,
                self.now,
                interaction=self._interaction(),
                custom_id=form.custom_id,
                fields=fields,
            )
        )

    async def join(self, actor: Actor) -> None:
        await self.dispatch(MemberJoined(Place(NAME, COMMUNITY, "general"), actor, self.now))


def _as_msg(text: str) -> Message:
    return Message(text=text)


def build(app: App, console: object | None = None) -> ConsoleSession:
    """A console community on this app (adds the console platform)."""
    platform = ConsolePlatform(console)  # type: ignore[arg-type]
    app.add_platform(platform)
    return ConsoleSession(app, platform)


__all__ = ["ConsoleSession", "build"]
