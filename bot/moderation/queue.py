"""The moderator queue: the one place that posts to it.

Reports, automod hits, appeals, crisis alerts, peer check-in reports and delivery failures all
reach moderators through here, durably (the outbox), in the community's queue channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import col, func, select

from bot.kernel import actions as a
from bot.kernel import codec, i18n, metrics
from bot.kernel.actions import ActionResult
from bot.kernel.commands import Permission
from bot.kernel.context import level_of
from bot.kernel.events import Place
from bot.kernel.message import (
    Button,
    Field,
    Message,
    Select,
    SelectOption,
    channel_link,
    escape,
    mention,
)
from bot.kernel.store.models import Community, OutboxEntry
from bot.moderation import prefs
from bot.moderation import service as svc
from bot.moderation.feature import feature
from bot.moderation.models import ModCase

if TYPE_CHECKING:
    from bot.kernel.app import App
    from bot.kernel.context import Context
    from bot.kernel.events import Actor


def where(ctx: Context, community: Community | None = None) -> Place | None:
    c = community or ctx.community
    channel = prefs.queue_channel(ctx.session, c)
    return Place(c.platform, c.community_id, channel) if channel else None


def card(ctx: Context, case: ModCase) -> Message:
    """The moderators' view of a case. The reporter is shown only if the community opted in."""
    c = ctx.community
    fields = [Field(ctx.t("mod.card.reason"), svc.reason_label(ctx, case.reason), inline=True)]
    if case.target_id:
        fields.append(Field(ctx.t("mod.card.member"), mention(case.target_id), inline=True))
        fields.append(
            Field(
                ctx.t("mod.card.history"),
                ctx.t(
                    "mod.card.history_value",
                    open=svc.open_cases(ctx, case.target_id),
                    points=svc.active_points(ctx, case.target_id),
                ),
                inline=True,
            )
        )
    if case.kind == "report" and case.reporter_id:
        who = (
            mention(case.reporter_id)
            if prefs.of(ctx.session, c).show_reporter_to_moderators
            else ctx.t("mod.card.anonymous")
        )
        fields.append(Field(ctx.t("mod.card.reporter"), who, inline=True))
    if case.reports > 1:
        fields.append(Field(ctx.t("mod.card.reports"), str(case.reports), inline=True))
    if case.excerpt:
        fields.append(Field(ctx.t("mod.card.excerpt"), "> " + escape(case.excerpt, 500)))
    if case.details:
        fields.append(Field(ctx.t("mod.card.details"), escape(case.details, 800)))
    if case.link:
        fields.append(Field(ctx.t("mod.card.link"), case.link))
    status = ctx.t(f"mod.status.{case.status}")
    if case.claimed_by:
        status += " · " + ctx.t("mod.card.claimed_by", who=mention(case.claimed_by))
    if case.outcome:
        status += "\n" + case.outcome[:600]  # composed by us; member text in it is escaped
    fields.append(Field(ctx.t("mod.card.status"), status))
    return Message(
        title=ctx.t(f"mod.card.title.{case.kind}", number=case.number),
        fields=tuple(fields),
        rows=_buttons(ctx, case) if case.status in ("open", "claimed", "escalated") else (),
        tone="warning" if case.kind == "report" else "danger",
        footer=_missing_note(ctx),
    )


def _buttons(ctx: Context, case: ModCase) -> tuple[tuple[Button | Select, ...], ...]:
    n = case.number
    first: list[Button | Select] = [Button(ctx.t("mod.btn.claim"), f"mod-card:claim:{n}")]
    first.append(Button(ctx.t("mod.btn.dismiss"), f"mod-card:dismiss:{n}"))
    if case.target_id:
        first.append(Button(ctx.t("mod.btn.warn"), f"mod-card:warn:{n}", "primary"))
    if case.message_id and ctx.can(a.DeleteMessage):
        first.append(Button(ctx.t("mod.btn.delete"), f"mod-card:delete:{n}", "danger"))
    if case.held:
        first.append(Button(ctx.t("mod.btn.restore"), f"mod-card:restore:{n}", "success"))
    second: list[Button | Select] = []
    if case.target_id and ctx.can(a.KickMember):
        second.append(Button(ctx.t("mod.btn.kick"), f"mod-card:kick:{n}", "danger"))
    if case.target_id and ctx.can(a.BanMember):
        second.append(Button(ctx.t("mod.btn.ban"), f"mod-card:ban:{n}", "danger"))
    second.append(Button(ctx.t("mod.btn.note"), f"mod-card:note:{n}"))
    second.append(Button(ctx.t("mod.btn.escalate"), f"mod-card:escalate:{n}"))
    rows: list[tuple[Button | Select, ...]] = [tuple(first), tuple(second)]
    if case.target_id and ctx.can(a.TimeoutMember):
        options = tuple(SelectOption(label, value) for value, label in svc.TIMEOUT_CHOICES)
        rows.append((Select(f"mod-card:timeout:{n}", options, ctx.t("mod.btn.timeout")),))
    return tuple(rows)


