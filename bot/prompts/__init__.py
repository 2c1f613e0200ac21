"""Scheduled discussion prompts: content packs, schedules, rotation, threads and stats."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.actions import ActionResult
from bot.community import PersonalData, Subject
from bot.events import MessagePosted
from bot.prompts import engine
from bot.prompts.commands import install_commands
from bot.prompts.models import (
    CustomPrompt,
    PromptPost,
    PromptReply,
    PromptSchedule,
    PromptSuggestion,
)
from bot.store.models import OutboxEntry

if TYPE_CHECKING:
    from bot.community import App, Context

__all__ = ["CustomPrompt", "PromptPost", "PromptReply", "PromptSchedule", "PromptSuggestion"]


def install(app: App) -> None:
    install_commands(app)
    app.on_tick("prompts", engine.run_due, engine.next_due)

    @app.outbox.hook(engine.POST_KIND)
    async def posted(entry: OutboxEntry, result: ActionResult) -> None:
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

    @app.on(MessagePosted, priority=60)
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

    app.holds_personal_data(PersonalData("prompts", _export, _erase))


def _export(session: Session, who: Subject) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for s in session.exec(
        select(PromptSuggestion).where(
            PromptSuggestion.platform == who.platform,
            PromptSuggestion.community_id == who.community_id,
            PromptSuggestion.user_id == who.user_id,
        )
    ):
        records.append(
            {
                "type": "suggestion",
                "theme": s.theme,
                "text": s.text,
                "status": s.status,
                "created_at": s.created_at.isoformat(),
            }
        )
    replies = session.exec(
        select(PromptReply, PromptPost)
        .join(PromptPost, col(PromptPost.id) == col(PromptReply.post_id))
        .where(
            PromptPost.platform == who.platform,
            PromptPost.community_id == who.community_id,
            PromptReply.user_id == who.user_id,
        )
    ).all()
    for reply, post in replies:
        records.append(
            {
                "type": "prompt_reply",
                "prompt": post.prompt_id,
                "message_id": reply.message_id,
                "at": reply.at.isoformat(),
            }
        )
    return records


def _erase(session: Session, who: Subject) -> int:
    """Suggestions lose their text; reply records (who answered when) are removed."""
    touched = 0
    for s in session.exec(
        select(PromptSuggestion).where(
            PromptSuggestion.platform == who.platform,
            PromptSuggestion.community_id == who.community_id,
            PromptSuggestion.user_id == who.user_id,
        )
    ):
        s.text = None
        s.user_id = "erased"
        session.add(s)
        touched += 1
    post_ids = select(PromptPost.id).where(
        PromptPost.platform == who.platform, PromptPost.community_id == who.community_id
    )
    for r in session.exec(
        select(PromptReply).where(
            PromptReply.user_id == who.user_id, col(PromptReply.post_id).in_(post_ids)
        )
    ):
        session.delete(r)
        touched += 1
    return touched


def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    content = sub.add_parser("content", help="content packs (prompts)").add_subparsers(
        dest="content", required=True
    )
    validate = content.add_parser(
        "validate", help="check prompt packs and message catalogs; exit 1 on errors"
    )
    validate.add_argument("--json", action="store_true", help="print a JSON summary")
    validate.set_defaults(handler=_validate)
    from bot.content_cli import register

    register(content)


def _validate(args: argparse.Namespace, settings: object) -> int:
    from bot.content_cli import run_validate

    return run_validate(args.json)
