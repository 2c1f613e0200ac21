"""Peer matching: members in similar intercultural situations, paired in scheduled rounds."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from bot.kernel import actions as a
from bot.kernel import i18n
from bot.kernel.commands import ChannelId, Choice, CommandError, MemberId, Opt, Permission
from bot.kernel.events import Actor, Place
from bot.kernel.message import Button, Field, Message, escape, mention
from bot.kernel.personal import PersonalData, Subject
from bot.kernel.store import aware
from bot.kernel.store.models import Community, Timer
from bot.moderation import reports
from bot.peers.feature import config, feature
from bot.peers.matching import Candidate, pair_round
from bot.peers.models import PeerBlock, PeerPair, PeerProfile, PeerRound, PeerSchedule

if TYPE_CHECKING:
    from bot.kernel.context import Context, Kernel


__all__ = ["PeerBlock", "PeerPair", "PeerProfile", "PeerRound", "PeerSchedule"]
log = logging.getLogger(__name__)

TAGS = {
    "living-in-partners-country": "living in my partner's country",
    "long-distance": "long distance",
    "visas-paperwork": "visas and paperwork",
    "bilingual-children": "raising bilingual children",
    "meeting-the-family": "meeting the family",
    "faith-differences": "faith differences",
    "money-across-borders": "money across borders",
}


def tag_label(ctx: Context, tag: str) -> str:
    """A topic's name in the reader's language (TAGS holds the English, for unknown keys)."""
    key = "peers.tag." + tag.replace("-", "_")
    return ctx.t(key) if i18n.has(key) else TAGS.get(tag, tag)


STARTER_THEMES = {
    "living-in-partners-country": "living-in-partners-country",
    "bilingual-children": "parenting-across-cultures",
    "meeting-the-family": "holidays-food-family",
    "money-across-borders": "money-transparency",
    "long-distance": "affection-time-silence",
    "visas-paperwork": "power-and-equality",
    "faith-differences": "holidays-food-family",
}
CHECKIN_AFTER = timedelta(days=3)
CHECKIN_TIMER = "peers.checkin"
EVERY = (Choice("weekly", "7"), Choice("every two weeks", "14"), Choice("monthly", "28"))


def _profile(ctx: Context, user_id: str | None = None) -> PeerProfile | None:
    c = ctx.community
    return ctx.session.exec(
        select(PeerProfile).where(
            *PeerProfile.scope(c),
            PeerProfile.user_id == (user_id or ctx.actor_id),
        )
    ).first()


def _tags(ctx: Context, text: str) -> list[str]:
    tags = []
    for raw in text.replace(";", ",").split(","):
        tag = raw.strip().lower().replace(" ", "-")
        if not tag:
            continue
        if tag not in TAGS:
            raise CommandError(
                ctx.t("peers.error.tag", tag=escape(raw.strip(), 40), tags=", ".join(TAGS)), "tags"
            )
        tags.append(tag)
    if not tags:
        raise CommandError(ctx.t("peers.error.no_tags", tags=", ".join(TAGS)), "tags")
    return tags


def _languages(text: str) -> list[str]:
    return [t for t in (i18n.language_tag(x.strip()) for x in text.split(",") if x.strip()) if t]


def _pair(ctx: Context, raw: str) -> PeerPair:
    pair = ctx.session.get(PeerPair, int(raw)) if raw.isdigit() else None
    if pair is None or ctx.actor_id not in pair.members:
        raise CommandError(ctx.t("core.error.stale_button"))
    return pair


feature.group("peers", "Meet members in a similar situation")


@feature.command("peers join", "Opt in to be introduced to a member in a similar situation")
async def join(
    ctx: Context,
    tags: Annotated[str, Opt("What you'd like to talk about (see /peers tags)", max_length=300)],
    languages: Annotated[str, Opt("Languages you speak, e.g. en, es", max_length=80)],
    region: Annotated[str | None, Opt("Optional: a region or country", max_length=60)] = None,
) -> None:
    chosen, langs = _tags(ctx, tags), _languages(languages)
    if not langs:
        raise CommandError(ctx.t("peers.error.languages"), "languages")
    prefs = ctx.prefs()
    profile = _profile(ctx) or PeerProfile(
        platform=ctx.community.platform,
        community_id=ctx.community.community_id,
        user_id=ctx.actor_id,
        joined_at=ctx.now,
    )
    profile.tags, profile.languages, profile.region = chosen, langs, region
    profile.timezone = (prefs.timezone if prefs else None) or ctx.community.timezone
    profile.active, profile.paused_until = True, None
    ctx.session.add(profile)
    ctx.reply(
        ctx.t("peers.joined", tags=i18n.join((tag_label(ctx, t) for t in chosen), ctx.locale))
    )


@feature.command("peers tags", "What you can be matched on")
async def tags_(ctx: Context) -> None:
    ctx.reply("\n".join(f"`{k}` · {tag_label(ctx, k)}" for k in TAGS))


@feature.command("peers pause", "Skip rounds for a while")
async def pause(
    ctx: Context,
    for_: Annotated[
        timedelta | None,
        Opt(
            "How long (e.g. 14d)",
            min_duration=timedelta(days=1),
            max_duration=timedelta(days=365),
        ),
    ] = None,
) -> None:
    profile = _profile(ctx)
    if profile is None or not profile.active:
        raise CommandError(ctx.t("peers.error.not_joined"))
    profile.paused_until = ctx.now + (for_ or timedelta(days=3650))
    ctx.session.add(profile)
    ctx.reply(ctx.t("peers.paused"))


@feature.command("peers leave", "Stop being matched (you can join again any time)")
async def leave(ctx: Context) -> None:
    profile = _profile(ctx)
    if profile is not None:
        ctx.session.delete(profile)
    ctx.reply(ctx.t("peers.left"))


@feature.command("peers status", "Your matching settings")
async def status(ctx: Context) -> None:
    p = _profile(ctx)
    if p is None:
        ctx.reply(ctx.t("peers.status.none"))
        return
    paused = aware(p.paused_until)
    state = (
        ctx.t("peers.status.paused")
        if paused and paused > ctx.now
        else ctx.t("peers.status.active")
    )
    ctx.reply(
        Message(
            title=ctx.t("peers.status.title"),
            fields=(
                Field(
                    ctx.t("peers.status.tags"),
                    i18n.join((tag_label(ctx, t) for t in p.tags), ctx.locale),
                ),
                Field(
                    ctx.t("peers.status.languages"),
                    i18n.language_names(p.languages, ctx.locale),
                ),
                Field(ctx.t("peers.status.state"), state),
            ),
        )
    )


@feature.command("peers block", "Never be paired with this member (private: they are not told)")
async def block(ctx: Context, member: Annotated[MemberId, Opt("Who")]) -> None:
    _block(ctx, ctx.actor_id, member)
    ctx.reply(ctx.t("peers.blocked"))


@feature.command(
    "peers schedule", "Run matching rounds in this community", permission=Permission.ORGANIZER
)
async def schedule(
    ctx: Context,
    every: Annotated[str, Opt("How often", choices=EVERY)],
    channel: Annotated[ChannelId, Opt("Where private introductions are opened")],
    start: Annotated[datetime | None, Opt("First round (default: in one hour)")] = None,
) -> None:
    c = ctx.community
    row = ctx.session.exec(PeerSchedule.of(c)).first()
    row = row or PeerSchedule(
        platform=c.platform, community_id=c.community_id, channel=channel, next_at=ctx.now
    )
    row.channel, row.every_days, row.active = channel, int(every), True
    row.next_at = start or ctx.now + timedelta(hours=1)
    ctx.session.add(row)
    ctx.reply(
        ctx.t("peers.scheduled", when=i18n.when(aware(row.next_at), ctx.locale, "UTC", year=False))
    )


@feature.command(
    "peers stats",
    "Rounds, pairs and how many met (never what they said)",
    permission=Permission.ORGANIZER,
)
async def stats(ctx: Context) -> None:
    c = ctx.community
    rounds = ctx.session.exec(PeerRound.of(c)).all()
    pairs = ctx.session.exec(PeerPair.of(c)).all()
    answered = [p for p in pairs if p.met]
    met = [p for p in answered if "yes" in p.met.values()]
    members = ctx.session.exec(
        select(func.count()).select_from(PeerProfile).where(*PeerProfile.scope(c))
    ).one()
    rate = i18n.percent(len(met) / len(answered), ctx.locale) if answered else "-"
    ctx.reply(
        ctx.t("peers.stats", members=members, rounds=len(rounds), pairs=len(pairs), rate=rate)
    )


@feature.component("peers-met")
async def met(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    raw, answer = ([*args, "", ""])[:2]
    pair = _pair(ctx, raw)
    pair.met = {**pair.met, ctx.actor_id: "yes" if answer == "yes" else "no"}
    ctx.session.add(pair)
    ctx.reply(ctx.t("peers.thanks"))


@feature.component("peers-block")
async def block_pair(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    pair = _pair(ctx, args[0] if args else "")
    for other in pair.members:
        if other != ctx.actor_id:
            _block(ctx, ctx.actor_id, other)
    ctx.reply(ctx.t("peers.blocked"))


@feature.component("peers-report")
async def report(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    pair = _pair(ctx, args[0] if args else "")
    others = [m for m in pair.members if m != ctx.actor_id]
    for other in others:
        _block(ctx, ctx.actor_id, other)
    await reports.file_report(
        ctx,
        ctx.actor_id,
        others[0] if len(others) == 1 else None,
        "safety",
        None,
        "peers",
        details=ctx.t("peers.report_details", pair=pair.id),
    )


@feature.timer(CHECKIN_TIMER)
async def checkin(ctx: Context, timer: Timer) -> None:
    pair = ctx.session.get(PeerPair, int(timer.payload["pair"]))
    if pair is None:
        return
    for member in pair.members:
        ctx.send(
            a.SendPrivate(
                Place(pair.platform, pair.community_id),
                member,
                Message(
                    text=ctx.t("peers.checkin"),
                    rows=(
                        (
                            Button(ctx.t("peers.btn.met"), f"peers-met:{pair.id}:yes", "success"),
                            Button(ctx.t("peers.btn.not_yet"), f"peers-met:{pair.id}:no"),
                            Button(ctx.t("peers.btn.block"), f"peers-block:{pair.id}"),
                            Button(ctx.t("peers.btn.report"), f"peers-report:{pair.id}", "danger"),
                        ),
                    ),
                ),
            )
        )


def _block(ctx: Context, user: str, other: str) -> None:
    c = ctx.community
    try:
        with ctx.session.begin_nested():
            ctx.session.add(
                PeerBlock(
                    platform=c.platform, community_id=c.community_id, user_id=user, blocked_id=other
                )
            )
    except IntegrityError:
        pass


# --- rounds ----------------------------------------------------------------------------------


def next_due(app: Kernel, now: datetime) -> datetime | None:
    with app.store.session() as s:
        return aware(
            s.exec(
                select(func.min(PeerSchedule.next_at)).where(col(PeerSchedule.active).is_(True))
            ).one()
        )


async def run_due(app: Kernel, now: datetime) -> None:
    with app.store.session() as s:
        due = s.exec(
            select(PeerSchedule.id).where(
                col(PeerSchedule.active).is_(True), col(PeerSchedule.next_at) <= now
            )
        ).all()
    for schedule_id in due:
        try:
            # Match first, read-only and off the event loop (large rounds take a while); then
            # claim and write everything in one short transaction.
            with app.store.session() as s:
                schedule = s.get(PeerSchedule, schedule_id)
                if schedule is None:
                    continue
                people = _candidates(s, schedule, now)
                forbidden = _forbidden(s, schedule, config.of(app).no_repeat_rounds)
            grouping = await asyncio.to_thread(pair_round, people, forbidden, now)
            ctx = app.system_context()
            schedule = ctx.session.get(PeerSchedule, schedule_id)
            if schedule is not None:
                run_round(app, ctx, schedule, now, (people, grouping))
            ctx.commit()
            await ctx.flush_actions()
        except Exception:
            log.exception("peer round for schedule %s failed", schedule_id)
    app.outbox_kick()


Grouping = tuple[list[Candidate], tuple[list[tuple[str, ...]], list[str]]]


def run_round(
    app: Kernel,
    ctx: Context,
    schedule: PeerSchedule,
    now: datetime,
    matched: Grouping | None = None,
) -> PeerRound | None:
    """Claim this round (once across processes), pair, and queue the introductions, in one
    transaction: a crash before the commit leaves nothing; after it, nothing is repeated."""
    session = ctx.session
    round_ = _claim_round(session, schedule, now)
    if round_ is None:
        return None  # another process ran this round
    if matched is None:
        people = _candidates(session, schedule, now)
        forbidden = _forbidden(session, schedule, config.of(app).no_repeat_rounds)
        groups, left = pair_round(people, forbidden, now)
    else:
        people, (groups, left) = matched
    round_.members, round_.pairs = len(people), len(groups)
    community = session.exec(Community.of(schedule)).one()
    by_id = {p.user_id: p for p in people}
    for group in groups:
        pair = PeerPair(
            round_id=round_.id or 0,
            platform=schedule.platform,
            community_id=schedule.community_id,
            members=list(group),
            shared=sorted(set.intersection(*(set(by_id[u].tags) for u in group))),
            created_at=now,
        )
        session.add(pair)
        session.flush()
        _introduce(app, ctx, community, schedule, pair, by_id, now)
        _check_in_later(app, session, schedule, pair, now)
    for user in left:
        place = Place(schedule.platform, schedule.community_id)
        sit_out = Message(text=ctx.t("peers.sit_out"))
        ctx.send(a.SendPrivate(place, user, sit_out), kind="peers.sit_out")
    session.add(round_)
    return round_


def _claim_round(session: Session, schedule: PeerSchedule, now: datetime) -> PeerRound | None:
    """Move the schedule on and insert the round, unique on (community, fire time); None when
    another process got there first."""
    fire_at = aware(schedule.next_at) or now
    nxt = fire_at + timedelta(days=schedule.every_days)
    while nxt <= now:
        nxt += timedelta(days=schedule.every_days)
    session.execute(
        update(PeerSchedule)
        .where(col(PeerSchedule.id) == schedule.id, col(PeerSchedule.next_at) == schedule.next_at)
        .values(next_at=nxt)
    )
    round_ = PeerRound(
        platform=schedule.platform,
        community_id=schedule.community_id,
        fire_at=fire_at,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(round_)
    except IntegrityError:
        return None
    return round_


def _check_in_later(
    app: Kernel, session: Session, schedule: PeerSchedule, pair: PeerPair, now: datetime
) -> None:
    app.timers.schedule(
        session,
        CHECKIN_TIMER,
        f"pair:{pair.id}",
        now + CHECKIN_AFTER,
        platform=schedule.platform,
        community_id=schedule.community_id,
        payload={"pair": pair.id},
    )


def _candidates(session: Session, schedule: PeerSchedule, now: datetime) -> list[Candidate]:
    rows = session.exec(
        select(PeerProfile).where(
            *PeerProfile.scope(schedule),
            col(PeerProfile.active).is_(True),
        )
    ).all()
    out = []
    for p in rows:
        paused = aware(p.paused_until)
        if paused is not None and paused > now:
            continue
        out.append(Candidate(p.user_id, frozenset(p.tags), frozenset(p.languages), p.timezone))
    return out


def _forbidden(session: Session, schedule: PeerSchedule, rounds_back: int) -> set[frozenset[str]]:
    forbidden = {frozenset((b.user_id, b.blocked_id)) for b in session.exec(PeerBlock.of(schedule))}
    recent = session.exec(
        select(PeerRound.id)
        .where(*PeerRound.scope(schedule))
        .order_by(col(PeerRound.fire_at).desc())
        .limit(rounds_back + 1)
    ).all()
    for pair in session.exec(select(PeerPair).where(col(PeerPair.round_id).in_(list(recent)))):
        members = list(pair.members)
        for i, x in enumerate(members):
            for y in members[i + 1 :]:
                forbidden.add(frozenset((x, y)))
    return forbidden


def _introduce(
    app: Kernel,
    ctx: Context,
    community: Community,
    schedule: PeerSchedule,
    pair: PeerPair,
    by_id: dict[str, Candidate],
    now: datetime,
) -> None:
    from bot.prompts.engine import library

    locale = community.language
    shared = [tag_label(ctx, t) for t in pair.shared] or [ctx.t("peers.intro.in_common")]
    common = sorted(
        set.intersection(*(set(x.split("-")[0] for x in by_id[u].languages) for u in pair.members))
    )
    theme = STARTER_THEMES.get(pair.shared[0] if pair.shared else "", "everyday-miscommunication")
    pack = library(app).packs.get(theme)
    starters = [p.text_in(locale) for p in (pack.prompts if pack else [])]
    picks = (
        [starters[(pair.id or 0) % len(starters)], starters[((pair.id or 0) + 3) % len(starters)]]
        if starters
        else []
    )
    text = ctx.t(
        "peers.intro.text",
        people=i18n.join((mention(u) for u in pair.members), ctx.locale),
        shared=i18n.join(shared, ctx.locale),
        languages=i18n.language_names(common, ctx.locale),
    )
    message = Message(
        title=ctx.t("peers.intro.title"),
        text=text,
        fields=tuple(Field(ctx.t("peers.intro.starter"), escape(s)) for s in picks),
        footer=ctx.t("peers.intro.footer"),
    )
    place = Place(schedule.platform, schedule.community_id, schedule.channel)
    ctx.send(
        a.StartThread(
            place, ctx.t("peers.intro.thread"), message, private=True, members=tuple(pair.members)
        ),
        kind="peers.intro",
        dedupe_key=f"peers-intro:{pair.id}",
    )


# --- personal data -----------------------------------------------------------------------------


def _export(session: Session, who: Subject) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in session.exec(
        select(PeerProfile).where(
            *PeerProfile.scope(who),
            PeerProfile.user_id == who.user_id,
        )
    ):
        out.append(
            {"type": "peer_profile", "tags": p.tags, "languages": p.languages, "region": p.region}
        )
    for b in session.exec(
        select(PeerBlock).where(
            PeerBlock.user_id == who.user_id, PeerBlock.platform == who.platform
        )
    ):
        out.append({"type": "do_not_pair", "member": b.blocked_id})
    for pair in session.exec(PeerPair.of(who)):
        if who.user_id in pair.members:
            out.append(
                {
                    "type": "peer_introduction",
                    "round": pair.round_id,
                    "shared": pair.shared,
                    "met": pair.met.get(who.user_id),
                }
            )
    return out


def _erase(session: Session, who: Subject) -> int:
    touched = 0
    for p in session.exec(
        select(PeerProfile).where(
            *PeerProfile.scope(who),
            PeerProfile.user_id == who.user_id,
        )
    ):
        session.delete(p)
        touched += 1
    for b in session.exec(
        select(PeerBlock).where(
            PeerBlock.user_id == who.user_id, PeerBlock.platform == who.platform
        )
    ):
        session.delete(b)
        touched += 1
    for pair in session.exec(PeerPair.of(who)):
        if who.user_id in pair.members:
            pair.members = ["erased" if m == who.user_id else m for m in pair.members]
            pair.met = {k: v for k, v in pair.met.items() if k != who.user_id}
            session.add(pair)
            touched += 1
    return touched


feature.tick("peers", run_due, next_due)
feature.personal_data(PersonalData("peers", _export, _erase))


@feature.home_section(order=20)
def home_peers(ctx: Context, actor: Actor) -> list[Field]:
    peer = ctx.session.exec(
        select(PeerProfile).where(*PeerProfile.scope(ctx), PeerProfile.user_id == actor.user_id)
    ).first()
    state = ctx.t("home.peers.on") if peer else ctx.t("home.peers.off")
    return [Field(ctx.t("home.peers"), state, inline=True)]
