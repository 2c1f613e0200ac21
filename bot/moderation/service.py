"""Moderation operations shared by commands, queue buttons, automod and other features.

Each operation writes the case and an audit entry in the context's transaction, then emits the
platform actions; the context commits before any action leaves, so a report is stored before
the member is told it was received.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from bot import actions as a
from bot import l10n, metrics
from bot.commands import CommandError, Permission
from bot.events import Actor, Place
from bot.message import Button, Field, Message, Select, SelectOption, escape, mention
from bot.moderation.models import AuditEntry, ModCase, ReportAttempt
from bot.platform import Capability
from bot.store import aware

if TYPE_CHECKING:
    from bot.community import Context

REASONS = (
    "harassment",
    "hate",
    "fetishization",
    "scam",
    "threats",
    "safety",
    "privacy",
    "spam",
    "other",
)
TIMEOUT_CHOICES = (("10m", "10 minutes"), ("1h", "1 hour"), ("1d", "1 day"), ("7d", "1 week"))
UNBAN_TIMER = "mod.unban"


def reason_label(ctx: Context, code: str) -> str:
    return ctx.t(f"mod.reason.{code}") if code in REASONS else code


# --- cases and the audit log ------------------------------------------------------------------


def new_case(ctx: Context, kind: str, **fields: Any) -> ModCase:
    """A case with the community's next number (retrying if another process took it)."""
    c = ctx.community
    for _ in range(5):
        top = ctx.session.exec(
            select(func.max(ModCase.number)).where(
                ModCase.platform == c.platform, ModCase.community_id == c.community_id
            )
        ).one()
        case = ModCase(
            platform=c.platform,
            community_id=c.community_id,
            number=int(top or 0) + 1,
            kind=kind,
            created_at=ctx.now,
            **fields,
        )
        try:
            with ctx.session.begin_nested():
                ctx.session.add(case)
            return case
        except IntegrityError:
            continue
    raise RuntimeError("could not number a new case")


def audit(
    ctx: Context,
    action: str,
    *,
    actor: str,
    target: str | None = None,
    case: ModCase | None = None,
    reason: str | None = None,
) -> None:
    c = ctx.community
    ctx.session.add(
        AuditEntry(
            platform=c.platform,
            community_id=c.community_id,
            actor_id=actor,
            action=action,
            target_id=target,
            case_number=case.number if case else None,
            reason=reason,
            at=ctx.now,
        )
    )


def find_case(ctx: Context, number: int) -> ModCase:
    c = ctx.community
    case = ctx.session.exec(
        select(ModCase).where(
            ModCase.platform == c.platform,
            ModCase.community_id == c.community_id,
            ModCase.number == number,
        )
    ).first()
    if case is None:
        raise CommandError(ctx.t("mod.error.no_case", number=number), "case")
    return case


def active_points(ctx: Context, user_id: str, window: timedelta | None = None) -> int:
    c = ctx.community
    query = select(func.coalesce(func.sum(ModCase.points), 0)).where(
        ModCase.platform == c.platform,
        ModCase.community_id == c.community_id,
        ModCase.target_id == user_id,
        ModCase.kind == "warn",
        ModCase.status != "reverted",
        col(ModCase.expires_at) > ctx.now,
    )
    if window is not None:
        query = query.where(col(ModCase.created_at) > ctx.now - window)
    return int(ctx.session.exec(query).one())


def open_cases(ctx: Context, user_id: str) -> int:
    c = ctx.community
    return int(
        ctx.session.exec(
            select(func.count())
            .select_from(ModCase)
            .where(
                ModCase.platform == c.platform,
                ModCase.community_id == c.community_id,
                ModCase.target_id == user_id,
                col(ModCase.status).in_(["open", "claimed", "escalated"]),
            )
        ).one()
    )


# --- reports ------------------------------------------------------------------------------


def check_report_limits(ctx: Context, reporter: str) -> None:
    c = ctx.community
    for count, seconds in ctx.app.settings.moderation.report_limits:
        recent = ctx.session.exec(
            select(func.count())
            .select_from(ReportAttempt)
            .where(
                ReportAttempt.platform == c.platform,
                ReportAttempt.community_id == c.community_id,
                ReportAttempt.reporter_id == reporter,
                col(ReportAttempt.at) > ctx.now - timedelta(seconds=seconds),
            )
        ).one()
        if int(recent) >= count:
            wait = l10n.duration(timedelta(seconds=seconds), ctx.locale)
            raise CommandError(ctx.t("mod.error.report_limit", count=count, window=wait))


