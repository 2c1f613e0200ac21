"""Firing many due schedules at once: one transaction and one claiming statement per batch.

When a burst of schedules falls due together (every community's Monday 19:00), firing each in a
transaction of its own costs a commit and a dozen round trips per schedule, and the last ones are
claimed seconds late. Here a batch of schedules is read, its rotations and communities are looked
up in one query each, and every fire is claimed by a single INSERT .. ON CONFLICT DO NOTHING
RETURNING: the rows that come back are this process's to post (the unique (schedule, fire time)
constraint still decides between processes, so exactly once is unchanged), and their posts go to
the outbox in the same transaction, in due order.

Only the common case is batched: one fire due, within the grace period, no pinned prompt and no
occurrence count. Anything else (catching up, missed fires, series) returns to the caller for
the one-by-one path, which handles every case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, tuple_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.kernel import codec, metrics
from bot.kernel.claims import PROCESS_ID
from bot.kernel.store import aware
from bot.kernel.store.models import Community, OutboxEntry
from bot.prompts import engine
from bot.prompts.models import PromptPost, PromptSchedule
from bot.prompts.packs import Prompt
from bot.prompts.timing import next_fire

if TYPE_CHECKING:
    from bot.kernel.context import Kernel as App

BATCH = 250  # schedules per transaction: big enough to amortise, small enough to stay short


@dataclass
class _Fire:
    """One schedule's single due fire, with what it will post."""

    schedule: PromptSchedule
    fire_at: datetime
    following: datetime | None
    prompt: Prompt
    cycle: int


def fire_batch(
    app: App, ids: Sequence[int | None], now: datetime, grace: timedelta
) -> list[int | None]:
    """Fire the simple schedules among `ids` in one transaction; return the ids left for the
    one-by-one path."""
    with app.store.session() as session:
        schedules = session.exec(
            select(PromptSchedule)
            .where(col(PromptSchedule.id).in_([i for i in ids if i is not None]))
            .order_by(col(PromptSchedule.next_fire_at), col(PromptSchedule.id))
        ).all()
        simple, rest = _split(schedules, now, grace)
        fires = _plan(app, session, simple, now)
        won = _claim(session, fires, app.clock.now())
        communities = _communities(session, [f.schedule for f in fires])
        _queue_all(app, session, fires, won, communities, now)
        _advance_all(session, fires)
    app_ids = {s.id for s in schedules}
    return rest + [i for i in ids if i not in app_ids]


def _split(
    schedules: Sequence[PromptSchedule], now: datetime, grace: timedelta
) -> tuple[list[tuple[PromptSchedule, datetime, datetime | None]], list[int | None]]:
    """(schedule, fire, next fire) for the simple ones; ids of the rest. A channel and theme
    seen twice in one batch goes the slow way too, as its second pick depends on the first."""
    simple, rest, seen = [], [], set()
    following_of: dict[tuple[str, str, datetime], datetime | None] = {}  # shared by a burst
    for s in schedules:
        if not s.active or s.paused:
            continue
        fire = aware(s.next_fire_at)
        key = (s.platform, s.community_id, s.channel, s.theme)
        if fire is None or fire > now or now - fire > grace or key in seen:
            rest.append(s.id)
            continue
        when = (s.rule, s.timezone, fire)
        if when not in following_of:
            following_of[when] = next_fire(engine.rule_of(s), ZoneInfo(s.timezone), fire)
        following = following_of[when]
        if s.pinned_prompt or s.occurrences_left is not None or (following and following <= now):
            rest.append(s.id)
            continue
        seen.add(key)
        simple.append((s, fire, following))
    return simple, rest


def _plan(
    app: App,
    session: Session,
    simple: list[tuple[PromptSchedule, datetime, datetime | None]],
    now: datetime,
) -> list[_Fire]:
    rotations = _rotations(session, [s for s, _, _ in simple])
    themes: dict[tuple[str, str, str], list[Prompt]] = {}
    fires = []
    for s, fire, following in simple:
        key = (s.platform, s.community_id, s.theme)
        if key not in themes:
            themes[key] = engine.theme_prompts(app, session, *key)
        rotation = rotations.get(
            (s.platform, s.community_id, s.channel, s.theme), engine.Rotation(0, set(), None)
        )
        seed = f"{s.community_id}:{s.channel}:{s.theme}"
        picks = engine.upcoming(themes[key], rotation, seed, None, 1)
        if picks:
            fires.append(_Fire(s, fire, following, picks[0][0], picks[0][1]))
    return fires


