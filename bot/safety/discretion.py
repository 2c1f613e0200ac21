"""Discretion for members whose phone may be watched.

Three things sit under every safety reply and `/help-now` answer: "clear this conversation"
(the bot deletes its own messages in the member's DM), "never message me first" (discreet
mode: `MemberPrefs.discreet`, enforced for every DM by `Context.send`), and, on the
moderators' concern cards, "is it safe to talk?": a neutral check-in the member can answer
with one click, without typing anything that could be read over their shoulder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import select

from bot.kernel import actions as a
from bot.kernel import i18n
from bot.kernel.commands import CommandError, Permission
from bot.kernel.message import Button, Message, mention
from bot.kernel.store.models import MemberPrefs
from bot.moderation import queue
from bot.safety import alerts, replies
from bot.safety.clicks import community_of_click
from bot.safety.feature import feature
from bot.safety.models import SafetySignal

if TYPE_CHECKING:
    from bot.kernel.context import Context
    from bot.kernel.store.models import Community

ANSWERS = ("yes", "later")


def buttons(ctx: Context, user_id: str, lang: str) -> tuple[Button, ...]:
    """The clear button, and the offer of discreet mode to a member not in it yet."""
    row = [Button(replies.text("clear_button", lang), f"safety-clear:{user_id}:{lang}")]
    if not ctx.is_discreet(user_id):
        label = replies.text("discreet_button", lang)
        row.append(Button(label, f"safety-discreet:{user_id}:{ctx.place.community}:{lang}"[:100]))
    return tuple(row)


@feature.component("safety-clear")
async def clear(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    """Only the member the button was made for can clear; the deletion goes through the
    outbox, so it is carried out even if the platform is slow or the bot restarts."""
    if not args or args[0] != ctx.actor_id:
        raise CommandError(ctx.t("privacy.clear.not_yours"))
    lang = replies.pick_language(args[1] if len(args) > 1 else None, ctx.locale)
    ctx.send(a.ClearPrivate(ctx.place, ctx.actor_id), kind="privacy.clear")
    ctx.app.outbox.forget_private(ctx.session, ctx.place.platform, ctx.actor_id)
    ctx.reply(replies.text("cleared", lang))


@feature.component("safety-discreet")
async def go_discreet(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    """Discreet mode in the community the reply came from (a click in a DM names it)."""
    community = community_of_click(ctx, args)
    if community is None or args[0] != ctx.actor_id:
        raise CommandError(ctx.t("privacy.clear.not_yours"))
    prefs = _prefs_in(ctx, community, ctx.actor_id)
    prefs.discreet, prefs.updated_at = True, ctx.now
    ctx.session.add(prefs)
    lang = replies.pick_language(args[2] if len(args) > 2 else None, ctx.locale)
    ctx.reply(replies.text("discreet_done", lang))


def _prefs_in(ctx: Context, community: Community, user_id: str) -> MemberPrefs:
    query = select(MemberPrefs).where(
        MemberPrefs.platform == community.platform,
        MemberPrefs.community_id == community.community_id,
        MemberPrefs.user_id == user_id,
    )
    found = ctx.session.exec(query).first()
    return found or MemberPrefs(
        platform=community.platform, community_id=community.community_id, user_id=user_id
    )


@feature.component("safety-checkin", Permission.MODERATOR)
async def check_in(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    """Send the member a check-in that says nothing about why: a neutral first line, a
    question, two buttons. Refused for a member in discreet mode (Context.send keeps it)."""
    row = _signal(ctx, args)
    lang = _member_language(ctx, row.user_id)
    ident = f"{row.user_id}:{ctx.place.community}:{row.id}"
    message = Message(
        preview=i18n.t("core.preview", lang),
        text=i18n.t("safety.checkin.text", lang),
        rows=(
            (
                Button(i18n.t("safety.checkin.yes", lang), f"safety-answer:{ident}:yes", "primary"),
                Button(i18n.t("safety.checkin.later", lang), f"safety-answer:{ident}:later"),
            ),
            (Button(replies.text("clear_button", lang), f"safety-clear:{row.user_id}:{lang}"),),
        ),
    )
    sent = ctx.send(a.SendPrivate(ctx.place, row.user_id, message), kind="safety.checkin")
    if sent is None:
        ctx.reply(ctx.t("safety.checkin.refused", member=mention(row.user_id)))
        return
    ctx.reply(ctx.t("safety.checkin.sent", member=mention(row.user_id)))


@feature.component("safety-claim", Permission.MODERATOR)
async def claim(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    """One moderator takes the alert on; the card says who (the queue's own words for it)."""
    row = _signal(ctx, args)
    if row.claimed_by:
        raise CommandError(ctx.t("mod.card.claimed_by", who=mention(row.claimed_by)))
    alerts.claim(ctx, row)
    ctx.reply(ctx.t("mod.card.claimed_by", who=mention(ctx.actor_id)))


def _signal(ctx: Context, args: list[str]) -> SafetySignal:
    row = ctx.session.get(SafetySignal, int(args[0])) if args and args[0].isdigit() else None
    if row is None or (row.platform, row.community_id) != (
        ctx.place.platform,
        ctx.place.community,
    ):
        raise CommandError(ctx.t("safety.checkin.unknown"))
    return row


def _member_language(ctx: Context, user_id: str) -> str:
    prefs = ctx.prefs(user_id, create=False)
    return (prefs.locale if prefs else None) or ctx.community.language


@feature.component("safety-answer")
async def answered(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    """The member's one-click answer reaches the moderators (in the community's language);
    they hear that it did."""
    community = community_of_click(ctx, args)
    answer = args[3] if len(args) > 3 else ""
    if community is None or args[0] != ctx.actor_id or answer not in ANSWERS:
        raise CommandError(ctx.t("privacy.clear.not_yours"))

    def t(key: str, **values: object) -> str:
        return i18n.t(key, community.language, **values)

    queue.post(
        ctx,
        Message(
            title=t("safety.checkin.card_title"),
            text=t(f"safety.checkin.card_{answer}", member=mention(ctx.actor_id)),
            tone="warning",
        ),
        kind="safety.checkin.answer",
        community=community,
    )
    ctx.reply(ctx.t(f"safety.checkin.thanks_{answer}"))