async def file_report(
    ctx: Context,
    reporter_id: str,
    target_user_id: str | None,
    reason: str,
    excerpt: str | None,
    source: str,
    *,
    details: str | None = None,
    channel: str | None = None,
    message_id: str | None = None,
    link: str | None = None,
) -> int:
    """Store a report (merged into an open one about the same message or member), put it in
    the queue and acknowledge privately. Returns the case number."""
    check_report_limits(ctx, reporter_id)
    c = ctx.community
    ctx.session.add(
        ReportAttempt(
            platform=c.platform, community_id=c.community_id, reporter_id=reporter_id, at=ctx.now
        )
    )
    same = select(ModCase).where(
        ModCase.platform == c.platform,
        ModCase.community_id == c.community_id,
        ModCase.kind == "report",
        col(ModCase.status).in_(["open", "claimed", "escalated"]),
    )
    if message_id:
        same = same.where(ModCase.message_id == message_id)
    elif target_user_id:
        same = same.where(ModCase.target_id == target_user_id, col(ModCase.message_id).is_(None))
    existing = ctx.session.exec(same).first() if (message_id or target_user_id) else None
    if existing is not None:
        existing.reports += 1
        if details:
            existing.details = ((existing.details or "") + "\n---\n" + details)[:4000]
        ctx.session.add(existing)
        audit(ctx, "report.merged", actor=reporter_id, target=target_user_id, case=existing)
        case = existing
    else:
        case = new_case(
            ctx,
            "report",
            target_id=target_user_id,
            reporter_id=reporter_id,
            reason=reason,
            details=details,
            excerpt=excerpt,
            channel=channel,
            message_id=message_id,
            link=link,
        )
        audit(ctx, "report", actor=reporter_id, target=target_user_id, case=case, reason=reason)
    post_card(ctx, case, update=existing is not None)
    thanks = Message(text=ctx.t("mod.report.received", number=case.number), tone="success")
    if ctx.actor is not None and ctx.actor.user_id == reporter_id:
        ctx.respond(thanks)  # ephemeral where the platform has it, else a DM
    else:
        ctx.send_private(reporter_id, thanks)
    return case.number


# --- the queue card -----------------------------------------------------------------------


