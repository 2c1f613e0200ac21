"""The /prompt commands: organizers schedule and curate, members suggest."""

from __future__ import annotations

import difflib
import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select

from bot.kernel import i18n
from bot.kernel.commands import (
    ChannelId,
    CommandError,
    FormErrors,
    Opt,
    Permission,
    ZoneName,
)
from bot.kernel.forms import Form, FormField
from bot.kernel.message import Button, Field, Message, channel_link, escape
from bot.kernel.store import aware
from bot.prompts import engine
from bot.prompts.feature import feature
from bot.prompts.models import (
    CustomPrompt,
    PromptPost,
    PromptReply,
    PromptSchedule,
    PromptSuggestion,
)
from bot.prompts.packs import parse_pack
from bot.prompts.timing import next_fire, next_fires, parse_rule

if TYPE_CHECKING:
    from bot.kernel.context import Context

NEAR_DUPLICATE = 0.72
ORG = Permission.ORGANIZER
# The options several commands share, written once.
ScheduleNumber = Annotated[int, Opt("Schedule number", min_value=1)]
Theme = Annotated[str, Opt("Theme", max_length=48)]


def _theme(ctx: Context, value: str) -> str:
    themes = sorted(engine.library(ctx.app).packs)
    slug = value.strip().lower().replace(" ", "-")
    if slug in themes:
        return slug
    close = difflib.get_close_matches(slug, themes, n=1, cutoff=0.5)
    hint = ctx.t("prompts.error.did_you_mean", guess=close[0]) if close else ""
    raise CommandError(
        ctx.t("prompts.error.no_theme", theme=value[:48], themes=", ".join(themes)) + hint, "theme"
    )


def _schedule(ctx: Context, schedule_id: int) -> PromptSchedule:
    # Through the community's scope first: another community's id is "no such schedule".
    row = ctx.session.exec(
        select(PromptSchedule).where(
            *PromptSchedule.scope(ctx),
            PromptSchedule.id == schedule_id,
            col(PromptSchedule.active).is_(True),
        )
    ).first()
    if row is None:
        raise CommandError(ctx.t("prompts.error.no_schedule", id=schedule_id), "schedule")
    return row


def _changed(ctx: Context, s: PromptSchedule, key: str, **values: object) -> None:
    """Keep a schedule's change and say so: every /prompt command that changes one ends here."""
    ctx.session.add(s)
    ctx.reply(ctx.t(key, id=s.id, **values))


def _local(when: datetime | None, zone: str, locale: str | None = None) -> str:
    return i18n.when(when, locale, zone)


def _normal(text: str) -> str:
    return re.sub(r"[^\w\s]", "", text.lower()).strip()


def nearest_prompt(ctx: Context, theme: str, text: str) -> tuple[str | None, float]:
    """The most similar existing prompt in any language, for flagging near-duplicates."""
    best: tuple[str | None, float] = (None, 0.0)
    c = ctx.community
    themes = engine.library(ctx.app).packs
    for th in themes:
        for p in engine.theme_prompts(ctx.app, ctx.session, c.platform, c.community_id, th):
            for existing in p.text.values():
                ratio = difflib.SequenceMatcher(None, _normal(text), _normal(existing)).ratio()
                if ratio > best[1]:
                    best = (p.id, ratio)
    return best


def _schedule_line(ctx: Context, s: PromptSchedule) -> Field:
    state = ctx.t("prompts.state.paused") if s.paused else ctx.t("prompts.state.active")
    series = (
        ctx.t("prompts.list.left", left=s.occurrences_left)
        if s.occurrences_left is not None
        else ""
    )
    value = (
        ctx.t(
            "prompts.list.line",
            channel=channel_link(s.channel),
            rule=s.rule,
            zone=s.timezone,
            next=_local(aware(s.next_fire_at), s.timezone, ctx.locale),
            state=state,
        )
        + series
    )
    return Field(f"#{s.id} · {s.theme}", value)


feature.group("prompt", "Themed discussion prompts")


