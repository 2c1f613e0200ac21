"""What prompts keep about a member: suggestions and who replied when."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.kernel.config import Settings
from bot.kernel.personal import PersonalData, Subject
from bot.privacy.feature import config as privacy
from bot.prompts.feature import feature
from bot.prompts.models import PromptPost, PromptReply, PromptSuggestion


def _export(session: Session, who: Subject) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for s in session.exec(
        select(PromptSuggestion).where(
            *PromptSuggestion.scope(who),
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
            *PromptPost.scope(who),
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
            *PromptSuggestion.scope(who),
            PromptSuggestion.user_id == who.user_id,
        )
    ):
        s.text = None
        s.user_id = "erased"
        session.add(s)
        touched += 1
    post_ids = select(PromptPost.id).where(*PromptPost.scope(who))
    for r in session.exec(
        select(PromptReply).where(
            PromptReply.user_id == who.user_id, col(PromptReply.post_id).in_(post_ids)
        )
    ):
        session.delete(r)
        touched += 1
    return touched


def _purge(session: Session, now: datetime, dry_run: bool, settings: Settings) -> int:
    """Suggestions that were turned down lose their text and author after
    `privacy.retention_days` (approved ones live on as the community's prompts)."""
    cutoff = now - timedelta(days=privacy.of(settings).retention_days)
    rows = session.exec(
        select(PromptSuggestion).where(
            PromptSuggestion.status == "rejected",
            col(PromptSuggestion.created_at) < cutoff,
            col(PromptSuggestion.text).is_not(None),
        )
    ).all()
    if not dry_run:
        for row in rows:
            row.text, row.user_id = None, "erased"
            session.add(row)
    return len(rows)


feature.personal_data(PersonalData("prompts", _export, _erase, _purge))
