"""Firing schedules exactly once: claim, choose a prompt, enqueue the post, advance.

Every process runs this on its tick. A fire is claimed by inserting its PromptPost row (unique on
schedule and fire time) in the same transaction that enqueues the post in the outbox, so a crash
before the commit leaves nothing behind (the next tick claims it again) and a crash after it
leaves a post the outbox will deliver. Fires found later than the grace period are recorded as
missed and reported to the schedule's organizer instead of being posted late.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.kernel import actions as a
from bot.kernel import i18n, metrics
from bot.kernel.claims import PROCESS_ID
from bot.kernel.events import Place
from bot.kernel.message import Message
from bot.kernel.store import aware
from bot.kernel.store.models import Community
from bot.prompts.feature import feature
from bot.prompts.models import CustomPrompt, PromptPost, PromptSchedule
from bot.prompts.packs import Library, Prompt, load_library
from bot.prompts.timing import Rule, next_fire, parse_rule

if TYPE_CHECKING:
    from bot.kernel.context import Kernel

log = logging.getLogger(__name__)

POST_KIND = "prompt.post"
MISSED_REPORT_LIMIT = 20  # fires listed in one "missed" report; the rest are counted


@dataclass
class PromptsState:
    """The loaded packs, and during one tick each theme's prompts looked up once."""

    library: Library | None = None
    tick_memo: dict[tuple[str, str, str], list[Prompt]] | None = None


STATE = feature.slot(PromptsState)


def library(app: Kernel) -> Library:
    state = STATE.of(app)
    if state.library is None:
        state.library = load_library()
    return state.library


def rule_of(schedule: PromptSchedule) -> Rule:
    return parse_rule(schedule.rule)


def theme_prompts(
    app: Kernel, session: Session, platform: str, community: str, theme: str
) -> list[Prompt]:
    """The pack's prompts plus the community's own, for one theme."""
    pack = library(app).packs.get(theme)
    prompts = list(pack.prompts) if pack else []
    custom = session.exec(
        select(CustomPrompt).where(
            CustomPrompt.platform == platform,
            CustomPrompt.community_id == community,
            CustomPrompt.theme == theme,
        )
    ).all()
    for c in custom:
        prompts.append(
            Prompt(
                c.prompt_id,
                theme,
                {"en": c.text},
                {"en": list(c.follow_ups)} if c.follow_ups else {},
            )
        )
    return prompts


@dataclass
class Rotation:
    """Which prompts a channel has seen in the current cycle of a theme."""

    cycle: int
    used: set[str]
    last: str | None

    @staticmethod
    def load(session: Session, platform: str, community: str, channel: str, theme: str) -> Rotation:
        rows = session.exec(
            select(PromptPost.prompt_id, PromptPost.cycle)
            .where(
                PromptPost.platform == platform,
                PromptPost.community_id == community,
                PromptPost.channel == channel,
                PromptPost.theme == theme,
                col(PromptPost.status).in_(["queued", "posted"]),
            )
            .order_by(col(PromptPost.claimed_at), col(PromptPost.id))
        ).all()
        return Rotation.from_rows(rows)

    @staticmethod
    def from_rows(rows: Sequence[tuple[str | None, int]]) -> Rotation:
        """From a channel's (prompt id, cycle) posts, oldest first."""
        if not rows:
            return Rotation(0, set(), None)
        cycle = max(c for _, c in rows)
        used = {pid for pid, c in rows if c == cycle and pid}
        return Rotation(cycle, used, rows[-1][0])


def shuffled(ids: list[str], seed: str) -> list[str]:
    """A reproducible order for one cycle (same seed, same order, on every process)."""
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return order


