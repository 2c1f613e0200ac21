"""Core messages, forms and commands in Discord's shapes."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import discord

from bot.kernel import i18n
from bot.kernel.commands import (
    Command,
    CommandRegistry,
    Option,
    OptionType,
    command_key,
    name_key,
    option_key,
)
from bot.kernel.forms import Form
from bot.kernel.message import Button, Message, Select

COLOURS = {
    "info": 0x5865F2,
    "success": 0x57F287,
    "warning": 0xFEE75C,
    "danger": 0xED4245,
    "urgent": 0xED4245,
}
STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}
EMBED_TEXT = 4000  # Discord allows 4096 in a description; leave room for a continuation mark
NO_PINGS = discord.AllowedMentions.none()  # member text can never ping anyone through the bot


class ComponentView(discord.ui.View):
    """Buttons and selects routed by custom id in the core, so they survive restarts. The view
    is finished as soon as it is made (views are made while sending, on the event loop), so
    discord.py never stores it or calls its items: our on_interaction routes every click."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.stop()


def view_for(message: Message) -> discord.ui.View | None:
    if not message.rows:
        return None
    view = ComponentView()
    for row_index, row in enumerate(message.rows[:5]):
        for comp in row[:5]:
            if isinstance(comp, Button):
                if comp.url:
                    view.add_item(
                        discord.ui.Button(label=comp.label[:80], url=comp.url, row=row_index)
                    )
                else:
                    view.add_item(
                        discord.ui.Button(
                            label=comp.label[:80],
                            custom_id=comp.custom_id[:100],
                            style=STYLES.get(comp.style, discord.ButtonStyle.secondary),
                            disabled=comp.disabled,
                            row=row_index,
                        )
                    )
            elif isinstance(comp, Select):
                options = [
                    discord.SelectOption(
                        label=o.label[:100],
                        value=o.value[:100],
                        description=(o.description or None),
                    )
                    for o in comp.options[:25]
                ]
                view.add_item(
                    discord.ui.Select(
                        custom_id=comp.custom_id[:100],
                        options=options,
                        placeholder=comp.placeholder[:150] or None,
                        row=row_index,
                        min_values=comp.min_values,
                        max_values=comp.max_values,
                    )
                )
    return view


