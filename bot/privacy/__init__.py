"""Members own their data: see it, export it, delete it. Retention purges free text on time.
Also the per-member command rate limit (a guard on every command)."""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.kernel import actions as a
from bot.kernel import i18n
from bot.kernel.claims import claim
from bot.kernel.commands import Command, CommandError, Permission
from bot.kernel.message import Attachment, Button, Field, Message
from bot.kernel.personal import Subject
from bot.privacy.feature import config, feature

if TYPE_CHECKING:
    from bot.kernel.context import Context, Kernel
    from bot.kernel.events import Actor


PURGE_KIND = "privacy.purge"


def subject(ctx: Context) -> Subject:
    c = ctx.community
    return Subject(c.platform, c.community_id, ctx.actor_id)


def collect(ctx: Context, who: Subject) -> dict[str, list[dict[str, Any]]]:
    return {entry.name: entry.export(ctx.session, who) for entry in ctx.app.personal_data}


def erase(ctx: Context, who: Subject) -> dict[str, int]:
    """Every feature erases its part in this one transaction: all of it, or none of it."""
    return {entry.name: entry.erase(ctx.session, who) for entry in ctx.app.personal_data}


def purge(app: Kernel, now: datetime, dry_run: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    with app.store.session() as s:
        for entry in app.personal_data:
            if entry.purge is not None:
                counts[entry.name] = entry.purge(s, now, dry_run, app.settings)
        if dry_run:
            s.rollback()
    return counts


class RateLimiter:
    """Sliding windows per member and community, in this process (a flood guard, not a quota)."""

    def __init__(self, limits: list[tuple[int, int]]) -> None:
        self.limits = limits
        self.seen: dict[tuple[str, str, str], deque[float]] = defaultdict(deque)

    def check(self, key: tuple[str, str, str], now: float) -> int | None:
        """None when allowed (and counted); else seconds to wait."""
        if not self.limits:
            return None
        window = self.seen[key]
        longest = max(s for _, s in self.limits)
        while window and now - window[0] > longest:
            window.popleft()
        for count, seconds in self.limits:
            recent = [t for t in window if now - t <= seconds]
            if len(recent) >= count:
                return int(seconds - (now - recent[0])) + 1
        window.append(now)
        return None


feature.group("privacy", "See, export or delete what the bot holds about you")


LIMITER = feature.slot(list[RateLimiter], "limiter")  # one limiter, made on first use


def limiter(app: Any) -> RateLimiter:
    """This process's member command limiter, sized from the settings."""
    held = LIMITER.of(app)
    if not held:
        held.append(RateLimiter(config.of(app).command_limits))
    return held[0]


def rate_guard(ctx: Context, command: Command) -> None:
    if ctx.actor is None or ctx.level >= Permission.ORGANIZER:
        return  # staff must be able to act fast; the limit is against member floods
    c = ctx.community
    wait = limiter(ctx.app).check((c.platform, c.community_id, ctx.actor_id), time.monotonic())
    if wait is not None:
        raise CommandError(ctx.t("privacy.rate_limited", seconds=wait))


feature.guard(rate_guard)


@feature.command("privacy show", "What the bot holds about you (only you see this)")
async def show(ctx: Context) -> None:
    data = collect(ctx, subject(ctx))
    fields = [
        Field(_section(ctx, name), ctx.t("privacy.count", count=len(rows)))
        for name, rows in data.items()
    ]
    ctx.reply(
        Message(
            title=ctx.t("privacy.show.title"),
            text=ctx.t("privacy.show.text"),
            fields=tuple(fields),
            footer=ctx.t("privacy.show.footer"),
        )
    )


@feature.command(
    "privacy export", "Get everything the bot holds about you as a JSON file, privately"
)
async def export(ctx: Context) -> None:
    who = subject(ctx)
    payload = {
        "member": who.user_id,
        "community": f"{who.platform}:{who.community_id}",
        "exported_at": ctx.now.isoformat(),
        "data": collect(ctx, who),
    }
    body = json.dumps(payload, ensure_ascii=False, indent=2, default=str).encode()
    ctx.send_private(
        ctx.actor_id,
        Message(
            text=ctx.t("privacy.export.text"),
            attachments=(Attachment(export_name(ctx), body, "application/json"),),
        ),
    )
    ctx.reply(ctx.t("privacy.export.sent"))


def export_name(ctx: Context) -> str:
    """A file name that says nothing about where it came from: someone who looks through the
    member's downloads sees an export with a date."""
    return f"export-{ctx.now:%Y-%m-%d}.json"


@feature.command(
    "privacy clear-dms", "Delete every message the bot sent you in your direct messages"
)
async def clear_dms(ctx: Context) -> None:
    _clear(ctx)


@feature.component("privacy-clear")
async def clear_clicked(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    """The "clear this conversation" button under a report receipt or a case notice: only
    the member it was made for can use it."""
    if not args or args[0] != ctx.actor_id:
        raise CommandError(ctx.t("privacy.clear.not_yours"))
    _clear(ctx)


def _clear(ctx: Context) -> None:
    """Through the outbox: the deletions are carried out even if the platform is slow or the
    bot restarts. The answer is private (ephemeral where the platform has it), so it leaves
    nothing behind either."""
    ctx.send(a.ClearPrivate(ctx.place, ctx.actor_id), kind="privacy.clear")
    ctx.app.outbox.forget_private(ctx.session, ctx.place.platform, ctx.actor_id)
    ctx.reply(ctx.t("privacy.clear.started"))


@feature.command("privacy delete", "Delete your personal data here (asks you to confirm)")
async def delete(ctx: Context) -> None:
    ctx.reply(
        Message(
            text=ctx.t("privacy.delete.confirm"),
            tone="warning",
            rows=(
                (
                    Button(ctx.t("privacy.delete.yes"), f"privacy-delete:{ctx.actor_id}", "danger"),
                    Button(ctx.t("privacy.delete.no"), "privacy-keep"),
                ),
            ),
        )
    )


@feature.component("privacy-delete")
async def confirmed(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    if not args or args[0] != ctx.actor_id:
        raise CommandError(ctx.t("privacy.delete.not_yours"))
    counts = erase(ctx, subject(ctx))
    ctx.reply(ctx.t("privacy.delete.done", count=sum(counts.values())))


@feature.component("privacy-keep")
async def kept(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    ctx.reply(ctx.t("privacy.delete.kept"))


def _next_purge(app: Kernel, now: datetime) -> datetime:
    hour = config.of(app).purge_hour_utc
    today = now.astimezone(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return today if today > now else today + timedelta(days=1)


async def _purge_tick(app: Kernel, now: datetime) -> None:
    """Once a day, exactly once across processes: the claim is the day's purge."""
    hour = config.of(app).purge_hour_utc
    day = now.astimezone(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    if now < day:
        return
    with app.store.session() as s:
        if not claim(s, PURGE_KIND, "daily", day, now):
            return
    purge(app, now, dry_run=False)


def _section(ctx: Context, name: str) -> str:
    """A data section's name in the member's language (a plugin's own name if not in a catalog)."""
    key = f"privacy.section.{name}"
    return ctx.t(key) if i18n.has(key) else name


@feature.command_line
def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("privacy", help="members' data and retention").add_subparsers(
        dest="privacy", required=True
    )
    purge_cmd = p.add_parser(
        "purge", help="apply retention now (free text of old closed records goes)"
    )
    purge_cmd.add_argument("--dry-run", action="store_true", help="only count what would go")
    purge_cmd.set_defaults(handler=_purge_cli)


def _purge_cli(args: argparse.Namespace, settings: Any) -> int:
    app = args.build_app(settings)
    counts = purge(app, datetime.now(UTC), dry_run=args.dry_run)
    print(json.dumps({"dry_run": bool(args.dry_run), "records": counts}))
    return 0


feature.tick("privacy.purge", _purge_tick, _next_purge)


@feature.home_section(order=30)
def home_privacy(ctx: Context, actor: Actor) -> list[Field]:
    return [Field(ctx.t("home.privacy"), ctx.t("home.privacy.hint"))]