def upcoming(
    prompts: list[Prompt], rotation: Rotation, seed: str, pinned: str | None, count: int
) -> list[tuple[Prompt, int]]:
    """The next `count` prompts (with their cycle) this channel would get, in order."""
    by_id = {p.id: p for p in prompts}
    if not by_id:
        return []
    picks: list[tuple[Prompt, int]] = []
    cycle, used, last = rotation.cycle, set(rotation.used), rotation.last
    if pinned in by_id:
        picks.append((by_id[pinned], cycle))
        used.add(pinned)
        last = pinned
    while len(picks) < count:
        remaining = [i for i in shuffled(list(by_id), f"{seed}:{cycle}") if i not in used]
        if not remaining:
            cycle, used = cycle + 1, set()
            continue
        if len(remaining) > 1 and remaining[0] == last:
            remaining.append(remaining.pop(0))  # no repeat across a cycle boundary
        pick = remaining[0]
        picks.append((by_id[pick], cycle))
        used.add(pick)
        last = pick
    return picks


def prompt_message(
    app: Kernel, prompt: Prompt, theme: str, locale: str
) -> tuple[Message, str, Message | None]:
    """The post, its thread name, and the follow-ups as the thread's first reply."""
    pack = library(app).packs.get(theme)
    title = pack.title_in(locale) if pack else theme
    note = prompt.note_in(locale)
    text = prompt.text_in(locale)
    if note:
        text = i18n.t("prompts.post.content_note", locale, note=note) + "\n\n" + text
    message = Message(
        title=i18n.t("prompts.post.title", locale, theme=title),
        text=text,
        footer=i18n.t("prompts.post.footer", locale),
    )
    thread_name = _thread_name(prompt.text_in(locale))
    follow_ups = prompt.follow_ups_in(locale)
    first = Message(text="\n".join(f"• {q}" for q in follow_ups)) if follow_ups else None
    return message, thread_name, first


def _thread_name(text: str, limit: int = 90) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def enqueue_post(
    app: Kernel,
    session: Session,
    *,
    community: Community,
    channel: str,
    theme: str,
    forum: bool,
    schedule_id: int | None,
    fire_at: datetime,
    now: datetime,
    pinned: str | None = None,
) -> PromptPost | None:
    """Claim (schedule, fire_at) and enqueue its post; None if another process already did."""
    platform, cid = community.platform, community.community_id
    memo = STATE.of(app).tick_memo
    key = (platform, cid, theme)
    if memo is not None and key in memo:
        prompts = memo[key]
    else:
        prompts = theme_prompts(app, session, platform, cid, theme)
        if memo is not None:
            memo[key] = prompts
    rotation = Rotation.load(session, platform, cid, channel, theme)
    picks = upcoming(prompts, rotation, f"{cid}:{channel}:{theme}", pinned, 1)
    if not picks:
        return None
    prompt, cycle = picks[0]
    claimed_at = app.clock.now()
    post = PromptPost(
        schedule_id=schedule_id,
        fire_at=fire_at,
        platform=platform,
        community_id=cid,
        channel=channel,
        theme=theme,
        prompt_id=prompt.id,
        cycle=cycle,
        claimed_by=PROCESS_ID,
        claimed_at=claimed_at,
    )
    try:
        with session.begin_nested():
            session.add(post)
    except IntegrityError:
        return None
    metrics.SCHEDULER_LAG.observe(max(0.0, (claimed_at - fire_at).total_seconds()))
    queue_post_action(app, session, community, channel, theme, forum, prompt, post.id, now)
    return post


def queue_post_action(
    app: Kernel,
    session: Session,
    community: Community,
    channel: str,
    theme: str,
    forum: bool,
    prompt: Prompt,
    post_id: int | None,
    now: datetime,
) -> None:
    """Put a claimed post's message in the outbox (same transaction as the claim)."""
    action = post_action(app, community, channel, theme, forum, prompt)
    app.outbox.enqueue(
        session,
        action,
        now,
        kind=POST_KIND,
        dedupe_key=f"prompt:{post_id}",
        context={"post_id": post_id},
    )


