"""The pathway: a message or DM with signs of danger gets its private reply and the moderators
their card (see the package's docstring); `/help-now`, and the buttons on the reply."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.kernel import actions as a
from bot.kernel.commands import CommandError
from bot.kernel.events import MessageEdited, MessagePosted
from bot.kernel.message import Button, Field, Message, mention
from bot.kernel.personal import PersonalData
from bot.moderation import queue, reports
from bot.safety import alerts, discretion, replies
from bot.safety.cli import register_cli
from bot.safety.clicks import community_of_click, quiet_id, talk_id
from bot.safety.detector import Assessment, safety_detector
from bot.safety.feature import feature
from bot.support import helplines, member_country

if TYPE_CHECKING:
    from bot.kernel.actions import ActionResult
    from bot.kernel.context import Context, Kernel
    from bot.kernel.store.models import OutboxEntry


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


@feature.on(MessagePosted, MessageEdited, name="safety", before="automod")
async def watch(ctx: Context, event: MessagePosted) -> None:
    if event.actor.is_bot or not event.text:
        return
    assessment = await safety_detector().assess(event.text)  # on a worker thread
    if not assessment.flagged:
        return
    source = ctx.t("safety.source.dm") if event.is_dm else ctx.t("safety.source.channel")
    told = reach_out(ctx, event.actor.user_id, assessment, source, event.text[:400])
    if event.is_dm:
        # A DM that is a crisis is answered as one, not as a report: a receipt ("your report
        # is saved") before the helplines would answer the wrong question. Where no card could
        # tell the moderators, it is still kept as a case, without the receipt.
        if not told:
            await _keep_as_case(ctx, event)
        ctx.stop()


async def _keep_as_case(ctx: Context, event: MessagePosted) -> None:
    try:
        await reports.file_report(ctx, event.actor.user_id, None, "other", None, "dm",
                                  details=event.text[:1000], acknowledge=False)  # fmt: skip
    except CommandError:  # the member's report limit: the crisis reply still goes out
        log.info("a crisis DM was not kept as a case: report limit")


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
