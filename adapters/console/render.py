"""Render core Messages readably in a terminal with rich."""

from __future__ import annotations

from rich.text import Text

from bot.kernel.message import Button, Message, Select, tokenize

_STYLES = {"bold": "bold", "italic": "italic", "code": "cyan", "link": "underline blue"}
_TONES = {
    "info": "",
    "success": "green",
    "warning": "yellow",
    "danger": "red",
    "urgent": "bold red",
}


def render_markdown(text: str, names: dict[str, str] | None = None) -> Text:
    out = Text()
    for tok in tokenize(text):
        if tok.kind == "mention":
            out.append("@" + (names or {}).get(tok.text, tok.text), style="magenta")
        elif tok.kind == "channel":
            out.append("#" + tok.text, style="magenta")
        elif tok.kind == "link":
            out.append(f"{tok.text} <{tok.url}>", style=_STYLES["link"])
        else:
            out.append(tok.text, style=_STYLES.get(tok.kind, ""))
    return out


def render_message(message: Message, names: dict[str, str] | None = None) -> Text:
    out = Text()
    if message.preview:  # the neutral line a notification shows; the rest below it
        out.append(message.preview + "\n")
    if message.title:
        title = render_markdown(message.title, names)
        title.stylize("bold " + _TONES[message.tone])
        out.append(title)
        out.append("\n")
    if message.text:
        out.append(render_markdown(message.text, names))
        out.append("\n")
    for f in message.fields:
        name = render_markdown(f.name, names)
        name.stylize("bold")
        out.append("  ")
        out.append(name)
        out.append(": ", style="bold")
        out.append(render_markdown(f.value, names))
        out.append("\n")
    if message.footer:
        footer = render_markdown(message.footer, names)
        footer.stylize("dim")
        out.append(footer)
        out.append("\n")
    for row in message.rows:
        out.append("  ")
        for comp in row:
            if isinstance(comp, Button):
                label = f"[{comp.label}]" + ("" if not comp.url else f"<{comp.url}>")
                out.append(label + " ", style="reverse" if comp.style != "secondary" else "")
            elif isinstance(comp, Select):
                opts = " | ".join(o.label for o in comp.options)
                out.append(f"<{comp.placeholder or 'choose'}: {opts}> ", style="italic")
        out.append("\n")
    for att in message.attachments:
        out.append(f"  [file] {att.filename} ({len(att.content)} bytes)\n", style="dim")
    out.rstrip()
    return out
