"""What waits for a community's moderators: unclaimed crisis alerts of the last week (the
urgent ones counted apart), open cases and open appeals. The overview lists them; every page
of the community shows their total beside the queue's link."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from adapters.web.queue_items import RECENT
from bot.kernel.app import App
from bot.kernel.store.models import Community
from bot.moderation.models import Appeal, ModCase
from bot.safety.models import SafetySignal

OPEN = ("open", "claimed", "escalated")  # a case's states while it is the moderators' work


@dataclass(frozen=True)
class Waiting:
    urgent_alerts: int
    alerts: int
    cases: int
    appeals: int

    @property
    def total(self) -> int:
        return self.urgent_alerts + self.alerts + self.cases + self.appeals


def waiting(app: App, place: Community) -> Waiting:
    """Unclaimed crisis alerts of the last week (urgent apart), open cases, open appeals."""
    now = app.clock.now()
    with Session(app.store.engine) as s:
        levels = s.exec(
            select(SafetySignal.level, func.count(col(SafetySignal.id)))
            .where(
                *SafetySignal.scope(place),
                col(SafetySignal.claimed_by).is_(None),
                col(SafetySignal.updated_at) >= now - RECENT,
            )
            .group_by(col(SafetySignal.level))
        ).all()
        cases = s.exec(
            select(func.count(col(ModCase.id))).where(
                *ModCase.scope(place), col(ModCase.status).in_(OPEN)
            )
        ).one()
        appeals = s.exec(
            select(func.count(col(Appeal.id)))
            .join(ModCase, col(ModCase.id) == col(Appeal.case_id))
            .where(*ModCase.scope(place), Appeal.status == "open")
        ).one()
    by_level = {level: int(n) for level, n in levels}
    urgent = by_level.pop("urgent", 0)
    return Waiting(urgent, sum(by_level.values()), int(cases), int(appeals))


def fingerprint(app: App, place: Community) -> str:
    """What is in the queue now (alerts, cases and their status, appeals), as a short digest:
    an open queue page compares it with the one it was drawn from."""
    now = app.clock.now()
    with Session(app.store.engine) as s:
        alerts = s.exec(
            select(SafetySignal.id).where(
                *SafetySignal.scope(place),
                col(SafetySignal.claimed_by).is_(None),
                col(SafetySignal.updated_at) >= now - RECENT,
            )
        ).all()
        cases = s.exec(
            select(ModCase.number, ModCase.status, ModCase.claimed_by).where(
                *ModCase.scope(place), col(ModCase.status).in_(OPEN)
            )
        ).all()
        appeals = s.exec(
            select(Appeal.id)
            .join(ModCase, col(ModCase.id) == col(Appeal.case_id))
            .where(*ModCase.scope(place), Appeal.status == "open")
        ).all()
    seen = sorted(f"a{a}" for a in alerts) + sorted(f"c{c}" for c in cases)
    seen += sorted(f"p{p}" for p in appeals)
    return hashlib.sha256("|".join(seen).encode()).hexdigest()[:16]
