"""Filing a report: the public way any feature (or a member's DM) reaches the moderators
about a member or a message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select

from bot.kernel.message import Message
from bot.moderation import queue
from bot.moderation import service as svc
from bot.moderation.models import ModCase, ReportAttempt

if TYPE_CHECKING:
    from bot.kernel.context import Context


def _open_report(
    ctx: Context, target_user_id: str | None, message_id: str | None
) -> ModCase | None:
    """The open report about the same message (or, without one, the same member), if any."""
    if not (message_id or target_user_id):
        return None
    same = select(ModCase).where(
        *ModCase.scope(ctx.community),
        ModCase.kind == "report",
        col(ModCase.status).in_(["open", "claimed", "escalated"]),
    )
    if message_id:
        same = same.where(ModCase.message_id == message_id)
    else:
        same = same.where(ModCase.target_id == target_user_id, col(ModCase.message_id).is_(None))
    return ctx.session.exec(same).first()


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
    acknowledge: bool = True,
) -> int:
    """Store a report (merged into an open one about the same message or member), put it in
    the queue and acknowledge privately (unless the caller answers the member itself).
    Returns the case number."""
    svc.check_report_limits(ctx, reporter_id)
    c = ctx.community
    ctx.session.add(
        ReportAttempt(
            platform=c.platform, community_id=c.community_id, reporter_id=reporter_id, at=ctx.now
        )
    )
    existing = _open_report(ctx, target_user_id, message_id)
    if existing is not None:
        existing.reports += 1
        if details:
            existing.details = ((existing.details or "") + "\n---\n" + details)[:4000]
        ctx.session.add(existing)
        svc.audit(ctx, "report.merged", actor=reporter_id, target=target_user_id, case=existing)
        case = existing
    else:
        case = svc.new_case(
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
        svc.audit(ctx, "report", actor=reporter_id, target=target_user_id, case=case, reason=reason)
    queue.post_card(ctx, case, update=existing is not None)
    if not acknowledge:
        return case.number
    thanks = svc.discreet(
        ctx, reporter_id, Message(text=ctx.t("mod.report.received", number=case.number))
    )
    if ctx.actor is not None and ctx.actor.user_id == reporter_id:
        ctx.reply(thanks)  # ephemeral where the platform has it, else a DM
    else:
        ctx.send_private(reporter_id, thanks)
    return case.number


# --- the queue card -----------------------------------------------------------------------
