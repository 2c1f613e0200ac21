"""The crisis pathway: signs of danger in a message or DM get a private reply, in the language
the member wrote in, with the right helplines and an offer to talk to a moderator. Urgent signs
(a plan, means, strangulation, a threat to kill) get a warm reply with crisis lines and an urgent
moderator card; concern (coercive control, passive wishes to be gone) a gentle reply with abuse
and support services and an ordinary card. Never public, never a punishment, no message text in
logs. A member hears from the bot once per level within the cooldown; a higher level always
gets its reply and card, and every repeat updates the moderators' card (bot/safety/alerts.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.kernel import actions as a
from bot.kernel.events import MessageEdited, MessagePosted
from bot.kernel.feature import Feature
from bot.kernel.message import Button, Field, Message, mention
from bot.kernel.personal import PersonalData
from bot.moderation import queue
from bot.support import helplines, member_country

if TYPE_CHECKING:
    from bot.kernel.actions import ActionResult
    from bot.kernel.context import Context, Kernel
    from bot.kernel.store.models import Community, OutboxEntry

DM_COMMUNITY = "dm"  # the community of a Discord DM (adapters.discord.place_of)

feature = Feature("safety")

from bot.safety import alerts, replies  # noqa: E402
from bot.safety.cli import register_cli  # noqa: E402
from bot.safety.detector import Assessment, safety_detector  # noqa: E402

feature.command_line(register_cli)
feature.personal_data(PersonalData("safety", alerts.export, alerts.erase))

log = logging.getLogger(__name__)


def reach_out(
    ctx: Context, user_id: str, assessment: Assessment, source: str, excerpt: str
) -> bool:
    """Private support for the member the first time a level shows in a window, and a card
    for the moderators; a repeat updates the open card instead. True when the moderators
    were told; the reply says so, and offers "don't contact me", only when they were. A member
    in discreet mode hears nothing they did not ask for; their card says how to reach them."""
    family = replies.family_of(assessment.categories)
    where = member_country(ctx, user_id)  # None: the member never said where they live
    chosen = helplines.for_signal(where, family)
    row, new = alerts.record(ctx, user_id, assessment, source, excerpt, where or "")
    row.discreet = not ctx.may_write_to(user_id)
    ctx.session.add(row)
    told = alerts.show(ctx, row, new=new)
    if new and not row.discreet:
        lang = replies.pick_language(assessment.language, ctx.locale)
        opening = replies.opening(family, crisis_line=chosen.crisis_line, country_known=bool(where))
        buttons = [Button(replies.text("talk_button", lang), talk_id(ctx, user_id), "primary")]
        if told:
            label = replies.text("dont_contact_button", lang)
            buttons.append(Button(label, quiet_id(ctx, user_id, lang), "secondary"))
        text = replies.compose(
            replies.text(opening, lang), always_open=chosen.always_open, told=told, language=lang
        )
        reply = a.SendPrivate(
            ctx.place,
            user_id,
            Message(
                text=text,
                fields=_fields(ctx, chosen, lang, user_id),
                tone="urgent" if assessment.urgent else "warning",
                rows=(tuple(buttons), discretion.buttons(ctx, user_id, lang)),
                footer=replies.text("footer", lang),
                preview=replies.text("preview", lang),
            ),
        )
        ctx.send(reply, kind="safety.reply", context={"signal_id": row.id})
    return told


def _fields(
    ctx: Context, chosen: helplines.Selection, lang: str, user_id: str
) -> tuple[Field, ...]:
    """The lines, each marked open where its stated schedule is open now in the member's
    time zone (their own setting; else the line's)."""
    prefs = ctx.prefs(user_id, create=False)
    zone = prefs.timezone if prefs and prefs.timezone else None
    label = replies.text("open_now", lang)
    return helplines.as_fields(chosen.lines, now=ctx.now, zone=zone, open_label=label)


@feature.on_install
def load_model_in_the_background(app: object) -> None:
    """Start loading the model on its worker now, so the first message does not wait for it."""
    safety_detector().warm_up()


def talk_id(ctx: Context, user_id: str) -> str:
    """The button names the community: clicked in a DM, the click itself carries none."""
    return f"safety-talk:{user_id}:{ctx.place.community}"[:100]


def quiet_id(ctx: Context, user_id: str, lang: str) -> str:
    """The "don't contact me" button names the community, like the talk button, and the
    language of the reply it sits under, so the confirmation comes in that language too."""
    return f"safety-quiet:{user_id}:{ctx.place.community}:{lang}"[:100]


def community_of_click(ctx: Context, args: list[str]) -> Community | None:
    """Where the member asked for help. A click in a DM (Discord DMs have no server) uses the
    community named by the button, and only for the member the button was made for."""
    if ctx.place.community != DM_COMMUNITY:
        return ctx.community
    if len(args) < 2 or args[0] != ctx.actor_id or args[1] == DM_COMMUNITY:
        return None
    from sqlmodel import select

    from bot.kernel.store.models import Community

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
    source = ctx.t("safety.source.dm") if event.is_dm else ctx.t("safety.source.channel")
    told = reach_out(ctx, event.actor.user_id, assessment, source, event.text[:400])
    if event.is_dm and told:
        ctx.stop()  # a DM that is a crisis is answered as one, not also filed as a report


@feature.on_delivery_failed
async def reply_undelivered(app: Kernel, entry: OutboxEntry, result: ActionResult) -> None:
    if entry.kind == "safety.reply":
        alerts.reply_undelivered(app, entry, result)


@feature.outbox_hook("safety.alert")
@feature.outbox_hook("safety.concern")
async def card_posted(app: Kernel, entry: OutboxEntry, result: ActionResult) -> None:
    """Remember where the card is, so the member's later signals update it."""
    alerts.remember_card(app, entry.context.get("signal_id"), result.message_id)


@feature.command("help-now", "Get helplines and talk to a moderator privately, right now")
async def help_now(ctx: Context) -> None:
    chosen = helplines.for_signal(member_country(ctx), None)
    lang = replies.pick_language(ctx.locale)
    text = replies.compose(
        replies.text("help_now", lang), always_open=chosen.always_open, told=False, language=lang
    )
    ctx.reply(
        Message(
            text=text,
            fields=_fields(ctx, chosen, lang, ctx.actor_id),
            tone="urgent",
            rows=(
                (Button(replies.text("talk_button", lang), talk_id(ctx, ctx.actor_id), "primary"),),
                discretion.buttons(ctx, ctx.actor_id, lang),
            ),
            footer=replies.text("footer", lang),
            preview=replies.text("preview", lang),
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


@feature.component("safety-quiet")
async def dont_contact(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    """The member asked not to be contacted: their card says so (edited in place where the
    platform can, else an update card), and they hear that it was passed on."""
    community = community_of_click(ctx, args)
    lang = replies.pick_language(args[2] if len(args) > 2 else None, ctx.locale)
    row = alerts.latest(ctx, community.community_id, ctx.actor_id) if community else None
    if community is not None and row is not None:
        row.no_contact = True
        ctx.session.add(row)
        alerts.show_no_contact(ctx, row, community)
    ctx.reply(replies.text("dont_contact_done", lang))


from bot.safety import discretion  # noqa: E402  (its handlers use the helpers above)
