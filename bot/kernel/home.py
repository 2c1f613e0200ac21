"""A member's home view (Slack's App Home tab): each feature adds its section (their own
settings; for organizers and moderators, what is coming up and what is waiting)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kernel.message import Message

if TYPE_CHECKING:
    from bot.kernel.app import App
    from bot.kernel.context import Context
    from bot.kernel.events import Actor


def home(app: App, ctx: Context, actor: Actor) -> Message:
    fields = [field for _order, section in app.home_sections for field in section(ctx, actor)]
    return Message(title=ctx.t("home.title"), text=ctx.t("home.text"), fields=tuple(fields))
