"""Core messages and forms as Block Kit, and the app manifest from the command registry."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from bot.kernel.commands import CommandRegistry
from bot.kernel.forms import Form
from bot.kernel.message import Button, Message, Select, tokenize, unescape

SECTION_TEXT = 3000
MAX_BLOCKS = 50
REPORT_CALLBACK = "report_message"


def mrkdwn_escape(text: str) -> str:
    """Slack's three control characters; after this no member text can form <!channel>,
    <@U...> or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """Our markdown subset in Slack's mrkdwn. Text tokens are escaped; only the bot's own
    mention and channel tokens become Slack references."""
    out: list[str] = []
    for tok in tokenize(text):
        match tok.kind:
            case "bold":
                out.append(f"*{mrkdwn_escape(tok.text)}*")
            case "italic":
                out.append(f"_{mrkdwn_escape(tok.text)}_")
            case "code":
                out.append(f"`{mrkdwn_escape(tok.text)}`")
            case "link":
                out.append(f"<{tok.url}|{mrkdwn_escape(tok.text)}>")
            case "mention":
                out.append(f"<@{tok.text}>")
            case "channel":
                out.append(f"<#{tok.text}>")
            case _:
                out.append(mrkdwn_escape(tok.text))
    return "".join(out)


def _chunks(text: str, size: int = SECTION_TEXT) -> list[str]:
    parts: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        parts.append(text)
    return parts


def blocks_for(message: Message) -> list[dict[str, Any]]:
    """A discreet message opens with its neutral preview as a block of its own, and the title
    comes down into the text: a header would stand out before the fold."""
    blocks: list[dict[str, Any]] = []
    if message.preview:
        preview = mrkdwn_escape(message.preview)[:SECTION_TEXT]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": preview}})
        blocks.append({"type": "divider"})
        if message.title:
            message = replace(message, title=None, text=f"**{message.title}**\n{message.text}")
    if message.title:
        blocks.append(
            {
                "type": "header",
                "text": {"type": "plain_text", "text": unescape(message.title)[:150]},
            }
        )
    for part in _chunks(mrkdwn(message.text)) if message.text else []:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": part}})
    fields = [
        # Names are in the bot's markup like values (a helpline's escaped name, "\\(...\\)").
        {"type": "mrkdwn", "text": f"*{mrkdwn(f.name)}*\n{mrkdwn(f.value)}"[:2000]}
        for f in message.fields
    ]
    for i in range(0, len(fields), 10):
        blocks.append({"type": "section", "fields": fields[i : i + 10]})
    for row in message.rows[:5]:
        elements = [_element(comp) for comp in row[:25]]
        if elements:
            blocks.append({"type": "actions", "elements": elements})
    if message.footer:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": mrkdwn(message.footer)[:3000]}],
            }
        )
    return blocks[:MAX_BLOCKS]


def _element(comp: Button | Select) -> dict[str, Any]:
    """One button or select of an actions block."""
    if isinstance(comp, Select):
        return {
            "type": "static_select",
            "action_id": comp.custom_id[:255],
            "placeholder": {"type": "plain_text", "text": (comp.placeholder or "Choose")[:150]},
            "options": [
                {"text": {"type": "plain_text", "text": o.label[:75]}, "value": o.value[:150]}
                for o in comp.options[:100]
            ],
        }
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": comp.label[:75]},
    }
    if comp.url:
        element.update(url=comp.url, action_id=f"link:{comp.label[:40]}")
    else:
        element.update(action_id=comp.custom_id[:255], value=comp.custom_id[:2000])
        if comp.style in ("primary", "danger"):
            element["style"] = comp.style
    return element


def fallback_text(message: Message) -> str:
    """The notification text (and what screen readers get): plain, escaped; for a discreet
    message only its neutral preview, since that is what a lock screen shows."""
    if message.preview:
        return mrkdwn_escape(message.preview)[:3000]
    return mrkdwn_escape(message.plain())[:3000] or " "


