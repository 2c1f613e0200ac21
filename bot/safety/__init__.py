"""The crisis pathway: signs of danger in a message or DM get a private reply, in the language
the member wrote in, with the right helplines and an offer to talk to a moderator. Urgent signs
(a plan, means, strangulation, a threat to kill) get a warm reply with crisis lines and an urgent
moderator card; concern (coercive control, passive wishes to be gone) a gentle reply with abuse
and support services and an ordinary card. Never public, never a punishment, no message text in
logs, not repeated to the same member within the cooldown."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.claims import claim
from bot.events import MessageEdited, MessagePosted
from bot.feature import Feature
from bot.message import Button, Field, Message, escape, mention
from bot.moderation import queue
from bot.support import helplines, member_country

if TYPE_CHECKING:
    from bot.context import Context
    from bot.store.models import Community

DM_COMMUNITY = "dm"  # the community of a Discord DM (adapters.discord.place_of)

feature = Feature("safety")

from bot.safety import replies  # noqa: E402
from bot.safety.cli import register_cli  # noqa: E402
from bot.safety.detector import Assessment, safety_detector  # noqa: E402

feature.command_line(register_cli)

log = logging.getLogger(__name__)
COOLDOWN = timedelta(hours=6)
CRISIS_TOPICS = ("crisis", "suicide")
ABUSE_TOPICS = ("abuse", "domestic-abuse")


def _topics(assessment: Assessment | None) -> tuple[str, ...]:
    """Crisis lines for suicide and self-harm, abuse lines for danger and control, both when
    only the learned layer spoke (it names no category)."""
    if assessment is None:
        return CRISIS_TOPICS + ABUSE_TOPICS
    out: list[str] = []
    for c in assessment.categories:
        if c.startswith(("suicide.", "self_harm")) or c == "model":
            out += CRISIS_TOPICS
        if c.startswith(("danger.", "control.")) or c == "model":
            out += ABUSE_TOPICS
    return tuple(dict.fromkeys(out))


def _window(now: datetime) -> datetime:
    """The cooldown window a moment falls in (the same for every process)."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    steps = (now - epoch) // COOLDOWN
    return epoch + steps * COOLDOWN


def reach_out(
    ctx: Context,
    user_id: str,
    assessment: Assessment | None,
    source: str,
    excerpt: str | None = None,
) -> None:
    """Private support for the member, a card for the moderators (urgent or ordinary)."""
    country, lines = helplines.for_country(member_country(ctx, user_id), _topics(assessment))
    urgent = assessment is None or assessment.urgent
    lang = replies.pick_language(assessment.language if assessment else None, ctx.locale)
    ctx.send_private(
        user_id,
        Message(
            text=replies.text("urgent" if urgent else "concern", lang),
            fields=helplines.as_fields(lines),
            tone="urgent" if urgent else "warning",
            rows=((Button(replies.text("talk_button", lang), talk_id(ctx, user_id), "primary"),),),
            footer=replies.text("footer", lang),
        ),
    )
    fields = [
        Field(ctx.t("safety.card.member"), mention(user_id), inline=True),
        Field(ctx.t("safety.card.source"), source, inline=True),
    ]
    if assessment:
        fields.append(Field(ctx.t("safety.card.signals"), escape(", ".join(assessment.categories))))
    if excerpt:
        fields.append(Field(ctx.t("safety.card.excerpt"), "> " + escape(excerpt, 400)))
    queue.post(
        ctx,
        Message(
            title=ctx.t("safety.card.title" if urgent else "safety.card.concern_title"),
            text=ctx.t("safety.card.text", country=country),
            fields=tuple(fields),
            tone="urgent" if urgent else "warning",
        ),
        kind="safety.alert" if urgent else "safety.concern",
    )


@feature.on_install
def load_model_in_the_background(app: object) -> None:
    """Start loading the model on its worker now, so the first message does not wait for it."""
    safety_detector().warm_up()


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


@feature.on(MessagePosted, MessageEdited, order="safety")
async def watch(ctx: Context, event: MessagePosted) -> None:
    if event.actor.is_bot or not event.text:
        return
    assessment = await safety_detector().assess(event.text)  # on a worker thread
    if not assessment.flagged:
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
    reach_out(ctx, event.actor.user_id, assessment, source, event.text[:400])


@feature.command("help-now", "Get helplines and talk to a moderator privately, right now")
async def help_now(ctx: Context) -> None:
    _, lines = helplines.for_country(member_country(ctx))
    lang = replies.pick_language(ctx.locale)
    ctx.reply(
        Message(
            text=replies.text("help_now", lang),
            fields=helplines.as_fields(lines),
            tone="urgent",
            rows=(
                (Button(replies.text("talk_button", lang), talk_id(ctx, ctx.actor_id), "primary"),),
            ),
        )
    )


@feature.component("safety-talk")
async def talk(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    community = community_of_click(ctx, args)
    if community is not None:
        queue.post(
            ctx,
            Message(
                title=ctx.t("safety.talk.card_title"),
                text=ctx.t("safety.talk.card_text", member=mention(ctx.actor_id)),
                tone="urgent",
            ),
            kind="safety.talk",
            community=community,
        )
    ctx.reply(ctx.t("safety.talk.member"))