def card(ctx: Context, case: ModCase) -> Message:
    """The moderators' view of a case. The reporter is shown only if the community opted in."""
    c = ctx.community
    fields = [Field(ctx.t("mod.card.reason"), reason_label(ctx, case.reason), inline=True)]
    if case.target_id:
        fields.append(Field(ctx.t("mod.card.member"), mention(case.target_id), inline=True))
        fields.append(
            Field(
                ctx.t("mod.card.history"),
                ctx.t(
                    "mod.card.history_value",
                    open=open_cases(ctx, case.target_id),
                    points=active_points(ctx, case.target_id),
                ),
                inline=True,
            )
        )
    if case.kind == "report" and case.reporter_id:
        who = (
            mention(case.reporter_id)
            if c.show_reporter_to_moderators
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
    if case.message_id and ctx.can(Capability.DELETE_MESSAGE):
        first.append(Button(ctx.t("mod.btn.delete"), f"mod-card:delete:{n}", "danger"))
    if case.held:
        first.append(Button(ctx.t("mod.btn.restore"), f"mod-card:restore:{n}", "success"))
    second: list[Button | Select] = []
    if case.target_id and ctx.can(Capability.KICK):
        second.append(Button(ctx.t("mod.btn.kick"), f"mod-card:kick:{n}", "danger"))
    if case.target_id and ctx.can(Capability.BAN):
        second.append(Button(ctx.t("mod.btn.ban"), f"mod-card:ban:{n}", "danger"))
    second.append(Button(ctx.t("mod.btn.note"), f"mod-card:note:{n}"))
    second.append(Button(ctx.t("mod.btn.escalate"), f"mod-card:escalate:{n}"))
    rows: list[tuple[Button | Select, ...]] = [tuple(first), tuple(second)]
    if case.target_id and ctx.can(Capability.TIMEOUT):
        options = tuple(SelectOption(label, value) for value, label in TIMEOUT_CHOICES)
        rows.append((Select(f"mod-card:timeout:{n}", options, ctx.t("mod.btn.timeout")),))
    return tuple(rows)


def _missing_note(ctx: Context) -> str | None:
    missing = [
        cap for cap in (Capability.TIMEOUT, Capability.KICK, Capability.BAN) if not ctx.can(cap)
    ]
    if not missing or ctx.platform is None:
        return None
    return ctx.t(
        "mod.card.cannot",
        platform=ctx.platform.name,
        actions=l10n.join((ctx.t(f"mod.cap.{m.value}") for m in missing), ctx.locale, style="or"),
    )


def post_card(ctx: Context, case: ModCase, *, update: bool = True) -> None:
    """Show the case in the queue: edit its card when it has one, else post a new card."""
    c = ctx.community
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
    if not c.queue_channel:
        return
    message = card(ctx, case)
    place = Place(c.platform, c.community_id, c.queue_channel)
    if update and case.queue_message_id and ctx.can(Capability.EDIT_MESSAGE):
        ctx.enqueue(a.EditMessage(place, case.queue_message_id, message), kind="mod.card.edit")
        return
    ctx.session.flush()
    ctx.enqueue(a.Post(place, message), kind="mod.card", context={"case_id": case.id})


async def alert(ctx: Context, message: Message) -> None:
    """Post to the moderator queue (used by safety, peers and others)."""
    c = ctx.community
    if c.queue_channel:
        ctx.enqueue(
            a.Post(Place(c.platform, c.community_id, c.queue_channel), message), kind="mod.alert"
        )


# --- actions on members ---------------------------------------------------------------------


async def check_hierarchy(ctx: Context, target_id: str) -> None:
    """A moderator cannot act on the owner, on the bot, or on anyone at or above them."""
    if ctx.actor is None or target_id == ctx.actor_id:
        raise CommandError(ctx.t("mod.error.self"))
    platform = ctx.platform
    target: Actor | None = None
    if platform is not None:
        target = await platform.fetch_member(ctx.community.community_id, target_id)
    if target is None:
        return
    from bot.community import level_of

    if target.is_owner or target.is_bot:
        raise CommandError(ctx.t("mod.error.untouchable"))
    if level_of(ctx.community, target) >= ctx.level and ctx.level < Permission.ADMIN:
        raise CommandError(ctx.t("mod.error.hierarchy"))
    if target.rank and ctx.actor.rank and target.rank >= ctx.actor.rank and not ctx.actor.is_owner:
        raise CommandError(ctx.t("mod.error.hierarchy"))


def _tell(ctx: Context, user_id: str, key: str, case: ModCase, **values: object) -> None:
    text = (
        ctx.t(key, number=case.number, **values)
        + "\n\n"
        + ctx.t("mod.appeal_hint", number=case.number)
    )
    ctx.send_private(user_id, Message(text=text, tone="warning"))


async def warn(
    ctx: Context, target: str, reason: str, points: int = 1, *, actor: str | None = None
) -> ModCase:
    expiry = timedelta(days=ctx.app.settings.moderation.warning_expiry_days)
    case = new_case(
        ctx,
        "warn",
        target_id=target,
        reason="other",
        details=reason,
        points=points,
        expires_at=ctx.now + expiry,
        moderator_id=actor or ctx.actor_id,
        status="closed",
        closed_at=ctx.now,
    )
    audit(ctx, "warn", actor=actor or ctx.actor_id, target=target, case=case, reason=reason)
    _tell(ctx, target, "mod.told.warn", case, reason=escape(reason, 300), points=points)
    await escalate_if_needed(ctx, target)
    return case


async def escalate_if_needed(ctx: Context, target: str) -> None:
    settings = ctx.app.settings.moderation
    points = active_points(ctx, target, timedelta(days=settings.escalation_window_days))
    step = next(
        (s for s in sorted(settings.escalation, key=lambda s: -s.points) if points >= s.points),
        None,
    )
    if step is None:
        return
    reason = ctx.t("mod.escalation.reason", points=points)
    duration = timedelta(hours=step.duration_hours) if step.duration_hours else None
    if step.action == "timeout" and ctx.can(Capability.TIMEOUT):
        await timeout(ctx, target, duration or timedelta(hours=24), reason, actor="automod")
    elif step.action == "ban" or not ctx.can(Capability.TIMEOUT):
        await ban(ctx, target, reason, duration, actor="automod")


async def timeout(
    ctx: Context, target: str, duration: timedelta, reason: str, *, actor: str | None = None
) -> ModCase:
    if not ctx.can(Capability.TIMEOUT):
        raise CommandError(ctx.t("mod.error.cannot", action=ctx.t("mod.cap.timeout")))
    until = ctx.now + duration
    case = new_case(
        ctx,
        "timeout",
        target_id=target,
        details=reason,
        until=until,
        moderator_id=actor or ctx.actor_id,
        status="closed",
        closed_at=ctx.now,
    )
    audit(ctx, "timeout", actor=actor or ctx.actor_id, target=target, case=case, reason=reason)
    ctx.emit(a.TimeoutMember(ctx.place, target, until, reason[:400]))
    _tell(
        ctx,
        target,
        "mod.told.timeout",
        case,
        reason=escape(reason, 300),
        duration=l10n.duration(duration, ctx.locale),
    )
    return case


async def kick(ctx: Context, target: str, reason: str) -> ModCase:
    if not ctx.can(Capability.KICK):
        raise CommandError(ctx.t("mod.error.cannot", action=ctx.t("mod.cap.kick")))
    case = new_case(
        ctx,
        "kick",
        target_id=target,
        details=reason,
        moderator_id=ctx.actor_id,
        status="closed",
        closed_at=ctx.now,
    )
    audit(ctx, "kick", actor=ctx.actor_id, target=target, case=case, reason=reason)
    _tell(ctx, target, "mod.told.kick", case, reason=escape(reason, 300))
    ctx.emit(a.KickMember(ctx.place, target, reason[:400]))
    return case


async def ban(
    ctx: Context,
    target: str,
    reason: str,
    duration: timedelta | None = None,
    *,
    actor: str | None = None,
) -> ModCase:
    if not ctx.can(Capability.BAN):
        raise CommandError(ctx.t("mod.error.cannot", action=ctx.t("mod.cap.ban")))
    until = ctx.now + duration if duration else None
    case = new_case(
        ctx,
        "ban",
        target_id=target,
        details=reason,
        until=until,
        moderator_id=actor or ctx.actor_id,
        status="closed",
        closed_at=ctx.now,
    )
    audit(ctx, "ban", actor=actor or ctx.actor_id, target=target, case=case, reason=reason)
    length = l10n.duration(duration, ctx.locale) if duration else ctx.t("mod.permanent")
    _tell(ctx, target, "mod.told.ban", case, reason=escape(reason, 300), duration=length)
    ctx.emit(a.BanMember(ctx.place, target, reason[:400]))
    if until is not None:
        c = ctx.community
        ctx.app.timers.schedule(
            ctx.session,
            UNBAN_TIMER,
            f"{c.platform}:{c.community_id}:{case.number}",
            until,
            platform=c.platform,
            community_id=c.community_id,
            payload={"user_id": target, "case": case.number},
        )
    return case


async def unban(ctx: Context, target: str, reason: str, *, actor: str | None = None) -> ModCase:
    case = new_case(
        ctx,
        "unban",
        target_id=target,
        details=reason,
        moderator_id=actor or ctx.actor_id,
        status="closed",
        closed_at=ctx.now,
    )
    audit(ctx, "unban", actor=actor or ctx.actor_id, target=target, case=case, reason=reason)
    ctx.emit(a.UnbanMember(ctx.place, target, reason[:400]))
    return case


def close(ctx: Context, case: ModCase, outcome: str, *, status: str = "closed") -> None:
    case.status = status
    case.outcome = outcome
    case.closed_at = ctx.now
    ctx.session.add(case)
    if case.kind == "report" and case.reporter_id:
        ctx.send_private(case.reporter_id, ctx.t("mod.report.closed", number=case.number))


def is_expired(case: ModCase, now: datetime) -> bool:
    exp = aware(case.expires_at)
    return exp is not None and exp <= now
