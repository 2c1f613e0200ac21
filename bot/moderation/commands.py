"""Moderation commands, queue buttons and forms."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

from sqlmodel import col, select

from bot.kernel import actions as a
from bot.kernel import i18n
from bot.kernel.commands import Choice, CommandError, MemberId, Opt, Permission, parse_duration
from bot.kernel.events import MessageRef, Place
from bot.kernel.forms import Form, FormField
from bot.kernel.message import (
    Button,
    Field,
    Message,
    Select,
    SelectOption,
    escape,
    excerpt,
    mention,
)
from bot.moderation import queue, reports
from bot.moderation import service as svc
from bot.moderation.feature import feature
from bot.moderation.models import Appeal, AuditEntry, ModCase, ReportDraft

if TYPE_CHECKING:
    from bot.kernel.context import Context

MOD = Permission.MODERATOR
REASON_CHOICES = tuple(Choice(r, r) for r in svc.REASONS)
# The options several commands share, written once.
Member = Annotated[MemberId, Opt("Who")]
Why = Annotated[str, Opt("Why (the member sees this)", min_length=3, max_length=500)]
CaseNumber = Annotated[int, Opt("Case number", min_value=1)]


def _reason_form(ctx: Context, custom_id: str, title_key: str, *, duration: bool = False) -> Form:
    fields = [
        FormField(
            "reason", ctx.t("mod.form.reason"), style="paragraph", min_length=3, max_length=500
        )
    ]
    if duration:
        fields.append(
            FormField(
                "duration",
                ctx.t("mod.form.duration"),
                required=False,
                max_length=20,
                placeholder="1h, 1d, 7d",
            )
        )
    return Form(custom_id, ctx.t(title_key)[:45], tuple(fields))


def _details_form(ctx: Context, draft_id: int) -> Form:
    return Form(
        f"mod-report:{draft_id}",
        ctx.t("mod.form.report_title"),
        (
            FormField(
                "details",
                ctx.t("mod.form.details"),
                style="paragraph",
                required=False,
                max_length=1000,
                placeholder=ctx.t("mod.form.details_hint"),
            ),
        ),
    )


def _draft(ctx: Context, draft_id: str) -> ReportDraft:
    draft = ctx.session.get(ReportDraft, int(draft_id)) if draft_id.isdigit() else None
    if draft is None or draft.reporter_id != ctx.actor_id:
        raise CommandError(ctx.t("core.error.stale_button"))
    return draft


# --- reports ------------------------------------------------------------------------


@feature.command("report", "Privately report a member to the moderators")
async def report(
    ctx: Context, member: Member, reason: Annotated[str, Opt("Why", choices=REASON_CHOICES)]
) -> None:
    svc.check_report_limits(ctx, ctx.actor_id)
    draft = ReportDraft(
        platform=ctx.community.platform,
        community_id=ctx.community.community_id,
        reporter_id=ctx.actor_id,
        target_id=member,
        reason=reason,
        created_at=ctx.now,
    )
    ctx.session.add(draft)
    ctx.session.flush()
    assert draft.id is not None
    ctx.open_form(_details_form(ctx, draft.id))


@feature.command(
    "report-message",
    "Report this message to the moderators",
    kind="message",
    label="Report message",
)
async def report_message(ctx: Context, target: MessageRef) -> None:
    svc.check_report_limits(ctx, ctx.actor_id)
    draft = ReportDraft(
        platform=ctx.community.platform,
        community_id=ctx.community.community_id,
        reporter_id=ctx.actor_id,
        target_id=target.author_id,
        channel=target.place.channel,
        message_id=target.message_id,
        link=target.link,
        excerpt=target.text[:1000],
        created_at=ctx.now,
    )
    ctx.session.add(draft)
    ctx.session.flush()
    options = tuple(SelectOption(svc.reason_label(ctx, r), r) for r in svc.REASONS)
    ctx.reply(
        Message(
            text=ctx.t("mod.report.choose_reason"),
            rows=(
                (
                    Select(
                        f"mod-reason:{draft.id}",
                        options,
                        ctx.t("mod.report.reason_placeholder"),
                    ),
                ),
            ),
        )
    )


@feature.component("mod-reason")
async def reason_chosen(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    draft = _draft(ctx, args[0] if args else "")
    if not values or values[0] not in svc.REASONS:
        raise CommandError(ctx.t("mod.error.pick_reason"))
    draft.reason = values[0]
    ctx.session.add(draft)
    assert draft.id is not None
    ctx.open_form(_details_form(ctx, draft.id))


@feature.form("mod-report")
async def report_submitted(ctx: Context, args: list[str], fields: dict[str, str]) -> None:
    draft = _draft(ctx, args[0] if args else "")
    details = (fields.get("details") or "").strip()[:1000] or None
    await reports.file_report(
        ctx,
        ctx.actor_id,
        draft.target_id,
        draft.reason or "other",
        draft.excerpt,
        "form",
        details=details,
        channel=draft.channel,
        message_id=draft.message_id,
        link=draft.link,
    )
    ctx.session.delete(draft)


# --- the queue ----------------------------------------------------------------------


@feature.component("mod-card", permission=MOD)
async def card_button(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    action, number = [*args, "", ""][:2]
    case = svc.find_case(ctx, int(number) if number.isdigit() else 0)
    if case.status == "closed":
        raise CommandError(ctx.t("mod.error.closed", number=case.number))
    if action == "claim":
        case.status, case.claimed_by = "claimed", ctx.actor_id
        ctx.session.add(case)
        svc.audit(ctx, "claim", actor=ctx.actor_id, target=case.target_id, case=case)
        queue.post_card(ctx, case)
        ctx.reply(ctx.t("mod.claimed", number=case.number))
        return
    if action == "timeout":
        duration = values[0] if values else "1h"
        ctx.open_form(
            _reason_form(ctx, f"mod-act:timeout:{case.number}:{duration}", "mod.form.timeout_title")
        )
        return
    if action in ("dismiss", "warn", "delete", "kick", "ban", "note", "escalate", "restore"):
        ctx.open_form(
            _reason_form(
                ctx,
                f"mod-act:{action}:{case.number}",
                f"mod.form.{action}_title",
                duration=action == "ban",
            )
        )
        return
    raise CommandError(ctx.t("core.error.stale_button"))


@feature.form("mod-act", permission=MOD)
async def card_action(ctx: Context, args: list[str], fields: dict[str, str]) -> None:
    action, number, extra = [*args, "", "", ""][:3]
    case = svc.find_case(ctx, int(number) if number.isdigit() else 0)
    reason = (fields.get("reason") or "").strip()[:500]
    if len(reason) < 3:
        raise CommandError(ctx.t("mod.error.reason_needed"))
    await _act(ctx, case, action, reason, extra or (fields.get("duration") or "").strip())


# --- /mod ---------------------------------------------------------------------------
feature.group("mod", "Moderator tools")


def _done(ctx: Context, case: ModCase, member: str, **values: object) -> None:
    """The moderator's answer once an action on a member is recorded: `mod.done.<kind>`."""
    ctx.reply(ctx.t(f"mod.done.{case.kind}", number=case.number, member=mention(member), **values))


