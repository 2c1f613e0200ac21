"""What moderation keeps about a member, and the retention purge of closed cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_
from sqlmodel import Session, col, select

from bot.kernel.config import Settings
from bot.kernel.personal import PersonalData, Subject
from bot.moderation.feature import config, feature
from bot.moderation.models import Appeal, ModCase, ReportDraft
from bot.privacy.feature import config as privacy


def _mine(who: Subject) -> Any:
    return and_(*ModCase.scope(who))


def _export(session: Session, who: Subject) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for case in session.exec(select(ModCase).where(_mine(who), ModCase.reporter_id == who.user_id)):
        out.append(
            {
                "type": "report_filed",
                "case": case.number,
                "reason": case.reason,
                "details": case.details,
                "created_at": case.created_at.isoformat(),
            }
        )
    for case in session.exec(
        select(ModCase).where(
            _mine(who),
            ModCase.target_id == who.user_id,
            col(ModCase.kind).in_(["warn", "timeout", "kick", "ban", "automod"]),
        )
    ):
        out.append(
            {
                "type": f"moderation_{case.kind}",
                "case": case.number,
                "reason": case.details,
                "created_at": case.created_at.isoformat(),
            }
        )
    for ap in session.exec(select(Appeal).where(Appeal.user_id == who.user_id)):
        out.append({"type": "appeal", "case_id": ap.case_id, "text": ap.text, "status": ap.status})
    return out


def _erase(session: Session, who: Subject) -> int:
    """Reports they wrote lose their text and their name; excerpts of their own messages go.
    Case numbers, kinds, outcomes and times stay (pseudonymous safety record)."""
    touched = 0
    for case in session.exec(select(ModCase).where(_mine(who), ModCase.reporter_id == who.user_id)):
        case.details, case.reporter_id = None, None
        session.add(case)
        touched += 1
    for case in session.exec(select(ModCase).where(_mine(who), ModCase.target_id == who.user_id)):
        case.excerpt = None
        session.add(case)
        touched += 1
    for ap in session.exec(select(Appeal).where(Appeal.user_id == who.user_id)):
        ap.text = None
        session.add(ap)
        touched += 1
    for d in session.exec(select(ReportDraft).where(ReportDraft.reporter_id == who.user_id)):
        session.delete(d)
        touched += 1
    return touched


def _purge(session: Session, now: datetime, dry_run: bool, settings: Settings) -> int:
    """Closed cases lose their free text after `moderation.retention_days`; reports a member
    started and never sent go after `privacy.retention_days`."""
    cutoff = now - timedelta(days=config.of(settings).retention_days)
    rows = session.exec(
        select(ModCase).where(
            col(ModCase.closed_at) < cutoff,
            (col(ModCase.details).is_not(None)) | (col(ModCase.excerpt).is_not(None)),
        )
    ).all()
    draft_cutoff = now - timedelta(days=privacy.of(settings).retention_days)
    drafts = session.exec(
        select(ReportDraft).where(col(ReportDraft.created_at) < draft_cutoff)
    ).all()
    if not dry_run:
        for case in rows:
            case.details, case.excerpt = None, None
            session.add(case)
        for draft in drafts:
            session.delete(draft)
    return len(rows) + len(drafts)


feature.personal_data(PersonalData("moderation", _export, _erase, _purge))
