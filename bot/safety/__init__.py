"""The crisis pathway: signs of danger in a message or DM get a private, warm reply with the
right helplines and an offer to talk to a moderator, and the moderators an urgent card. Never
public, never a punishment, not repeated to the same member within the cooldown."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.claims import claim
from bot.events import MessageEdited, MessagePosted
from bot.feature import Feature
from bot.message import Button, Field, Message, escape, mention
from bot.moderation import queue
from bot.safety.detect import Finding, detector
from bot.support import helplines, member_country

if TYPE_CHECKING:
    from bot.context import Context

feature = Feature("safety")

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
            rows=((Button(ctx.t("safety.talk_button"), f"safety-talk:{user_id}", "primary"),),),
            footer=ctx.t("safety.reach_out.footer"),
        ),
    )
    fields = [
        Field(ctx.t("safety.card.member"), mention(user_id), inline=True),
        Field(ctx.t("safety.card.source"), source, inline=True),
    ]
    if finding:
        fields.append(Field(ctx.t("safety.card.signals"), escape(", ".join(finding.categories))))
    if excerpt:
        fields.append(Field(ctx.t("safety.card.excerpt"), "> " + escape(excerpt, 400)))
    queue.post(
        ctx,
        Message(
            title=ctx.t("safety.card.title"),
            text=ctx.t("safety.card.text", country=country),
            fields=tuple(fields),
            tone="urgent",
        ),
        kind="safety.alert",
    )


@feature.on(MessagePosted, MessageEdited, order="safety")
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


@feature.command("help-now", "Get helplines and talk to a moderator privately, right now")
async def help_now(ctx: Context) -> None:
    _, lines = helplines.for_country(member_country(ctx))
    ctx.reply(
        Message(
            text=ctx.t("safety.help_now"),
            fields=helplines.as_fields(lines),
            tone="urgent",
            rows=(
                (Button(ctx.t("safety.talk_button"), f"safety-talk:{ctx.actor_id}", "primary"),),
            ),
        )
    )


@feature.component("safety-talk")
async def talk(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    queue.post(
        ctx,
        Message(
            title=ctx.t("safety.talk.card_title"),
            text=ctx.t("safety.talk.card_text", member=mention(ctx.actor_id)),
            tone="urgent",
        ),
        kind="safety.talk",
    )
    ctx.reply(ctx.t("safety.talk.member"))
