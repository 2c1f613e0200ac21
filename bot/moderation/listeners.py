"""Automod on every message, and reports sent to the bot by direct message."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import col, select

from bot.kernel import actions as a
from bot.kernel import metrics
from bot.kernel.actions import ActionResult
from bot.kernel.commands import CommandError, Permission
from bot.kernel.events import MessageEdited, MessagePosted, Place
from bot.kernel.message import Message
from bot.kernel.store.models import OutboxEntry, Timer
from bot.moderation import automod, queue, reports, scam_model
from bot.moderation import service as svc
from bot.moderation.feature import feature
from bot.moderation.models import Appeal, AutomodRuleRow, ModCase

if TYPE_CHECKING:
    from bot.kernel.context import Context, Kernel

log = logging.getLogger(__name__)


RECENT = 5000  # message ids (no text) remembered per process for /mod purge


@dataclass
class AutomodState:
    """What this process keeps between messages: the built-in rules, each community's compiled
    rules by version, and the ids of messages it saw."""

    default_rules: list[automod.Rule] | None = None
    compiled: dict[tuple[str, str], tuple[int, automod.RuleSet]] = field(default_factory=dict)
    recent: deque[tuple[str, str, str | None, str, str]] = field(
        default_factory=lambda: deque(maxlen=RECENT)
    )


STATE = feature.slot(AutomodState)


def default_rules(app: Kernel) -> list[automod.Rule]:
    state = STATE.of(app)
    if state.default_rules is None:
        state.default_rules = automod.load_rules()
    return state.default_rules


def community_rules(ctx: Context) -> list[automod.Rule]:
    c = ctx.community
    rows = ctx.session.exec(
        select(AutomodRuleRow)
        .where(
            *AutomodRuleRow.scope(c),
        )
        .order_by(col(AutomodRuleRow.id))
    ).all()
    return [automod.Rule.from_dict(r.rule) for r in rows]


def all_rules(ctx: Context) -> list[automod.Rule]:
    """The built-in rules and the community's own, including those it turned off."""
    return [*default_rules(ctx.app), *community_rules(ctx)]


def automod_settings(ctx: Context) -> dict[str, Any]:
    return dict(ctx.community.extra.get("automod") or {})


def ruleset(ctx: Context) -> automod.RuleSet:
    """The compiled rules of this community, rebuilt only when its rules change."""
    c = ctx.community
    version = automod_settings(ctx).get("version", 0)
    cache = STATE.of(ctx.app).compiled
    hit = cache.get((c.platform, c.community_id))
    if hit is not None and hit[0] == version:
        return hit[1]
    settings = automod_settings(ctx)
    off = set(settings.get("disabled_rules") or ())
    rules = [r for r in all_rules(ctx) if r.id not in off]
    compiled = automod.RuleSet(with_dry_runs(rules, settings.get("dry_run_rules")))
    cache[(c.platform, c.community_id)] = (version, compiled)
    return compiled


def with_dry_runs(rules: list[automod.Rule], ids: Any) -> list[automod.Rule]:
    """The rules, those this community put in dry-run mode marked so (they only report)."""
    dry = set(ids or ())
    return [replace(r, dry_run=True) if r.id in dry else r for r in rules]


def bump_version(ctx: Context, **changes: Any) -> None:
    c = ctx.community
    settings = automod_settings(ctx)
    settings.update(changes)
    settings["version"] = int(settings.get("version", 0)) + 1
    c.extra = {**c.extra, "automod": settings}
    ctx.session.add(c)


def recent_messages(app: Kernel) -> deque[tuple[str, str, str | None, str, str]]:
    """(platform, community, channel, message id, author) of messages this process saw."""
    return STATE.of(app).recent


def explanation(hits: list[automod.Hit]) -> str:
    """What the card shows under Details: one line per rule, saying which words or link and
    why (see `Hit.explain` for the same as data)."""
    return "\n".join("• " + h.describe(240) for h in hits)[:1000]


@feature.on_install
def load_the_learned_layer_in_the_background(app: object) -> None:
    scam_model.reader().warm_up()


@feature.on(MessagePosted, MessageEdited, name="automod")
async def run_automod(ctx: Context, event: MessagePosted) -> None:
    if not event.is_dm and not event.actor.is_bot:
        p = event.place
        recent_messages(ctx.app).append(
            (p.platform, p.community, p.target, event.message_id, event.actor.user_id)
        )
    if event.actor.is_bot or event.is_dm or ctx.level >= Permission.MODERATOR:
        return
    age = None
    if event.actor.created_at is not None:
        age = (event.at - event.actor.created_at).total_seconds() / 86400
    msg = automod.Message(
        event.text,
        event.actor.user_id,
        event.place.channel,
        event.actor.roles,
        len(event.mentions),
        event.mentions_everyone,
        age,
        event.at.timestamp(),
    )
    rules = ruleset(ctx)
    hits = rules.check(msg)
    if not hits and rules.model_rules:
        hits = await learned_hits(rules.model_rules, msg)
    if hits:
        await _enforce(ctx, event, hits)