@feature.command("mod warn", "Warn a member (points count toward escalation)", permission=MOD)
async def mod_warn(
    ctx: Context,
    member: Member,
    reason: Why,
    points: Annotated[int, Opt("Points (1-5)", min_value=1, max_value=5)] = 1,
) -> None:
    await svc.check_hierarchy(ctx, member)
    case = await svc.warn(ctx, member, reason, points)
    _done(ctx, case, member, points=svc.active_points(ctx, member))


@feature.command("mod timeout", "Time a member out", permission=MOD)
async def mod_timeout(
    ctx: Context,
    member: Member,
    duration: Annotated[
        timedelta,
        Opt(
            "How long (max 28d)",
            min_duration=timedelta(seconds=60),
            max_duration=timedelta(days=28),
        ),
    ],
    reason: Why,
) -> None:
    await svc.check_hierarchy(ctx, member)
    _done(ctx, await svc.timeout(ctx, member, duration, reason), member)


@feature.command("mod kick", "Remove a member (they can rejoin)", permission=MOD)
async def mod_kick(ctx: Context, member: Member, reason: Why) -> None:
    await svc.check_hierarchy(ctx, member)
    _done(ctx, await svc.kick(ctx, member, reason), member)


@feature.command("mod ban", "Ban a member, for a while or for good", permission=MOD)
async def mod_ban(
    ctx: Context,
    member: Member,
    reason: Why,
    duration: Annotated[
        timedelta | None,
        Opt("How long (empty: permanent)", min_duration=timedelta(minutes=1)),
    ] = None,
) -> None:
    await svc.check_hierarchy(ctx, member)
    _done(ctx, await svc.ban(ctx, member, reason, duration), member)