def chunks(text: str, size: int = EMBED_TEXT) -> list[str]:
    """Split long text on line breaks (or hard, if a line is longer than a chunk)."""
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > size:
            if current:
                out.append(current)
                current = ""
            out.append(line[:size])
            line = line[size:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > size:
            out.append(current)
            current = line
        else:
            current = candidate
    if current or not out:
        out.append(current)
    return out


def spoiler(text: str) -> str:
    """Hidden until tapped. A `||` in the text would end the spoiler early: member text is
    escaped (bot.kernel.message.escape), and the bot's own texts never hold one."""
    return f"||{text}||" if text.strip() else text


def folded(message: Message) -> Message:
    """A discreet message as Discord shows it: the preview is the message content (all a
    notification shows); title, text, field values and footer go behind spoilers in a plain
    embed, so neither a lock screen nor a glance at the open app reads them."""
    head = f"**{message.title}**\n" if message.title else ""
    tail = f"\n\n{message.footer}" if message.footer else ""
    body = head + message.text + tail
    return replace(
        message,
        title=None,
        text="\n".join(spoiler(part) for part in chunks(body, EMBED_TEXT - 8)),
        fields=tuple(replace(f, value=spoiler(f.value[:1018])) for f in message.fields),
        footer=None,
        tone="info",
    )


def content_for(message: Message) -> str | None:
    """The message content: only a discreet message's neutral preview."""
    return message.preview[:2000] if message.preview else None


def embeds_for(message: Message) -> list[list[discord.Embed]]:
    """One list of embeds per Discord message: long texts become several messages."""
    if message.preview:
        message = folded(message)
    colour = COLOURS.get(message.tone, COLOURS["info"])
    parts = chunks(message.text) if message.text else [""]
    out: list[list[discord.Embed]] = []
    for i, part in enumerate(parts):
        embed = discord.Embed(description=part or None, colour=colour)
        if i == 0 and message.title:
            embed.title = message.title[:256]
        if i == len(parts) - 1:
            for f in message.fields[:25]:
                embed.add_field(
                    name=f.name[:256] or "\u200b", value=f.value[:1024] or "\u200b", inline=f.inline
                )
            if message.footer:
                embed.set_footer(text=message.footer[:2048])
        out.append([embed])
    return out


def files_for(message: Message) -> list[discord.File]:
    return [discord.File(io.BytesIO(a.content), filename=a.filename) for a in message.attachments]


def modal_for(form: Form) -> discord.ui.Modal:
    modal = discord.ui.Modal(title=form.title[:45], custom_id=form.custom_id[:100], timeout=None)
    for f in form.fields:
        modal.add_item(
            discord.ui.TextInput(
                label=f.label[:45],
                custom_id=f.id,
                required=f.required,
                min_length=f.min_length or None,
                max_length=min(f.max_length, 4000),
                placeholder=f.placeholder[:100] or None,
                default=f.default or None,
                style=discord.TextStyle.paragraph
                if f.style == "paragraph"
                else discord.TextStyle.short,
            )
        )
    return modal


# --- commands -----------------------------------------------------------------------------------

OPTION_TYPES = {
    OptionType.STRING: 3,
    OptionType.INT: 4,
    OptionType.BOOL: 5,
    OptionType.MEMBER: 6,
    OptionType.CHANNEL: 7,
    OptionType.CHOICE: 3,
    OptionType.DURATION: 3,
    OptionType.DATETIME: 3,
    OptionType.TIMEZONE: 3,
}


# Discord's locale codes for each catalog (Discord has no Arabic or Tagalog client yet).
DISCORD_LOCALES = {
    "es": ("es-ES", "es-419"),
    "pt": ("pt-BR",),
    "fr": ("fr",),
    "de": ("de",),
    "ja": ("ja",),
    "zh-Hans": ("zh-CN",),
    "ko": ("ko",),
    "vi": ("vi",),
    "id": ("id",),
}


def localizations(key: str, limit: int = 100) -> dict[str, str]:
    """Discord localizations of one catalog key: only locales that translate it."""
    out: dict[str, str] = {}
    for catalog, codes in DISCORD_LOCALES.items():
        text = i18n.translated(key, catalog)
        if text:
            out.update({code: text[:limit] for code in codes})
    return out


def _described(data: dict[str, Any], key: str, name: str = "") -> dict[str, Any]:
    """Add `description_localizations` (from `key`) and `name_localizations` (from the
    catalog key of `name`, see `name_key`) where the catalogs translate them."""
    found = localizations(key)
    if found:
        data["description_localizations"] = found
    names = localizations(name, 32) if name else {}
    if names:
        data["name_localizations"] = names
    return data


def option_payload(opt: Option, key: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": OPTION_TYPES[opt.type],
        "name": opt.name,
        "description": opt.description[:100],
        "required": opt.required,
    }
    if key:
        _described(data, key, name_key(opt.name, option=True))
    if opt.type is OptionType.CHOICE:
        data["choices"] = [{"name": c.name[:100], "value": c.value} for c in opt.choices[:25]]
    if opt.type is OptionType.STRING:
        if opt.min_length:
            data["min_length"] = opt.min_length
        data["max_length"] = min(opt.max_length, 6000)
    if opt.type is OptionType.INT:
        if opt.min_value is not None:
            data["min_value"] = opt.min_value
        if opt.max_value is not None:
            data["max_value"] = opt.max_value
    if opt.type is OptionType.CHANNEL:
        data["channel_types"] = [0, 5, 15]
    return data


def command_payloads(registry: CommandRegistry) -> list[dict[str, Any]]:
    """The whole registry as Discord application commands: top-level commands, groups with
    subcommands, and message (context-menu) commands. Permissions stay in the core."""
    top: dict[str, dict[str, Any]] = {}
    for command in sorted(registry.commands.values(), key=lambda c: c.path):
        if command.kind == "message":
            top[f"msg:{command.name}"] = _described(
                {"type": 3, "name": (command.label or command.name)[:32]},
                "",
                name_key(command.name),
            )
            continue
        key = command_key(command.path)
        body = _described(
            {
                "type": 1,
                "name": command.path[-1],
                "description": command.description[:100],
                "options": [
                    option_payload(o, option_key(command.path, o.name)) for o in command.options
                ],
            },
            key,
            name_key(command.path[-1]),
        )
        if len(command.path) == 1:
            top[command.name] = body
            continue
        group = command.path[0]
        entry = top.setdefault(
            group,
            _described(
                {
                    "type": 1,
                    "name": group,
                    "description": registry.groups[group].description[:100],
                    "options": [],
                },
                command_key((group,)),
                name_key(group),
            ),
        )
        entry["options"].append(body)
    return list(top.values())


def message_command_for(registry: CommandRegistry, label: str) -> Command | None:
    for command in registry.commands.values():
        if command.kind == "message" and (command.label or command.name)[:32] == label:
            return command
    return None
