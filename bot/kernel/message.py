"""Platform-neutral rich messages.

Text is a small markdown subset that every adapter renders natively: **bold**, _italic_,
`code`, [label](https://link), lines starting with "> " (quote) or "- " (bullet), and user
mentions written <@USER_ID>. Text a member wrote must pass through `escape()` before it is
placed in a message, so it can never format, link or mention anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

ButtonStyle = Literal["primary", "secondary", "success", "danger", "link"]

# Characters with meaning in the subset (or in a platform's own markup) get a backslash.
_SPECIAL = re.compile(r"([\\`*_~|\[\]()<>#@&>-])")
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff]")


def escape(text: str, limit: int | None = None) -> str:
    """Neutralise member text: no formatting, links or mentions survive rendering."""
    text = _ZERO_WIDTH.sub("", text)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return _SPECIAL.sub(r"\\\1", text)


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>"


def excerpt(text: str, limit: int = 300) -> str:
    """A quoted, escaped excerpt of member text."""
    one_line = " ".join(text.split())
    return escape(one_line, limit)


@dataclass(frozen=True)
class Button:
    label: str
    custom_id: str = ""
    style: ButtonStyle = "secondary"
    url: str | None = None
    disabled: bool = False


@dataclass(frozen=True)
class SelectOption:
    label: str
    value: str
    description: str | None = None


@dataclass(frozen=True)
class Select:
    custom_id: str
    options: tuple[SelectOption, ...]
    placeholder: str = ""
    min_values: int = 1
    max_values: int = 1


Component = Button | Select


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Message:
    """What the bot says. `rows` are rows of components (at most 5 rows of 5 buttons, or one
    select per row). `tone` lets adapters colour cards (Discord embed colour, console style).

    `preview` makes the message discreet: that neutral line is all a notification or a lock
    screen shows, and everything else is folded below it (Discord: behind spoilers; Slack:
    after a first block, with the preview as the notification text; console: after it)."""

    text: str = ""
    title: str | None = None
    fields: tuple[Field, ...] = ()
    rows: tuple[tuple[Component, ...], ...] = ()
    footer: str | None = None
    tone: Literal["info", "success", "warning", "danger", "urgent"] = "info"
    attachments: tuple[Attachment, ...] = field(default=(), compare=False)
    preview: str | None = None

    def plain(self) -> str:
        """A readable plain-text rendering (console, logs in tests, fallbacks)."""
        parts: list[str] = [self.preview] if self.preview else []
        if self.title:
            parts.append(to_plain(self.title))
        if self.text:
            parts.append(to_plain(self.text))
        parts.extend(f"{to_plain(f.name)}: {to_plain(f.value)}" for f in self.fields)
        if self.footer:
            parts.append(to_plain(self.footer))
        return "\n".join(parts)

    def components(self) -> list[Component]:
        return [c for row in self.rows for c in row]


def as_message(value: str | Message) -> Message:
    return value if isinstance(value, Message) else Message(text=value)


# --- markdown subset tokenizer, shared by the adapters' renderers -------------------------

TokenKind = Literal["text", "bold", "italic", "code", "link", "mention", "channel", "newline"]


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    url: str | None = None


_INLINE = re.compile(
    r"\\(?P<esc>.)"
    r"|\*\*(?P<bold>(?:\\.|[^*])+?)\*\*"
    r"|(?<![\w\\])_(?P<italic>(?:\\.|[^_])+?)_(?!\w)"
    r"|`(?P<code>[^`]+)`"
    r"|\[(?P<label>(?:\\.|[^\]])+)\]\((?P<url>https?://[^\s)]+)\)"
    r"|<@(?P<mention>[A-Za-z0-9_.-]+)>"
    r"|<#(?P<channel>[A-Za-z0-9_.-]+)>"
    r"|(?P<newline>\n)",
    re.DOTALL,
)
_UNESCAPE = re.compile(r"\\(.)")


def unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text)


def tokenize(text: str) -> list[Token]:
    """Split subset markdown into tokens. Escaped characters come back as literal text."""
    tokens: list[Token] = []
    pos = 0

    def add_text(s: str) -> None:
        if not s:
            return
        if tokens and tokens[-1].kind == "text":
            tokens[-1] = Token("text", tokens[-1].text + s)
        else:
            tokens.append(Token("text", s))

    for m in _INLINE.finditer(text):
        add_text(text[pos : m.start()])
        pos = m.end()
        if m.group("esc") is not None:
            add_text(m.group("esc"))
        elif m.group("bold") is not None:
            tokens.append(Token("bold", unescape(m.group("bold"))))
        elif m.group("italic") is not None:
            tokens.append(Token("italic", unescape(m.group("italic"))))
        elif m.group("code") is not None:
            tokens.append(Token("code", m.group("code")))
        elif m.group("label") is not None:
            tokens.append(Token("link", unescape(m.group("label")), m.group("url")))
        elif m.group("mention") is not None:
            tokens.append(Token("mention", m.group("mention")))
        elif m.group("channel") is not None:
            tokens.append(Token("channel", m.group("channel")))
        else:
            tokens.append(Token("newline", "\n"))
    add_text(text[pos:])
    return tokens


def to_plain(text: str) -> str:
    out: list[str] = []
    for tok in tokenize(text):
        if tok.kind == "link":
            out.append(f"{tok.text} ({tok.url})")
        elif tok.kind == "mention":
            out.append(f"@{tok.text}")
        elif tok.kind == "channel":
            out.append(f"#{tok.text}")
        else:
            out.append(tok.text)
    return "".join(out)