@feature.command("mod unban", "Lift a ban", permission=MOD)
async def mod_unban(ctx: Context, member: Member, reason: Why) -> None:
    _done(ctx, await svc.unban(ctx, member, reason), member)


@feature.command(
    "mod purge", "Delete a member's recent messages (those this bot has seen)", permission=MOD
)
async def mod_purge(
    ctx: Context,
    member: Member,
    count: Annotated[int, Opt("How many (1-100)", min_value=1, max_value=100)],
    reason: Annotated[str, Opt("Why", min_length=3, max_length=500)],
) -> None:
    from bot.moderation.listeners import recent_messages

    await svc.check_hierarchy(ctx, member)
    c = ctx.community
    mine = [
        r
        for r in reversed(recent_messages(ctx.app))
        if r[0] == c.platform and r[1] == c.community_id and r[4] == member
    ][:count]
    for platform, community, channel, message_id, _ in mine:
        ctx.act(a.DeleteMessage(Place(platform, community, channel), message_id, reason[:400]))
    case = svc.new_case(
        ctx,
        "purge",
        target_id=member,
        details=reason,
        moderator_id=ctx.actor_id,
        status="closed",
        closed_at=ctx.now,
    )
    svc.audit(
        ctx,
        "purge",
        actor=ctx.actor_id,
        target=member,
        case=case,
        reason=f"{len(mine)} message(s): {reason}",
    )
    ctx.reply(ctx.t("mod.done.purge", number=case.number, count=len(mine), member=mention(member)))


@feature.command("mod case", "Show a case", permission=MOD)
async def mod_case(ctx: Context, case: CaseNumber) -> None:
    ctx.reply(queue.card(ctx, svc.find_case(ctx, case)))


@feature.command("mod history", "A member's cases and warning points", permission=MOD)
async def mod_history(ctx: Context, member: Member) -> None:
    c = ctx.community
    rows = ctx.session.exec(
        select(ModCase)
        .where(
            *ModCase.scope(c),
            ModCase.target_id == member,
        )
        .order_by(col(ModCase.number).desc())
        .limit(15)
    ).all()
    lines = [
        f"#{r.number} · {ctx.t('mod.kind.' + r.kind)} · {i18n.day(r.created_at, ctx.locale)} · {ctx.t('mod.status.' + r.status)}"
        + (f" · {escape(r.details, 80)}" if r.details and r.kind != "report" else "")
        for r in rows
    ]
    text = "\n".join(lines) or ctx.t("mod.history.none")
    ctx.reply(
        Message(
            title=ctx.t("mod.history.title", points=svc.active_points(ctx, member)),
            text=f"{mention(member)}\n{text}",
        )
    )