@feature.command("prompt schedule", "Schedule a theme's prompts in a channel", permission=ORG)
async def schedule(
    ctx: Context,
    theme: Annotated[str, Opt("Theme (see /prompt themes)", max_length=48)],
    channel: Annotated[ChannelId, Opt("Where prompts are posted")],
    when: Annotated[
        str, Opt("e.g. every monday 19:00, first sunday of the month 10:00", max_length=80)
    ],
    timezone: Annotated[ZoneName | None, Opt("IANA zone (default: the community's)")] = None,
    weeks: Annotated[
        int | None, Opt("A series: stop after this many posts", min_value=1, max_value=52)
    ] = None,
    forum: Annotated[bool | None, Opt("The channel is a forum: one tagged post per prompt")] = None,
) -> None:
    theme = _theme(ctx, theme)
    rule = parse_rule(when)
    zone = timezone or ctx.community.timezone
    first = next_fire(rule, ZoneInfo(zone), ctx.now)
    if first is None:
        raise CommandError(ctx.t("prompts.error.in_past"), "when")
    row = PromptSchedule(
        platform=ctx.community.platform,
        community_id=ctx.community.community_id,
        channel=channel,
        theme=theme,
        rule=rule.text,
        timezone=zone,
        forum=bool(forum),
        occurrences_left=weeks,
        next_fire_at=first,
        created_by=ctx.actor_id,
        created_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.reply(
        ctx.t(
            "prompts.scheduled",
            id=row.id,
            theme=theme,
            channel=channel_link(channel),
            next=_local(first, zone, ctx.locale),
        )
    )


@feature.command("prompt list", "Scheduled prompts in this community", permission=ORG)
async def list_(ctx: Context) -> None:
    c = ctx.community
    rows = ctx.session.exec(
        select(PromptSchedule)
        .where(
            *PromptSchedule.scope(c),
            col(PromptSchedule.active).is_(True),
        )
        .order_by(col(PromptSchedule.id))
    ).all()
    if not rows:
        ctx.reply(ctx.t("prompts.list.empty"))
        return
    ctx.reply(
        Message(
            title=ctx.t("prompts.list.title"),
            fields=tuple(_schedule_line(ctx, s) for s in rows[:25]),
        )
    )


@feature.command(
    "prompt preview", "The next fire times and the prompt each will use", permission=ORG
)
async def preview(
    ctx: Context,
    schedule: ScheduleNumber,
    count: Annotated[int | None, Opt("How many (1-10)", min_value=1, max_value=10)] = None,
) -> None:
    s = _schedule(ctx, schedule)
    n = count or 5
    start = aware(s.next_fire_at)
    fires = ([start] if start else []) + (
        next_fires(engine.rule_of(s), ZoneInfo(s.timezone), start, n - 1) if start else []
    )
    if s.occurrences_left is not None:
        fires = fires[: s.occurrences_left]
    prompts = engine.theme_prompts(ctx.app, ctx.session, s.platform, s.community_id, s.theme)
    rotation = engine.Rotation.load(ctx.session, s.platform, s.community_id, s.channel, s.theme)
    picks = engine.upcoming(
        prompts,
        rotation,
        f"{s.community_id}:{s.channel}:{s.theme}",
        s.pinned_prompt,
        len(fires),
    )
    lines = [
        f"{_local(f, s.timezone, ctx.locale)} · `{p.id}` {escape(p.text_in(ctx.locale), 120)}"
        for f, (p, _) in zip(fires, picks, strict=False)
    ]
    ctx.reply(
        Message(
            title=ctx.t("prompts.preview.title", id=s.id),
            text="\n".join(lines) or ctx.t("prompts.preview.none"),
        )
    )


@feature.command("prompt post-now", "Post the theme's next prompt right away", permission=ORG)
async def post_now(
    ctx: Context,
    theme: Theme,
    channel: Annotated[ChannelId | None, Opt("Where (default: here)")] = None,
) -> None:
    theme = _theme(ctx, theme)
    target = channel or ctx.place.channel
    if not target:
        raise CommandError(ctx.t("prompts.error.no_channel"), "channel")
    post = engine.enqueue_post(
        ctx.app,
        ctx.session,
        community=ctx.community,
        channel=target,
        theme=theme,
        forum=False,
        schedule_id=None,
        fire_at=ctx.now,
        now=ctx.now,
    )
    if post is None:
        raise CommandError(ctx.t("prompts.error.empty_theme", theme=theme))
    ctx.reply(ctx.t("prompts.posted_now", prompt=post.prompt_id, channel=channel_link(target)))


@feature.command("prompt skip", "Skip the next post of a schedule", permission=ORG)
async def skip(ctx: Context, schedule: ScheduleNumber) -> None:
    s = _schedule(ctx, schedule)
    fire = aware(s.next_fire_at)
    if fire is None:
        raise CommandError(ctx.t("prompts.error.nothing_next", id=s.id))
    ctx.session.add(
        PromptPost(
            schedule_id=s.id,
            fire_at=fire,
            platform=s.platform,
            community_id=s.community_id,
            channel=s.channel,
            theme=s.theme,
            status="skipped",
            claimed_at=ctx.now,
        )
    )
    nxt = next_fire(engine.rule_of(s), ZoneInfo(s.timezone), fire)
    s.next_fire_at = nxt
    s.active = nxt is not None
    _changed(
        ctx,
        s,
        "prompts.skipped",
        when=_local(fire, s.timezone, ctx.locale),
        next=_local(nxt, s.timezone, ctx.locale),
    )


@feature.command("prompt pause", "Pause a schedule", permission=ORG)
async def pause(ctx: Context, schedule: ScheduleNumber) -> None:
    s = _schedule(ctx, schedule)
    s.paused = True
    _changed(ctx, s, "prompts.paused")


@feature.command("prompt resume", "Resume a paused schedule", permission=ORG)
async def resume(ctx: Context, schedule: ScheduleNumber) -> None:
    s = _schedule(ctx, schedule)
    # Fires that fell inside the pause are not owed: resume from now.
    s.paused = False
    s.next_fire_at = next_fire(engine.rule_of(s), ZoneInfo(s.timezone), ctx.now)
    s.active = s.next_fire_at is not None
    _changed(ctx, s, "prompts.resumed", next=_local(s.next_fire_at, s.timezone, ctx.locale))


@feature.command("prompt edit", "Change a schedule's time, zone, channel or theme", permission=ORG)
async def edit(
    ctx: Context,
    schedule: ScheduleNumber,
    when: Annotated[str | None, Opt("New rule", max_length=80)] = None,
    timezone: Annotated[ZoneName | None, Opt("New time zone")] = None,
    channel: Annotated[ChannelId | None, Opt("New channel")] = None,
    theme: Annotated[str | None, Opt("New theme", max_length=48)] = None,
) -> None:
    s = _schedule(ctx, schedule)
    if not any((when, timezone, channel, theme)):
        raise CommandError(ctx.t("prompts.error.edit_nothing"))
    rule = parse_rule(when) if when else engine.rule_of(s)
    s.rule = rule.text
    s.timezone = timezone or s.timezone
    s.channel = channel or s.channel
    s.theme = _theme(ctx, theme) if theme else s.theme
    s.next_fire_at = next_fire(rule, ZoneInfo(s.timezone), ctx.now)
    if s.next_fire_at is None:
        raise CommandError(ctx.t("prompts.error.in_past"), "when")
    _changed(ctx, s, "prompts.edited", next=_local(s.next_fire_at, s.timezone, ctx.locale))


@feature.command("prompt delete", "Delete a schedule (its history stays for stats)", permission=ORG)
async def delete(ctx: Context, schedule: ScheduleNumber) -> None:
    s = _schedule(ctx, schedule)
    s.active = False
    s.next_fire_at = None
    _changed(ctx, s, "prompts.deleted")


@feature.command("prompt pin", "Use this prompt next on a schedule", permission=ORG)
async def pin(
    ctx: Context,
    schedule: ScheduleNumber,
    prompt: Annotated[str, Opt("Prompt id (see /prompt preview)", max_length=48)],
) -> None:
    s = _schedule(ctx, schedule)
    ids = {
        p.id
        for p in engine.theme_prompts(ctx.app, ctx.session, s.platform, s.community_id, s.theme)
    }
    if prompt not in ids:
        close = difflib.get_close_matches(prompt, sorted(ids), n=1)
        hint = ctx.t("prompts.error.did_you_mean", guess=close[0]) if close else ""
        raise CommandError(
            ctx.t("prompts.error.no_prompt", prompt=prompt[:48], theme=s.theme) + hint, "prompt"
        )
    s.pinned_prompt = prompt
    _changed(ctx, s, "prompts.pinned", prompt=prompt)


@feature.command("prompt themes", "The themes and how many prompts each has")
async def themes(ctx: Context) -> None:
    lib = engine.library(ctx.app)
    lines = [
        f"`{slug}` · {escape(p.title_in(ctx.locale))} ({len(p.prompts)})"
        for slug, p in sorted(lib.packs.items())
    ]
    ctx.reply(Message(title=ctx.t("prompts.themes.title"), text="\n".join(lines)))


@feature.command("prompt add", "Add your community's own prompt to a theme", permission=ORG)
async def add(
    ctx: Context,
    theme: Theme,
    text: Annotated[str, Opt("The question", min_length=10, max_length=1000)],
    follow_up: Annotated[str | None, Opt("A follow-up question", max_length=300)] = None,
) -> None:
    theme = _theme(ctx, theme)
    c = ctx.community
    count = ctx.session.exec(
        select(func.count()).select_from(CustomPrompt).where(*CustomPrompt.scope(c))
    ).one()
    pid = f"own-{int(count) + 1:03d}"
    ctx.session.add(
        CustomPrompt(
            platform=c.platform,
            community_id=c.community_id,
            prompt_id=pid,
            theme=theme,
            text=text,
            follow_ups=[follow_up] if follow_up else [],
            added_by=ctx.actor_id,
            created_at=ctx.now,
        )
    )
    ctx.reply(ctx.t("prompts.added", prompt=pid, theme=theme))


@feature.command("prompt import", "Import a prompt pack (paste YAML)", permission=ORG)
async def import_(ctx: Context) -> None:
    ctx.open_form(
        Form(
            "prompts-import",
            ctx.t("prompts.import.title"),
            (
                FormField(
                    "pack",
                    ctx.t("prompts.import.label"),
                    style="paragraph",
                    max_length=4000,
                    placeholder="theme: my-theme\ntitle: {en: My theme}\nprompts:\n  - id: my-01\n    text: {en: ...}",
                ),
            ),
        )
    )


@feature.form("prompts-import", permission=ORG)
async def import_submitted(ctx: Context, args: list[str], fields: dict[str, str]) -> None:
    pack, errors = parse_pack(fields.get("pack", ""), "pasted pack")
    if errors or pack is None:
        # Shown in the form where the platform can (Slack), else as a private answer.
        listed = "; ".join(str(e) for e in errors[:3])
        raise FormErrors({"pack": f"{ctx.t('prompts.import.failed')}: {listed}"})
    lib = engine.library(ctx.app)
    c = ctx.community
    if pack.theme not in lib.packs:
        raise CommandError(
            ctx.t("prompts.error.no_theme", theme=pack.theme, themes=", ".join(sorted(lib.packs)))
        )
    taken = set(lib.prompts) | set(
        ctx.session.exec(select(CustomPrompt.prompt_id).where(*CustomPrompt.scope(c))).all()
    )
    clash = [p.id for p in pack.prompts if p.id in taken]
    if clash:
        ctx.reply(ctx.t("prompts.import.clash", ids=", ".join(clash[:10])))
        return
    for p in pack.prompts:  # all or nothing: one transaction
        ctx.session.add(
            CustomPrompt(
                platform=c.platform,
                community_id=c.community_id,
                prompt_id=p.id,
                theme=pack.theme,
                text=p.text_in("en"),
                follow_ups=p.follow_ups_in("en"),
                added_by=ctx.actor_id,
                created_at=ctx.now,
            )
        )
    ctx.reply(ctx.t("prompts.import.done", count=len(pack.prompts), theme=pack.theme))


@feature.command("prompt suggest", "Suggest a discussion prompt")
async def suggest(
    ctx: Context,
    theme: Theme,
    text: Annotated[str, Opt("Your question for the community", min_length=10, max_length=500)],
) -> None:
    theme = _theme(ctx, theme)
    similar, ratio = nearest_prompt(ctx, theme, text)
    c = ctx.community
    ctx.session.add(
        PromptSuggestion(
            platform=c.platform,
            community_id=c.community_id,
            user_id=ctx.actor_id,
            theme=theme,
            text=text,
            similar_to=similar if ratio >= NEAR_DUPLICATE else None,
            similarity=round(ratio, 2),
            created_at=ctx.now,
        )
    )
    ctx.reply(ctx.t("prompts.suggested"))


@feature.command("prompt suggestions", "Review members' suggestions", permission=ORG)
async def suggestions(ctx: Context) -> None:
    c = ctx.community
    rows = ctx.session.exec(
        select(PromptSuggestion)
        .where(
            *PromptSuggestion.scope(c),
            PromptSuggestion.status == "open",
        )
        .order_by(col(PromptSuggestion.id))
        .limit(5)
    ).all()
    if not rows:
        ctx.reply(ctx.t("prompts.suggestions.empty"))
        return
    for r in rows:
        flag = (
            ctx.t(
                "prompts.suggestions.similar",
                prompt=r.similar_to,
                ratio=int(r.similarity * 100),
            )
            if r.similar_to
            else ""
        )
        ctx.reply(
            Message(
                title=ctx.t("prompts.suggestions.item", id=r.id, theme=r.theme),
                text=escape(r.text or "", 500) + flag,
                rows=(
                    (
                        Button(ctx.t("prompts.approve"), f"prompts-sugg:approve:{r.id}", "success"),
                        Button(ctx.t("prompts.reject"), f"prompts-sugg:reject:{r.id}", "danger"),
                    ),
                ),
            )
        )


@feature.component("prompts-sugg", permission=ORG)
async def decide(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    verdict, raw_id = [*args, "", ""][:2]
    c = ctx.community
    row = (
        ctx.session.exec(
            select(PromptSuggestion).where(
                *PromptSuggestion.scope(c), PromptSuggestion.id == int(raw_id)
            )
        ).first()
        if raw_id.isdigit()
        else None
    )
    if row is None or row.status != "open":
        raise CommandError(ctx.t("prompts.error.suggestion_gone"))
    row.status = "approved" if verdict == "approve" else "rejected"
    row.decided_by = ctx.actor_id
    ctx.session.add(row)
    if row.status == "approved":
        count = ctx.session.exec(
            select(func.count()).select_from(CustomPrompt).where(*CustomPrompt.scope(c))
        ).one()
        ctx.session.add(
            CustomPrompt(
                platform=c.platform,
                community_id=c.community_id,
                prompt_id=f"own-{int(count) + 1:03d}",
                theme=row.theme,
                text=row.text or "",
                added_by=row.user_id,
                created_at=ctx.now,
            )
        )
        ctx.send_private(row.user_id, ctx.t("prompts.suggestion_approved", theme=row.theme))
    ctx.reply(ctx.t("prompts.decided", id=row.id, verdict=row.status))


@feature.command("prompt stats", "Replies and participants per prompt and theme", permission=ORG)
async def stats(ctx: Context) -> None:
    c = ctx.community
    rows = ctx.session.exec(
        select(
            PromptPost.theme,
            PromptPost.prompt_id,
            func.count(col(PromptReply.id)),
            func.count(func.distinct(PromptReply.user_id)),
        )
        .join(PromptReply, col(PromptReply.post_id) == col(PromptPost.id), isouter=True)
        .where(
            *PromptPost.scope(c),
            col(PromptPost.status).in_(["queued", "posted"]),
        )
        .group_by(col(PromptPost.theme), col(PromptPost.prompt_id))
    ).all()
    if not rows:
        ctx.reply(ctx.t("prompts.stats.empty"))
        return
    themes: dict[str, list[Any]] = {}
    for theme, pid, replies, people in rows:
        themes.setdefault(theme, []).append((pid, replies, people))
    fields = []
    for theme, items in sorted(themes.items()):
        total = sum(r for _, r, _ in items)
        lines = [
            ctx.t("prompts.stats.line", prompt=pid, replies=r, people=p)
            for pid, r, p in sorted(items, key=lambda x: -x[1])[:8]
        ]
        fields.append(
            Field(ctx.t("prompts.stats.theme", theme=theme, replies=total), "\n".join(lines))
        )
    ctx.reply(Message(title=ctx.t("prompts.stats.title"), fields=tuple(fields[:25])))
