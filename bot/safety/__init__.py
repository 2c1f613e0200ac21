"""The crisis pathway: signs of danger in a message or DM get a private, warm reply with the
right helplines and an offer to talk to a moderator, and the moderators an urgent card. Never
public, never a punishment, not repeated to the same member within the cooldown."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot import actions as a
from bot.claims import claim
from bot.events import MessagePosted, Place
from bot.message import Button, Field, Message, escape, mention
from bot.safety.detect import Finding, detector
from bot.support import helplines, member_country

if TYPE_CHECKING:
    from bot.community import App, Context
    from bot.store.models import Community

DM_COMMUNITY = "dm"  # the community of a Discord DM (adapters.discord.place_of)

log = logging.getLogger(__name__)
COOLDOWN = timedelta(hours=6)
TOPICS = {
    "suicide": ("crisis", "suicide"),
    "self-harm": ("crisis", "suicide"),
    "abuse": ("abuse", "domestic-abuse"),
}


def _window(now: datetime) -> datetime:
    """The cooldown window a moment falls in (the same for every process)."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    steps = (now - epoch) // COOLDOWN
    return epoch + steps * COOLDOWN


def reach_out(
    ctx: Context, user_id: str, finding: Finding | None, source: str, excerpt: str | None = None
) -> None:
    """Private support for the member, an urgent card for the moderators."""
    topics = tuple(
        t
        for c in (finding.categories if finding else ("suicide", "abuse"))
        for t in TOPICS.get(c, ())
    )
    country, lines = helplines.for_country(member_country(ctx, user_id), topics)
    key = (
        "safety.reach_out.abuse"
        if finding and finding.categories == ("abuse",)
        else "safety.reach_out.crisis"
    )
    ctx.send_private(
        user_id,
        Message(
            text=ctx.t(key),
            fields=helplines.as_fields(lines),
            tone="urgent",
            rows=((Button(ctx.t("safety.talk_button"), talk_id(ctx, user_id), "primary"),),),
            footer=ctx.t("safety.reach_out.footer"),
        ),
    )
    c = ctx.community
    if not c.queue_channel:
        return
    fields = [
        Field(ctx.t("safety.card.member"), mention(user_id), inline=True),
        Field(ctx.t("safety.card.source"), source, inline=True),
    ]
    if finding:
        fields.append(Field(ctx.t("safety.card.signals"), escape(", ".join(finding.categories))))
    if excerpt:
        fields.append(Field(ctx.t("safety.card.excerpt"), "> " + escape(excerpt, 400)))
    ctx.enqueue(
        a.Post(
            Place(c.platform, c.community_id, c.queue_channel),
            Message(
                title=ctx.t("safety.card.title"),
                text=ctx.t("safety.card.text", country=country),
                fields=tuple(fields),
                tone="urgent",
            ),
        ),
        kind="safety.alert",
    )


def talk_id(ctx: Context, user_id: str) -> str:
    """The button names the community: clicked in a DM, the click itself carries none."""
    return f"safety-talk:{user_id}:{ctx.place.community}"[:100]


def community_of_click(ctx: Context, args: list[str]) -> Community | None:
    """Where the member asked for help. A click in a DM (Discord DMs have no server) uses the
    community named by the button, and only for the member the button was made for."""
    if ctx.place.community != DM_COMMUNITY:
        return ctx.community
    if len(args) < 2 or args[0] != ctx.actor_id or args[1] == DM_COMMUNITY:
        return None
    from sqlmodel import select

    from bot.store.models import Community

    query = select(Community).where(
        Community.platform == ctx.place.platform, Community.community_id == args[1]
    )
    return ctx.session.exec(query).first()  # never create one from a click


def install(app: App) -> None:
    reg = app.registry

    @app.on(MessagePosted, priority=5)  # before automod, so nothing hides a cry for help
    async def watch(ctx: Context, event: MessagePosted) -> None:
        if event.actor.is_bot or not event.text:
            return
        finding = detector().check(event.text)
        if not finding.flagged:
            return
        if not claim(
            ctx.session,
            "safety.cooldown",
            f"{event.place.platform}:{event.place.community}:{event.actor.user_id}",
            _window(event.at),
            event.at,
        ):
            return  # already reached out to this member in this window
        source = ctx.t("safety.source.dm") if event.is_dm else ctx.t("safety.source.channel")
        reach_out(ctx, event.actor.user_id, finding, source, event.text[:400])

    @reg.command("help-now", "Get helplines and talk to a moderator privately, right now")
    async def help_now(ctx: Context) -> None:
        _, lines = helplines.for_country(member_country(ctx))
        ctx.respond(
            Message(
                text=ctx.t("safety.help_now"),
                fields=helplines.as_fields(lines),
                tone="urgent",
                rows=(
                    (Button(ctx.t("safety.talk_button"), talk_id(ctx, ctx.actor_id), "primary"),),
                ),
            )
        )

    @reg.component("safety-talk")
    async def talk(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
        c = community_of_click(ctx, args)
        if c is not None and c.queue_channel:
            ctx.enqueue(
                a.Post(
                    Place(c.platform, c.community_id, c.queue_channel),
                    Message(
                        title=ctx.t("safety.talk.card_title"),
                        text=ctx.t("safety.talk.card_text", member=mention(ctx.actor_id)),
                        tone="urgent",
                    ),
                ),
                kind="safety.talk",
            )
        ctx.respond(ctx.t("safety.talk.member"))