@feature.command("mod reason", "Change the reason recorded on a case", permission=MOD)
async def mod_reason(
    ctx: Context,
    case: CaseNumber,
    text: Annotated[str, Opt("The reason", min_length=3, max_length=500)],
) -> None:
    row = svc.find_case(ctx, case)
    row.details = text
    ctx.session.add(row)
    svc.audit(ctx, "reason", actor=ctx.actor_id, target=row.target_id, case=row, reason=text)
    ctx.reply(ctx.t("mod.done.reason", number=row.number))


@feature.command("mod note", "Add a private note about a member", permission=MOD)
async def mod_note(
    ctx: Context,
    member: Member,
    text: Annotated[str, Opt("The note", min_length=3, max_length=1000)],
) -> None:
    row = svc.new_case(
        ctx,
        "note",
        target_id=member,
        details=text,
        moderator_id=ctx.actor_id,
        status="closed",
        closed_at=ctx.now,
    )
    svc.audit(ctx, "note", actor=ctx.actor_id, target=member, case=row)
    ctx.reply(ctx.t("mod.done.note", number=row.number))


@feature.command("mod queue", "Open cases, oldest first", permission=MOD)
async def mod_queue(ctx: Context) -> None:
    c = ctx.community
    rows = ctx.session.exec(
        select(ModCase)
        .where(
            *ModCase.scope(c),
            col(ModCase.status).in_(["open", "claimed", "escalated"]),
        )
        .order_by(col(ModCase.number))
        .limit(20)
    ).all()
    lines = [
        f"#{r.number} · {ctx.t('mod.kind.' + r.kind)} · {svc.reason_label(ctx, r.reason)} · "
        f"{ctx.t('mod.status.' + r.status)}"
        for r in rows
    ]
    ctx.reply(
        Message(title=ctx.t("mod.queue.title"), text="\n".join(lines) or ctx.t("mod.queue.empty"))
    )


@feature.command("mod log", "The audit log, newest first", permission=MOD)
async def mod_log(
    ctx: Context,
    member: Annotated[MemberId | None, Opt("Only about this member")] = None,
    action: Annotated[str | None, Opt("Only this action (warn, ban, ...)", max_length=24)] = None,
) -> None:
    c = ctx.community
    q = AuditEntry.of(c)
    if member:
        q = q.where(AuditEntry.target_id == member)
    if action:
        q = q.where(AuditEntry.action == action.strip().lower())
    rows = ctx.session.exec(q.order_by(col(AuditEntry.id).desc()).limit(20)).all()
    lines = [
        f"{r.at:%Y-%m-%d %H:%M} · {mention(r.actor_id) if r.actor_id != 'automod' else 'automod'} · "
        f"{r.action}"
        + (f" · {mention(r.target_id)}" if r.target_id else "")
        + (f" · #{r.case_number}" if r.case_number else "")
        + (f" · {escape(r.reason, 80)}" if r.reason else "")
        for r in rows
    ]
    ctx.reply(
        Message(title=ctx.t("mod.log.title"), text="\n".join(lines) or ctx.t("mod.log.empty"))
    )


# --- members' side ------------------------------------------------------------------


@feature.command("mywarnings", "Your warnings and how to appeal")
async def my_warnings(ctx: Context) -> None:
    c = ctx.community
    rows = ctx.session.exec(
        select(ModCase)
        .where(
            *ModCase.scope(c),
            ModCase.target_id == ctx.actor_id,
            col(ModCase.kind).in_(["warn", "timeout", "ban", "kick"]),
        )
        .order_by(col(ModCase.number).desc())
        .limit(15)
    ).all()
    if not rows:
        ctx.reply(ctx.t("mod.mine.none"))
        return
    lines = []
    for r in rows:
        state = ctx.t("mod.mine.expired") if svc.is_expired(r, ctx.now) else ""
        lines.append(
            f"#{r.number} · {ctx.t('mod.kind.' + r.kind)} · {i18n.day(r.created_at, ctx.locale)} · "
            f"{escape(r.details or '', 120)} {state}".rstrip()
        )
    ctx.reply(
        Message(
            title=ctx.t("mod.mine.title", points=svc.active_points(ctx, ctx.actor_id)),
            text="\n".join(lines),
            footer=ctx.t("mod.mine.footer"),
        )
    )


