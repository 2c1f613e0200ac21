"""A community's moderation settings (the queue channel, whether moderators see reporters),
read and changed by the queue, the crisis pathway, `/settings` and the dashboard."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.kernel.store.models import Community
from bot.moderation.models import ModerationPrefs


def of(session: Session, community: Community) -> ModerationPrefs:
    """The community's row, or the defaults (not stored) when it has none yet."""
    row = session.exec(ModerationPrefs.of(community)).first()
    return row or ModerationPrefs(platform=community.platform, community_id=community.community_id)


def queue_channel(session: Session, community: Community) -> str | None:
    return of(session, community).queue_channel


def update(session: Session, community: Community, **values: Any) -> ModerationPrefs:
    """Change some settings, creating the row on first use (once, across processes)."""
    row = of(session, community)
    for name, value in values.items():
        setattr(row, name, value)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another process created it meanwhile: change theirs
        row = session.exec(ModerationPrefs.of(community)).one()
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
    return row