def _rotations(
    session: Session, schedules: list[PromptSchedule]
) -> dict[tuple[str, str, str, str], engine.Rotation]:
    """Every channel's rotation for the batch, from one query."""
    keys = {(s.platform, s.community_id, s.channel, s.theme) for s in schedules}
    if not keys:
        return {}
    t: Any = PromptPost.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa_select(t.c.platform, t.c.community_id, t.c.channel, t.c.theme, t.c.prompt_id, t.c.cycle)
        .where(
            tuple_(t.c.platform, t.c.community_id, t.c.channel, t.c.theme).in_(sorted(keys)),
            t.c.status.in_(["queued", "posted"]),
        )
        .order_by(t.c.claimed_at, t.c.id)
    ).all()
    grouped: dict[tuple[str, str, str, str], list[tuple[str | None, int]]] = {}
    for platform, cid, channel, theme, prompt_id, cycle in rows:
        grouped.setdefault((platform, cid, channel, theme), []).append((prompt_id, cycle))
    return {key: engine.Rotation.from_rows(found) for key, found in grouped.items()}


def _claim(session: Session, fires: list[_Fire], claimed_at: datetime) -> dict[int, int]:
    """Claim every fire with one statement; {schedule id: post id} for the ones this process
    won (a fire another process already claimed comes back as nothing)."""
    if not fires:
        return {}
    rows = [
        {
            "schedule_id": f.schedule.id,
            "fire_at": f.fire_at,
            "platform": f.schedule.platform,
            "community_id": f.schedule.community_id,
            "channel": f.schedule.channel,
            "theme": f.schedule.theme,
            "prompt_id": f.prompt.id,
            "cycle": f.cycle,
            "status": "queued",
            "claimed_by": PROCESS_ID,
            "claimed_at": claimed_at,
        }
        for f in fires
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table: Any = PromptPost.__table__  # type: ignore[attr-defined]
    statement = (
        dialect.insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["schedule_id", "fire_at"])
        .returning(table.c.id, table.c.schedule_id)
    )
    won = {schedule_id: post_id for post_id, schedule_id in session.execute(statement)}
    for f in fires:
        if f.schedule.id in won:
            metrics.SCHEDULER_LAG.observe(max(0.0, (claimed_at - f.fire_at).total_seconds()))
    return won


def _communities(
    session: Session, schedules: list[PromptSchedule]
) -> dict[tuple[str, str], Community]:
    ids = {s.community_id for s in schedules}
    if not ids:
        return {}
    found = session.exec(select(Community).where(col(Community.community_id).in_(sorted(ids))))
    return {(c.platform, c.community_id): c for c in found}


def _queue_all(
    app: App,
    session: Session,
    fires: list[_Fire],
    won: dict[int, int],
    communities: dict[tuple[str, str], Community],
    now: datetime,
) -> None:
    """The won fires' posts into the outbox, in due order, written by one executemany.
    The rows are what Outbox.enqueue writes for a prompt post; its per-row savepoint (to catch
    a repeated dedupe key) is not needed here, as every key names a post id claimed just now."""
    entries = []
    for f in fires:
        post_id = won.get(f.schedule.id or 0)
        if post_id is None:
            continue
        s = f.schedule
        community = communities[(s.platform, s.community_id)]
        action = engine.post_action(app, community, s.channel, s.theme, s.forum, f.prompt)
        entries.append(
            {
                "platform": s.platform,
                "community_id": s.community_id,
                "kind": engine.POST_KIND,
                "dedupe_key": f"prompt:{post_id}",
                "payload": codec.dumps(action),
                "context": {"post_id": post_id},
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "result": {},
            }
        )
    if entries:
        table: Any = OutboxEntry.__table__  # type: ignore[attr-defined]
        session.execute(insert(table), entries)


def _advance_all(session: Session, fires: list[_Fire]) -> None:
    """Move every fired schedule on (executemany); only where nobody moved it already. A
    schedule with no fire left ends, as on the one-by-one path."""
    table: Any = PromptSchedule.__table__  # type: ignore[attr-defined]
    guard = (table.c.id == bindparam("sid"), table.c.next_fire_at == bindparam("old"))
    moving = [
        {"sid": f.schedule.id, "old": f.fire_at, "new": f.following} for f in fires if f.following
    ]
    ending = [{"sid": f.schedule.id, "old": f.fire_at} for f in fires if f.following is None]
    if moving:
        session.execute(update(table).where(*guard).values(next_fire_at=bindparam("new")), moving)
    if ending:
        session.execute(update(table).where(*guard).values(next_fire_at=None, active=False), ending)