async def learned_hits(rules: list[automod.Rule], msg: automod.Message) -> list[automod.Hit]:
    """What the learned layer finds in a message no rule flagged (members with an exempt role
    and messages in an exempt channel are not read)."""
    rules = [r for r in rules if automod.applies(r, msg)]
    if not rules:
        return []
    verdict = await scam_model.reader().assess(msg.text)
    if verdict is None or not verdict.flagged:
        return []
    why = f"{rules[0].why or automod.WHY['model']} (p={verdict.p_scam:.2f})"
    return [automod.Hit(rules[0], msg.text[:80], why)]


@feature.on(MessagePosted, after="automod")
async def report_by_dm(ctx: Context, event: MessagePosted) -> None:
    if not event.is_dm or event.actor.is_bot or ctx.stopped or not event.text.strip():
        return
    try:
        await reports.file_report(
            ctx, event.actor.user_id, None, "other", None, "dm", details=event.text[:1000]
        )
    except CommandError as exc:
        ctx.reply(exc.render(ctx.t))


async def _enforce(ctx: Context, event: MessagePosted, hits: list[automod.Hit]) -> None:
    # Rules in dry-run mode only report; when every hit is from one, the whole verdict is a dry
    # run and the card says what would have happened.
    acting = [h for h in hits if not h.rule.dry_run]
    dry_run = bool(automod_settings(ctx).get("dry_run")) or not acting
    actions: list[str] = []
    for hit in hits if dry_run else acting:
        actions.extend(x for x in hit.actions if x not in actions)
    first = hits[0] if dry_run else acting[0]
    log.info(
        "automod: %s -> %s%s",
        ", ".join(h.rule.id for h in hits),
        ", ".join(actions),
        " (dry run)" if dry_run else "",
    )
    case = _open_case(ctx, event, hits, first, actions, dry_run)
    if dry_run:
        case.outcome = ctx.t("mod.automod.dry_run", actions=", ".join(actions))
        queue.post_card(ctx, case, update=False)
        return
    await _act(ctx, event, hits, first, actions)
    if "alert" in actions or "hold" in actions or not case.held:
        queue.post_card(ctx, case, update=False)


def _open_case(
    ctx: Context,
    event: MessagePosted,
    hits: list[automod.Hit],
    first: automod.Hit,
    actions: list[str],
    dry_run: bool,
) -> ModCase:
    """The case automod opens for the message, counted and written to the audit log."""
    author = event.actor.user_id
    case = svc.new_case(
        ctx,
        "automod",
        target_id=author,
        reason=first.rule.category,
        rule_id=first.rule.id,
        excerpt=event.text[:1000],
        channel=event.place.channel,
        message_id=event.message_id,
        details=explanation(hits),
        moderator_id="automod",
        held=not dry_run and "hold" in actions,
    )
    for action in actions:
        metrics.AUTOMOD_HITS.labels(action=("dry-run:" + action) if dry_run else action).inc()
    svc.audit(
        ctx,
        "automod.dry-run" if dry_run else "automod",
        actor="automod",
        target=author,
        case=case,
        reason=", ".join(actions),
    )
    return case


async def _act(
    ctx: Context,
    event: MessagePosted,
    hits: list[automod.Hit],
    first: automod.Hit,
    actions: list[str],
) -> None:
    """Remove or hold the message, tell the author privately, warn or time them out."""
    author = event.actor.user_id
    removes = "delete" in actions or "hold" in actions
    reason = svc.reason_label(ctx, first.rule.category)
    if removes:
        ctx.act(a.DeleteMessage(event.place, event.message_id, f"automod: {first.rule.id}"))
        ctx.stop()
    if "reply" in actions or removes:
        key = "mod.automod.held" if "hold" in actions else "mod.automod.removed"
        text = ctx.t(key, reason=reason)
        ctx.send_private(author, svc.discreet(ctx, author, Message(text=text, tone="warning")))
    if "warn" in actions:
        await svc.warn(
            ctx, author, ctx.t("mod.automod.warn_reason", reason=reason), actor="automod"
        )
    if "timeout" in actions and ctx.can(a.TimeoutMember):
        minutes = max(h.rule.timeout_minutes for h in hits)
        reason_text = ctx.t("mod.automod.timeout_reason")
        await svc.timeout(ctx, author, timedelta(minutes=minutes), reason_text, actor="automod")


@feature.timer(svc.UNBAN_TIMER)
async def timed_unban(ctx: Context, timer: Timer) -> None:
    user = str(timer.payload["user_id"])
    place = Place(timer.platform, timer.community_id)
    ctx.send(a.UnbanMember(place, user, "temporary ban ended"))
    svc.audit(
        ctx,
        "unban.timed",
        actor="automod",
        target=user,
        reason=f"case #{timer.payload['case']}",
    )


@feature.outbox_hook("mod.card")
async def card_posted(app: Kernel, entry: OutboxEntry, result: ActionResult) -> None:
    with app.store.session() as s:
        s.execute(
            update(ModCase)
            .where(col(ModCase.id) == entry.context.get("case_id"))
            .values(queue_message_id=result.message_id)
        )


@feature.outbox_hook("mod.appeal")
async def appeal_posted(app: Kernel, entry: OutboxEntry, result: ActionResult) -> None:
    """Remember the appeal's card, so the verdict edits it (from chat or the dashboard)."""
    with app.store.session() as s:
        s.execute(
            update(Appeal)
            .where(col(Appeal.id) == entry.context.get("appeal_id"))
            .values(card_message_id=result.message_id)
        )
