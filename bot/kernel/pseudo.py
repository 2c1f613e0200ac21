"""The pseudo-locale en-XA: English with accents and padding, generated from the catalogs.

Running the bot in en-XA makes every catalog string look foreign but stay readable, and longer
(as German or Finnish would be), so raw English that escaped the catalogs stands out and layouts
are tried with longer text. Placeholders, markup, mentions, URLs and slash commands are kept
as they are, since code and platforms read them.
"""

from __future__ import annotations

import re

OPEN, CLOSE = "⟦", "⟧"
# What must survive untouched: {placeholders}, `code`, <#mentions>, URLs, /commands, **bold** marks.
_KEEP = re.compile(r"\{[^{}]*\}|`[^`]*`|<[^<>]*>|https?://\S+|(?<!\w)/[a-z][\w-]*|\*\*")
_ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķĺɱñöþǫŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
_PAD = "·~"
GROWTH = 0.35


def pseudo(text: str) -> str:
    """Accent the letters of `text` outside protected spans, lengthen it, and bracket it."""
    if not text.strip():
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    body = text.strip()
    out: list[str] = []
    pos = 0
    for match in _KEEP.finditer(body):
        out.append(body[pos : match.start()].translate(_ACCENTS))
        out.append(match.group(0))
        pos = match.end()
    out.append(body[pos:].translate(_ACCENTS))
    pad = (_PAD * len(body))[: max(2, round(len(body) * GROWTH))]
    return f"{lead}{OPEN}{''.join(out)} {pad}{CLOSE}{trail}"


def is_pseudo(text: str) -> bool:
    """Whether a non-empty text came through the pseudo-locale."""
    return OPEN in text and CLOSE in text