def notice_view(message: Message, submitted: dict[str, Any]) -> dict[str, Any]:
    """The modal a submission turns into when its answer can reach the member nowhere else:
    the answer itself, under the form's own title, with only a close button."""
    title = (submitted.get("title") or {}).get("text") or "Crossings"
    return {
        "type": "modal",
        "callback_id": "notice",
        "title": {"type": "plain_text", "text": title[:24]},
        "close": {"type": "plain_text", "text": "OK"},
        "blocks": blocks_for(message),
    }


def modal_for(form: Form, private_metadata: str = "") -> dict[str, Any]:
    blocks = []
    for f in form.fields:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": f.id,
            "multiline": f.style == "paragraph",
            "max_length": min(f.max_length, 3000),
        }
        if f.min_length:
            element["min_length"] = f.min_length
        if f.placeholder:
            element["placeholder"] = {"type": "plain_text", "text": f.placeholder[:150]}
        if f.default:
            element["initial_value"] = f.default
        blocks.append(
            {
                "type": "input",
                "block_id": f.id,
                "label": {"type": "plain_text", "text": f.label[:2000]},
                "element": element,
                "optional": not f.required,
            }
        )
    return {
        "type": "modal",
        "callback_id": form.custom_id[:255],
        "private_metadata": private_metadata[:3000],
        "title": {"type": "plain_text", "text": form.title[:24]},
        "submit": {"type": "plain_text", "text": form.submit_label[:24]},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def view_values(view: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for block in (view.get("state") or {}).get("values", {}).values():
        for action_id, state in block.items():
            value = state.get("value")
            if value is None and state.get("selected_option"):
                value = state["selected_option"].get("value")
            out[action_id] = value or ""
    return out


BOT_EVENTS = (
    "message.channels",
    "message.groups",
    "message.im",
    "member_joined_channel",
    "app_home_opened",
    "user_change",  # roles live: admin flags, deactivation (users:read)
    "team_join",
)
# What the adapter's Web API calls need (tests/slack/test_manifest_scopes.py reads the calls).
BOT_SCOPES = (
    "commands",
    "chat:write",  # chat.postMessage, chat.postEphemeral, chat.update, chat.delete
    "chat:write.public",
    "files:write",  # files.uploadV2
    "im:write",  # conversations.open with one member
    "mpim:write",  # conversations.open with several (a private thread)
    "im:history",  # conversations.history: clearing the bot's DMs, reconciling a lost post
    "channels:history",
    "groups:history",
    "channels:read",  # conversations.list: #names typed unescaped, the dashboard's pickers
    "groups:read",
    "users:read",  # users.info (roles, locale), users.list
    "reactions:write",
    "channels:manage",
    "groups:write",
)


def manifest(
    registry: CommandRegistry,
    command: str = "/crossings",
    socket_mode: bool = True,
    request_url: str = "https://example.org/slack/events",
) -> dict[str, Any]:
    """The Slack app manifest. Every core command is reached through one slash command
    (`/crossings mod warn @someone ...`); the usage hint lists them all."""
    usage = ", ".join(sorted(c.name for c in registry.commands.values() if c.kind == "slash"))
    settings = _manifest_settings(socket_mode)
    slash: dict[str, Any] = {
        "command": command,
        "description": "Crossings: prompts, support, peers, reports",
        "usage_hint": usage[:1000],
        "should_escape": True,  # members and channels arrive as <@U…|name> and <#C…|name>
    }
    if not socket_mode:
        settings["event_subscriptions"]["request_url"] = request_url
        settings["interactivity"]["request_url"] = request_url
        slash["url"] = request_url
    return {
        "display_information": {
            "name": "Crossings",
            "description": "Peer support for intercultural couples",
            "background_color": "#3b4a6b",
        },
        "features": {
            "bot_user": {"display_name": "Crossings", "always_online": True},
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "slash_commands": [slash],
            "shortcuts": _shortcuts(registry),
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": settings,
    }


def _shortcuts(registry: CommandRegistry) -> list[dict[str, Any]]:
    """Message commands ("Report message") as message shortcuts."""
    return [
        {
            "name": (c.label or c.name)[:24],
            "type": "message",
            "callback_id": c.name,
            "description": c.description[:150],
        }
        for c in registry.commands.values()
        if c.kind == "message"
    ]


def _manifest_settings(socket_mode: bool) -> dict[str, Any]:
    return {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }


def as_json(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks)