def post_action(
    app: Kernel, community: Community, channel: str, theme: str, forum: bool, prompt: Prompt
) -> a.Post:
    """The post of a prompt in a channel, in the community's language."""
    message, thread_name, first = prompt_message(app, prompt, theme, community.language)
    pack = library(app).packs.get(theme)
    tags = (pack.title_in("en"),) if forum and pack else ()
    return a.Post(
        Place(community.platform, community.community_id, channel),
        message,
        thread_name=thread_name,
        first_reply=first,
        forum_tags=tags,
    )


def _advance(
    session: Session, schedule: PromptSchedule, old: datetime | None, new: datetime | None
) -> None:
    """Move next_fire_at on only if nobody moved it already (no going back)."""
    query = update(PromptSchedule).where(col(PromptSchedule.id) == schedule.id)
    query = query.where(col(PromptSchedule.next_fire_at) == old) if old else query
    values: dict[str, object] = {"next_fire_at": new}
    if new is None:
        values["active"] = False
    session.execute(query.values(**values))


def fire_schedule(
    app: Kernel, session: Session, schedule: PromptSchedule, now: datetime, grace: timedelta
) -> list[datetime]:
    """Handle every fire of one schedule that is due; returns the fires found missed."""
    zone = ZoneInfo(schedule.timezone)
    rule = rule_of(schedule)
    community = session.exec(Community.of(schedule)).one()
    fire = aware(schedule.next_fire_at)
    pinned = schedule.pinned_prompt
    remaining = schedule.occurrences_left
    missed: list[datetime] = []
    # Only SQL updates below (no ORM attribute changes), so concurrent processes never
    # overwrite each other's counts: the claim winner alone decrements a series.
    while fire is not None and fire <= now:
        if remaining is not None and remaining <= 0:
            fire = None
            break
        if now - fire <= grace:
            won = enqueue_post(
                app,
                session,
                community=community,
                channel=schedule.channel,
                theme=schedule.theme,
                forum=schedule.forum,
                schedule_id=schedule.id,
                fire_at=fire,
                now=now,
                pinned=pinned,
            )
            if won is not None and pinned:
                pinned = None
                _set(session, schedule, pinned_prompt=None)
        else:
            won = _record_missed(session, schedule, fire, now)
            if won is not None:
                missed.append(fire)
        if won is not None and remaining is not None:
            remaining -= 1
            _set(session, schedule, occurrences_left=col(PromptSchedule.occurrences_left) - 1)
        nxt = next_fire(rule, zone, fire)
        if remaining is not None and remaining <= 0:
            nxt = None
        _advance(session, schedule, fire, nxt)
        fire = nxt
    return missed


def _set(session: Session, schedule: PromptSchedule, **values: object) -> None:
    session.execute(
        update(PromptSchedule).where(col(PromptSchedule.id) == schedule.id).values(**values)
    )


def _record_missed(
    session: Session, schedule: PromptSchedule, fire: datetime, now: datetime
) -> PromptPost | None:
    row = PromptPost(
        schedule_id=schedule.id,
        fire_at=fire,
        platform=schedule.platform,
        community_id=schedule.community_id,
        channel=schedule.channel,
        theme=schedule.theme,
        status="missed",
        claimed_by=PROCESS_ID,
        claimed_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def report_missed(
    app: Kernel, session: Session, schedule: PromptSchedule, missed: list[datetime], now: datetime
) -> None:
    community = session.exec(Community.of(schedule)).one()
    shown = [
        i18n.when(f, community.language, schedule.timezone) for f in missed[:MISSED_REPORT_LIMIT]
    ]
    text = i18n.t(
        "prompts.missed",
        community.language,
        id=schedule.id,
        theme=schedule.theme,
        count=len(missed),
        times=i18n.join(shown, community.language),
        channel=schedule.channel,
    )
    place = Place(schedule.platform, schedule.community_id)
    action = a.SendPrivate(place, schedule.created_by, Message(text=text, tone="warning"))
    app.outbox.enqueue(session, action, now, kind="prompt.missed")
    log.warning("schedule %s: %d fires missed beyond the grace period", schedule.id, len(missed))