def _missing_note(ctx: Context) -> str | None:
    missing = [
        name
        for name, action in (
            ("timeout", a.TimeoutMember),
            ("kick", a.KickMember),
            ("ban", a.BanMember),
        )
        if not ctx.can(action)
    ]
    if not missing or ctx.platform is None:
        return None
    return ctx.t(
        "mod.card.cannot",
        platform=ctx.platform.name,
        actions=i18n.join((ctx.t(f"mod.cap.{m}") for m in missing), ctx.locale, style="or"),
    )


def post_card(ctx: Context, case: ModCase, *, update: bool = True) -> None:
    """Show the case in the queue: edit its card when it has one, else post a new card."""
    ctx.session.flush()
    metrics.QUEUE_SIZE.set(
        int(
            ctx.session.exec(
                select(func.count())
                .select_from(ModCase)
                .where(col(ModCase.status).in_(["open", "claimed", "escalated"]))
            ).one()
        )
    )
    place = where(ctx)
    if place is None:
        return
    message = card(ctx, case)
    if update and case.queue_message_id and ctx.can(a.EditMessage):
        ctx.send(a.EditMessage(place, case.queue_message_id, message), kind="mod.card.edit")
        return
    ctx.session.flush()
    ctx.send(a.Post(place, message), kind="mod.card", context={"case_id": case.id})


def post(
    ctx: Context,
    message: Message,
    *,
    kind: str = "mod.alert",
    community: Community | None = None,
    context: dict[str, Any] | None = None,
) -> bool:
    """Post a card to the moderator queue, durably. False when the community has no queue
    channel yet (the caller's member-facing answer does not depend on it). `community` is for
    a click in a DM, which names its community in the button; `context` reaches the outbox
    hook of `kind` (to remember the card's message id, say)."""
    place = where(ctx, community)
    if place is None:
        return False
    ctx.send(a.Post(place, message), kind=kind, context=context)
    return True


def edit(
    ctx: Context,
    message_id: str,
    message: Message,
    *,
    kind: str = "mod.alert.edit",
    community: Community | None = None,
) -> bool:
    """Edit a card already in the queue. False when there is no queue channel or the platform
    cannot edit messages (the caller then posts a new card). `community` as for `post`."""
    place = where(ctx, community)
    if place is None or not ctx.can(a.EditMessage):
        return False
    ctx.send(a.EditMessage(place, message_id, message), kind=kind)
    return True


@feature.on_delivery_failed
async def delivery_failed(app: App, entry: OutboxEntry, result: ActionResult) -> None:
    """Tell the community's moderators that something could not be delivered: to whom or
    where, and why in plain words."""
    if entry.kind.startswith("alert"):
        return
    with app.store.session() as s:
        place = Place(entry.platform, entry.community_id)
        community = app.community(s, place)
        channel = prefs.queue_channel(s, community)
        if not channel:
            return
        text = failure_text(community.language, entry, result)
        alert = a.Post(place.at_channel(channel), Message(text=text, tone="danger"))
        app.outbox.enqueue(s, alert, app.clock.now(), kind="alert.failure")


def failure_reason(language: str, result: ActionResult) -> str:
    """Why an action failed, in plain words in the community's language."""
    return i18n.t(f"core.failure.{result.why}", language, error=escape(result.error or "?", 120))


def failure_text(language: str, entry: OutboxEntry, result: ActionResult) -> str:
    """The failure card's text: the member or channel the entry was for, and the reason."""
    reason = failure_reason(language, result)
    try:
        action = codec.loads(entry.payload)
    except Exception:  # an entry that no longer decodes still gets its card
        action = None
    user = getattr(action, "user_id", None)
    if isinstance(user, str) and user:
        return i18n.t(
            "core.alert.delivery_failed_member", language, member=mention(user), reason=reason
        )
    channel = action.place.channel if isinstance(action, a.Action) else None
    if channel:
        return i18n.t(
            "core.alert.delivery_failed_channel",
            language,
            channel=channel_link(channel),
            reason=reason,
        )
    return i18n.t("core.alert.delivery_failed", language, reason=reason)


@feature.home_section(order=50)
def home_queue(ctx: Context, actor: Actor) -> list[Field]:
    if level_of(ctx.community, actor) < Permission.MODERATOR:
        return []
    waiting = ctx.session.exec(
        select(func.count())
        .select_from(ModCase)
        .where(*ModCase.scope(ctx), col(ModCase.status).in_(["open", "claimed", "escalated"]))
    ).one()
    return [Field(ctx.t("home.queue"), str(waiting))]
