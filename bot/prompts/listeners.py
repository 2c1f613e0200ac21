"""Prompts' listeners: the scheduling tick, where posts landed, replies counted in threads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from bot.kernel import i18n
from bot.kernel.actions import ActionResult
from bot.kernel.commands import Permission
from bot.kernel.context import level_of
from bot.kernel.events import Actor, MessagePosted
from bot.kernel.message import Field
from bot.kernel.store import aware
from bot.kernel.store.models import OutboxEntry
from bot.prompts import engine, tick
from bot.prompts.feature import feature
from bot.prompts.models import PromptPost, PromptReply, PromptSchedule

if TYPE_CHECKING:
    from bot.kernel.context import Context, Kernel

feature.tick("prompts", tick.run_due, tick.next_due)


@feature.warm_up
def load_the_packs(app: Kernel) -> None:
    """Parsing the packs takes a second or two: before serving, not when the first prompts fall
    due (a burst would wait for it)."""
    engine.library(app)


@feature.outbox_hook(engine.POST_KIND)
async def posted(app: Kernel, entry: OutboxEntry, result: ActionResult) -> None:
    """Remember where the post and its thread landed, for replies and stats."""
    post_id = entry.context.get("post_id")
    with app.store.session() as s:
        s.execute(
            update(PromptPost)
            .where(col(PromptPost.id) == post_id)
            .values(
                status="posted",
                message_id=result.message_id,
                thread_id=result.thread_id,
                posted_at=app.clock.now(),
            )
        )


@feature.on(MessagePosted, after="automod")
async def count_reply(ctx: Context, event: MessagePosted) -> None:
    if event.actor.is_bot or not event.place.thread:
        return
    post = ctx.session.exec(
        select(PromptPost).where(
            PromptPost.platform == event.place.platform,
            PromptPost.thread_id == event.place.thread,
        )
    ).first()
    if post is None or post.id is None:
        return
    reply = PromptReply(
        post_id=post.id, user_id=event.actor.user_id, message_id=event.message_id, at=event.at
    )
    try:
        with ctx.session.begin_nested():
            ctx.session.add(reply)
    except IntegrityError:
        pass  # the same message delivered twice by the platform


@feature.home_section(order=40)
def home_next_prompt(ctx: Context, actor: Actor) -> list[Field]:
    if level_of(ctx.community, actor) < Permission.ORGANIZER:
        return []
    nxt = ctx.session.exec(
        select(func.min(PromptSchedule.next_fire_at)).where(
            *PromptSchedule.scope(ctx),
            col(PromptSchedule.active).is_(True),
            col(PromptSchedule.paused).is_(False),
        )
    ).one()
    when = aware(nxt)
    return [Field(ctx.t("home.next_prompt"), i18n.when(when, ctx.locale, "UTC", year=False))]
