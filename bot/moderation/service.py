"""Moderation operations shared by commands, queue buttons, automod and other features.

Each operation writes the case and an audit entry in the context's transaction, then emits the
platform actions; the context commits before any action leaves, so a report is stored before
the member is told it was received.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from bot.kernel import actions as a
from bot.kernel import i18n
from bot.kernel.commands import CommandError, Permission
from bot.kernel.delivery import idempotency
from bot.kernel.events import Actor
from bot.kernel.message import Button, Message, as_message, escape
from bot.kernel.store import aware
from bot.moderation.feature import config
from bot.moderation.models import AuditEntry, ModCase, ReportAttempt

if TYPE_CHECKING:
    from bot.kernel.context import Context

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
        top = ctx.session.exec(select(func.max(ModCase.number)).where(*ModCase.scope(c))).one()
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
            *ModCase.scope(c),
            ModCase.number == number,
        )
    ).first()
    if case is None:
        raise CommandError(ctx.t("mod.error.no_case", number=number), "case")
    return case


def active_points(ctx: Context, user_id: str, window: timedelta | None = None) -> int:
    c = ctx.community
    query = select(func.coalesce(func.sum(ModCase.points), 0)).where(
        *ModCase.scope(c),
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
                *ModCase.scope(c),
                ModCase.target_id == user_id,
                col(ModCase.status).in_(["open", "claimed", "escalated"]),
            )
        ).one()
    )


# --- reports ------------------------------------------------------------------------------


def check_report_limits(ctx: Context, reporter: str) -> None:
    """Refuse a reporter over their limits. An event run again after its first run was cut
    short (a crash, a lease taken over) is not a new attempt: on SQLite that first run's
    attempt row may be kept (a listener's writes commit with its savepoint), and counting it
    would refuse the very report it belongs to."""
    attempt = idempotency.current()
    if attempt is not None and attempt.uncertain:
        return
    c = ctx.community
    for count, seconds in config.of(ctx.app).report_limits:
        recent = ctx.session.exec(
            select(func.count())
            .select_from(ReportAttempt)
            .where(
                *ReportAttempt.scope(c),
                ReportAttempt.reporter_id == reporter,
                col(ReportAttempt.at) > ctx.now - timedelta(seconds=seconds),
            )
        ).one()
        if int(recent) >= count:
            wait = i18n.duration(timedelta(seconds=seconds), ctx.locale)
            raise CommandError(ctx.t("mod.error.report_limit", count=count, window=wait))


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
    from bot.kernel.context import level_of

    if target.is_owner or target.is_bot:
        raise CommandError(ctx.t("mod.error.untouchable"))
    if level_of(ctx.community, target) >= ctx.level and ctx.level < Permission.ADMIN:
        raise CommandError(ctx.t("mod.error.hierarchy"))
    if target.rank and ctx.actor.rank and target.rank >= ctx.actor.rank and not ctx.actor.is_owner:
        raise CommandError(ctx.t("mod.error.hierarchy"))


def discreet(ctx: Context, user_id: str, message: str | Message) -> Message:
    """A report or case DM as a watched phone should see it: a neutral first line (all a
    notification shows), the rest below the fold, and "clear this conversation" (the privacy
    feature's button) under it."""
    message = as_message(message)
    clear = Button(ctx.t("privacy.clear.button"), f"privacy-clear:{user_id}")
    return replace(message, preview=ctx.t("core.preview"), rows=(*message.rows, (clear,)))


def _tell(ctx: Context, user_id: str, key: str, case: ModCase, **values: object) -> None:
    text = (
        ctx.t(key, number=case.number, **values)
        + "\n\n"
        + ctx.t("mod.appeal_hint", number=case.number)
    )
    ctx.send_private(user_id, discreet(ctx, user_id, Message(text=text, tone="warning")))


def _acted(
    ctx: Context, kind: str, target: str, why: str, actor: str | None, **fields: Any
) -> ModCase:
    """The record of an action a moderator (or automod) took on a member: a case that is
    closed as it opens (`why` its details), and its audit entry."""
    actor = actor or ctx.actor_id
    case = new_case(
        ctx,
        kind,
        target_id=target,
        details=why,
        moderator_id=actor,
        status="closed",
        closed_at=ctx.now,
        **fields,
    )
    audit(ctx, kind, actor=actor, target=target, case=case, reason=why)
    return case


async def warn(
    ctx: Context, target: str, reason: str, points: int = 1, *, actor: str | None = None
) -> ModCase:
    expiry = timedelta(days=config.of(ctx.app).warning_expiry_days)
    fields = {"reason": "other", "points": points, "expires_at": ctx.now + expiry}
    case = _acted(ctx, "warn", target, reason, actor, **fields)
    _tell(ctx, target, "mod.told.warn", case, reason=escape(reason, 300), points=points)
    await escalate_if_needed(ctx, target)
    return case


async def escalate_if_needed(ctx: Context, target: str) -> None:
    settings = config.of(ctx.app)
    points = active_points(ctx, target, timedelta(days=settings.escalation_window_days))
    step = next(
        (s for s in sorted(settings.escalation, key=lambda s: -s.points) if points >= s.points),
        None,
    )
    if step is None:
        return
    reason = ctx.t("mod.escalation.reason", points=points)
    duration = timedelta(hours=step.duration_hours) if step.duration_hours else None
    if step.action == "timeout" and ctx.can(a.TimeoutMember):
        await timeout(ctx, target, duration or timedelta(hours=24), reason, actor="automod")
    elif step.action == "ban" or not ctx.can(a.TimeoutMember):
        await ban(ctx, target, reason, duration, actor="automod")


async def timeout(
    ctx: Context, target: str, duration: timedelta, reason: str, *, actor: str | None = None
) -> ModCase:
    if not ctx.can(a.TimeoutMember):
        raise CommandError(ctx.t("mod.error.cannot", action=ctx.t("mod.cap.timeout")))
    until = ctx.now + duration
    case = _acted(ctx, "timeout", target, reason, actor, until=until)
    ctx.act(a.TimeoutMember(ctx.place, target, until, reason[:400]))
    _tell(
        ctx,
        target,
        "mod.told.timeout",
        case,
        reason=escape(reason, 300),
        duration=i18n.duration(duration, ctx.locale),
    )
    return case


async def kick(ctx: Context, target: str, reason: str) -> ModCase:
    if not ctx.can(a.KickMember):
        raise CommandError(ctx.t("mod.error.cannot", action=ctx.t("mod.cap.kick")))
    case = _acted(ctx, "kick", target, reason, None)
    _tell(ctx, target, "mod.told.kick", case, reason=escape(reason, 300))
    ctx.act(a.KickMember(ctx.place, target, reason[:400]))
    return case


async def ban(
    ctx: Context,
    target: str,
    reason: str,
    duration: timedelta | None = None,
    *,
    actor: str | None = None,
) -> ModCase:
    if not ctx.can(a.BanMember):
        raise CommandError(ctx.t("mod.error.cannot", action=ctx.t("mod.cap.ban")))
    until = ctx.now + duration if duration else None
    case = _acted(ctx, "ban", target, reason, actor, until=until)
    # "for 1 day" / "permanently": the sentence takes either without a preposition of its own.
    spelled = i18n.duration(duration, ctx.locale) if duration else ""
    length = ctx.t("mod.for_duration", duration=spelled) if duration else ctx.t("mod.permanent")
    _tell(ctx, target, "mod.told.ban", case, reason=escape(reason, 300), duration=length)
    ctx.act(a.BanMember(ctx.place, target, reason[:400]))
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
    case = _acted(ctx, "unban", target, reason, actor)
    ctx.act(a.UnbanMember(ctx.place, target, reason[:400]))
    return case


def close(ctx: Context, case: ModCase, outcome: str, *, status: str = "closed") -> None:
    case.status = status
    case.outcome = outcome
    case.closed_at = ctx.now
    ctx.session.add(case)
    if case.kind == "report" and case.reporter_id:
        closed = ctx.t("mod.report.closed", number=case.number)
        ctx.send_private(case.reporter_id, discreet(ctx, case.reporter_id, closed))


def is_expired(case: ModCase, now: datetime) -> bool:
    exp = aware(case.expires_at)
    return exp is not None and exp <= now
