"""A member's home view (Slack's App Home tab): their own settings and, for organizers and
moderators, what is coming up and what is waiting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from bot import l10n
from bot.commands import Permission
from bot.message import Field, Message
from bot.store import aware

if TYPE_CHECKING:
    from bot.community import Context
    from bot.events import Actor


def home(ctx: Context, actor: Actor) -> Message:
    from bot.community import level_of
    from bot.moderation.models import ModCase
    from bot.peers.models import PeerProfile
    from bot.prompts.models import PromptSchedule

    c = ctx.community
    prefs = ctx.prefs(actor.user_id, create=False)
    peer = ctx.session.exec(
        select(PeerProfile).where(
            PeerProfile.platform == c.platform,
            PeerProfile.community_id == c.community_id,
            PeerProfile.user_id == actor.user_id,
        )
    ).first()
    fields = [
        Field(
            ctx.t("home.language"),
            (prefs.locale if prefs and prefs.locale else c.language),
            inline=True,
        ),
        Field(
            ctx.t("home.timezone"),
            (prefs.timezone if prefs and prefs.timezone else c.timezone),
            inline=True,
        ),
        Field(
            ctx.t("home.peers"),
            ctx.t("home.peers.on") if peer else ctx.t("home.peers.off"),
            inline=True,
        ),
        Field(ctx.t("home.privacy"), ctx.t("home.privacy.hint")),
    ]
    level = level_of(c, actor)
    if level >= Permission.ORGANIZER:
        nxt = ctx.session.exec(
            select(func.min(PromptSchedule.next_fire_at)).where(
                PromptSchedule.platform == c.platform,
                PromptSchedule.community_id == c.community_id,
                col(PromptSchedule.active).is_(True),
                col(PromptSchedule.paused).is_(False),
            )
        ).one()
        when = aware(nxt)
        fields.append(
            Field(ctx.t("home.next_prompt"), l10n.when(when, ctx.locale, "UTC", year=False))
        )
    if level >= Permission.MODERATOR:
        open_ = ctx.session.exec(
            select(func.count())
            .select_from(ModCase)
            .where(
                ModCase.platform == c.platform,
                ModCase.community_id == c.community_id,
                col(ModCase.status).in_(["open", "claimed", "escalated"]),
            )
        ).one()
        fields.append(Field(ctx.t("home.queue"), str(open_)))
    return Message(title=ctx.t("home.title"), text=ctx.t("home.text"), fields=tuple(fields))