@feature.command("appeal", "Ask the moderators to look at a decision again")
async def appeal(ctx: Context, case: Annotated[int, Opt("The case number", min_value=1)]) -> None:
    row = svc.find_case(ctx, case)
    if row.target_id != ctx.actor_id or row.kind not in (
        "warn",
        "timeout",
        "ban",
        "kick",
        "automod",
    ):
        raise CommandError(ctx.t("mod.error.not_yours", number=case))
    open_ = ctx.session.exec(
        select(Appeal).where(Appeal.case_id == row.id, Appeal.status == "open")
    ).first()
    if open_ is not None:
        raise CommandError(ctx.t("mod.error.appeal_open", number=case))
    ctx.open_form(
        Form(
            f"mod-appeal:{row.number}",
            ctx.t("mod.form.appeal_title"),
            (
                FormField(
                    "text",
                    ctx.t("mod.form.appeal_text"),
                    style="paragraph",
                    min_length=10,
                    max_length=1500,
                ),
            ),
        )
    )


@feature.form("mod-appeal")
async def appeal_submitted(ctx: Context, args: list[str], fields: dict[str, str]) -> None:
    row = svc.find_case(ctx, int(args[0]) if args and args[0].isdigit() else 0)
    if row.target_id != ctx.actor_id:
        raise CommandError(ctx.t("mod.error.not_yours", number=row.number))
    assert row.id is not None
    entry = Appeal(
        case_id=row.id,
        user_id=ctx.actor_id,
        text=fields.get("text", "")[:1500],
        created_at=ctx.now,
    )
    ctx.session.add(entry)
    ctx.session.flush()
    svc.audit(ctx, "appeal", actor=ctx.actor_id, target=ctx.actor_id, case=row)
    card = appeal_card(ctx, row, entry)
    queue.post(ctx, card, kind="mod.appeal", context={"appeal_id": entry.id})
    ctx.reply(ctx.t("mod.appeal.received", number=row.number))


def appeal_card(ctx: Context, case: ModCase, entry: Appeal) -> Message:
    """The moderators' view of an appeal: what the member wrote, and accept or deny while it
    is open; once decided, the verdict and who gave it."""
    decide = f"mod-appeal-decide:{{}}:{entry.id}"
    fields = [
        Field(ctx.t("mod.card.member"), mention(entry.user_id), inline=True),
        Field(ctx.t("mod.card.reason"), escape(case.details or "", 200), inline=True),
    ]
    rows: tuple[tuple[Button, ...], ...] = (
        (
            Button(ctx.t("mod.btn.accept"), decide.format("accept"), "success"),
            Button(ctx.t("mod.btn.deny"), decide.format("deny"), "danger"),
        ),
    )
    if entry.status != "open":
        verdict = ctx.t("mod.appeal.decided", number=case.number, verdict=entry.status)
        who = mention(entry.decided_by) if entry.decided_by else ""
        fields.append(Field(ctx.t("mod.card.status"), f"{verdict} {who}".strip()))
        rows = ()
    return Message(
        title=ctx.t("mod.appeal.card_title", number=case.number),
        text=escape(entry.text or "", 1500),
        fields=tuple(fields),
        rows=rows,
    )


