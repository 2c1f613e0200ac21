"""Screenshots of a crisis reply as a watched phone shows it, one per platform renderer
(docs/screenshots/discreet-preview-*.png). They are rendered HTML mocks of a lock-screen
notification and of the opened message, labelled as mocks, filled from what each adapter
really sends for the reply the console community produced: Discord's message content and
embeds, Slack's `text` fallback and blocks, the console's lines."""

from __future__ import annotations

import asyncio
import html
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from adapters.console.render import render_message
from adapters.discord import render as discord_render
from adapters.slack import render as slack_render
from bot.kernel import actions as a
from bot.kernel.message import Message
from bot.safety import replies
from tests.conftest import RecordingConsole
from tests.safety.test_neutral_previews import FORBIDDEN
from tests.safety.test_platforms import CONCERN
from tests.web.conftest import SHOTS

STYLE = """
body { margin: 0; font: 15px/1.4 'DejaVu Sans', sans-serif; background: #1d2330; color: #f3f4f6; }
.label { background: #fde68a; color: #1f2937; padding: 8px 12px; font-size: 13px; }
.phone { width: 340px; margin: 16px auto; }
.clock { text-align: center; font-size: 56px; margin: 24px 0 8px; }
.note { background: rgba(255,255,255,.14); border-radius: 16px; padding: 12px 14px; }
.note .app { font-size: 12px; opacity: .75; text-transform: uppercase; letter-spacing: .04em; }
.note .who { font-weight: bold; margin-top: 2px; }
h2 { font-size: 13px; opacity: .75; margin: 24px 0 6px; text-transform: uppercase; }
.open { background: #f9fafb; color: #111827; border-radius: 12px; padding: 12px; }
.spoiler { background: #202225; color: transparent; border-radius: 4px; padding: 0 2px; }
.divider { border-top: 1px solid #d1d5db; margin: 8px 0; }
.button { display: inline-block; border: 1px solid #9ca3af; border-radius: 6px; padding: 2px 8px;
          margin: 4px 4px 0 0; font-size: 13px; }
pre { white-space: pre-wrap; font: 13px/1.4 'DejaVu Sans Mono', monospace; margin: 0; }
"""


def _reply(community: RecordingConsole) -> Message:
    """The crisis reply the console community sends for a concern-level message."""

    async def run() -> Message:
        await community.type("/as Admin admin", "/settings queue #moderators", "/as Jana")
        await community.type("/in #general", CONCERN)
        sent = [x for x in community.platform.log if isinstance(x, a.SendPrivate)]
        return sent[0].message

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync driver owns this thread's loop
        return pool.submit(asyncio.run, run()).result()


def _buttons(message: Message) -> str:
    return "".join(f'<span class="button">{html.escape(c.label)}</span>'
                   for c in message.components() if hasattr(c, "label"))  # fmt: skip


def _discord(message: Message) -> tuple[str, str]:
    content = discord_render.content_for(message) or ""
    [embeds] = discord_render.embeds_for(message)[:1]
    parts = []
    for embed in embeds:
        hidden = [embed.description or ""] + [f.value or "" for f in embed.fields]
        parts += [f'<p><span class="spoiler">{html.escape(h.strip("|"))}</span></p>'
                  for h in hidden]  # fmt: skip
    return content, f"<p>{html.escape(content)}</p>{''.join(parts)}{_buttons(message)}"


def _slack(message: Message) -> tuple[str, str]:
    text = slack_render.fallback_text(message)
    out = []
    for block in slack_render.blocks_for(message):
        if block["type"] == "divider":
            out.append('<div class="divider"></div>')
        elif block["type"] == "section" and block.get("text"):
            out.append(f"<p>{html.escape(block['text']['text'])}</p>")
        elif block["type"] == "section":
            out += [f"<p>{html.escape(f['text'])}</p>" for f in block["fields"]]
        elif block["type"] == "context":
            out.append(f"<p><small>{html.escape(block['elements'][0]['text'])}</small></p>")
    return text, "".join(out) + _buttons(message)


def _console(message: Message) -> tuple[str, str]:
    lines = render_message(message).plain
    return lines.split("\n", 1)[0], f"<pre>{html.escape(lines)}</pre>"


def _page(platform: str, app: str, notification: str, opened: str) -> str:
    return f"""<!doctype html><html lang="en"><meta charset="utf-8"><style>{STYLE}</style>
<div class="label">Mock, not a screenshot of {platform}: an HTML rendering of what the
{platform} adapter sends for a crisis reply (notification text, then the opened message).</div>
<div class="phone"><div class="clock">21:47</div>
<div class="note"><div class="app">{app}</div><div class="who">Crossings</div>
<div class="body">{html.escape(notification)}</div></div>
<h2>Opened</h2><div class="open">{opened}</div></div></html>"""


def test_a_crisis_replys_preview_per_platform(community: RecordingConsole, page: Any) -> None:
    message = _reply(community)
    preview = replies.text("preview", "en")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, app, (notification, opened) in (
        ("Discord", "Discord", _discord(message)),
        ("Slack", "Slack", _slack(message)),
        ("the console", "Terminal", _console(message)),
    ):
        assert notification == preview  # all a lock screen shows: the neutral line
        assert not [w for w in FORBIDDEN["en"] if w in notification.lower()]
        page.set_content(_page(name, app, notification, opened))
        page.set_viewport_size({"width": 380, "height": 900})
        slug = name.split()[-1].lower()
        page.screenshot(path=str(SHOTS / f"discreet-preview-{slug}.png"), full_page=True)
        assert (SHOTS / f"discreet-preview-{slug}.png").stat().st_size > 5_000