@feature.component("mod-appeal-decide", permission=MOD)
async def appeal_decided(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    verdict, raw = [*args, "", ""][:2]
    entry = ctx.session.get(Appeal, int(raw)) if raw.isdigit() else None
    if entry is None or entry.status != "open":
        raise CommandError(ctx.t("mod.error.appeal_decided"))
    row = ctx.session.get(ModCase, entry.case_id)
    assert row is not None
    if row.moderator_id == ctx.actor_id:
        raise CommandError(ctx.t("mod.error.own_decision"))
    entry.status = "accepted" if verdict == "accept" else "denied"
    entry.decided_by, entry.decided_at = ctx.actor_id, ctx.now
    ctx.session.add(entry)
    if entry.status == "accepted":
        _revert(ctx, row)
    svc.audit(ctx, f"appeal.{entry.status}", actor=ctx.actor_id, target=entry.user_id, case=row)
    decided = ctx.t(f"mod.appeal.{entry.status}", number=row.number)
    ctx.send_private(entry.user_id, svc.discreet(ctx, entry.user_id, decided))
    if entry.card_message_id:  # the card in the queue shows the verdict, without its buttons
        queue.edit(ctx, entry.card_message_id, appeal_card(ctx, row, entry), kind="mod.appeal.edit")
    ctx.reply(ctx.t("mod.appeal.decided", number=row.number, verdict=entry.status))


def _revert(ctx: Context, case: ModCase) -> None:
    """Undo what a case did (an accepted appeal)."""
    place = Place(case.platform, case.community_id)
    if case.kind == "ban" and case.target_id:
        ctx.act(a.UnbanMember(place, case.target_id, "appeal accepted"))
        c = ctx.community
        ctx.app.timers.cancel(
            ctx.session, svc.UNBAN_TIMER, f"{c.platform}:{c.community_id}:{case.number}"
        )
    if case.kind == "timeout" and case.target_id:
        ctx.act(a.TimeoutMember(place, case.target_id, None, "appeal accepted"))
    case.status = "reverted"
    case.outcome = "appeal accepted"
    ctx.session.add(case)


async def _act(ctx: Context, case: ModCase, action: str, reason: str, extra: str) -> None:
    """A queue button's action, after its reason form."""
    target = case.target_id
    msg_place = Place(case.platform, case.community_id, case.channel)
    done = ctx.t(f"mod.outcome.{action}", who=mention(ctx.actor_id), reason=escape(reason, 300))
    if action in ("warn", "timeout", "kick", "ban") and target:
        await svc.check_hierarchy(ctx, target)
    match action:
        case "dismiss":
            svc.close(ctx, case, done, status="closed")
        case "warn" if target:
            await svc.warn(ctx, target, reason)
            svc.close(ctx, case, done)
        case "timeout" if target:
            await svc.timeout(ctx, target, parse_duration(extra or "1h"), reason)
            svc.close(ctx, case, done)
        case "kick" if target:
            await svc.kick(ctx, target, reason)
            svc.close(ctx, case, done)
        case "ban" if target:
            await svc.ban(ctx, target, reason, parse_duration(extra) if extra else None)
            svc.close(ctx, case, done)
        case "delete" if case.message_id:
            ctx.act(a.DeleteMessage(msg_place, case.message_id, reason[:400]))
            case.outcome = done
        case "restore" if case.held and case.excerpt:
            author = mention(target) if target else ""
            ctx.act(
                a.Post(
                    msg_place,
                    Message(
                        text=ctx.t("mod.restored", author=author, text=escape(case.excerpt, 1800))
                    ),
                )
            )
            case.held = False
            svc.close(ctx, case, done)
        case "note":
            case.outcome = (
                (case.outcome or "")
                + "\n"
                + ctx.t("mod.outcome.note", who=mention(ctx.actor_id), reason=escape(reason, 300))
            ).strip()
        case "escalate":
            case.status = "escalated"
            case.outcome = done
        case _:
            raise CommandError(ctx.t("core.error.stale_button"))
    ctx.session.add(case)
    svc.audit(ctx, f"card.{action}", actor=ctx.actor_id, target=target, case=case, reason=reason)
    queue.post_card(ctx, case)
    ctx.reply(ctx.t("mod.acted", number=case.number))


__all__ = ["excerpt"]
