"""The dashboard's calendar lists exactly the posts the scheduler then makes: same instants,
across a spring-forward gap, a series' end, a skipped fire and a pause."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from adapters.web import prompt_calendar as calendar
from bot.kernel.store import aware
from bot.prompts.models import PromptPost, PromptSchedule
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.scheduling
MARCH = date(2026, 3, 1)


def _schedules(community: RecordingConsole) -> list[PromptSchedule]:
    with community.app.store.session() as s:
        rows = s.exec(select(PromptSchedule).order_by(col(PromptSchedule.id))).all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def _listed(view: calendar.View) -> set[tuple[int, datetime]]:
    return {(e.schedule_id or 0, e.local.astimezone(UTC)) for d in view.days for e in d.entries}


async def test_the_month_shown_is_the_month_posted(organizer: RecordingConsole) -> None:
    for line in (
        # 02:30 does not exist in New York on 8 March: the scheduler posts at 03:30 that day.
        '/prompt schedule theme:red-flags channel:#prompts when:"every day 02:30" '
        "timezone:America/New_York",
        '/prompt schedule theme:money-transparency channel:#general when:"every monday 19:00" '
        "timezone:Europe/London weeks:2",
        '/prompt schedule theme:holidays-food-family channel:#prompts when:"every friday 12:00" '
        "timezone:Asia/Tokyo",
        '/prompt schedule theme:boundaries-checkins channel:#general when:"every day 08:00"',
    ):
        assert "Scheduled" in await organizer.type(line)
    await organizer.type("/prompt skip schedule:3", "/prompt pause schedule:4")
    now = organizer.app.clock.now()
    view = calendar.build(_schedules(organizer), "month", MARCH, "Europe/Berlin", now)
    listed = _listed(view)
    assert not [x for x in listed if x[0] == 4]  # paused: nothing to come
    assert len([x for x in listed if x[0] == 2]) == 2  # a two-week series
    await organizer.type("/clock 2026-04-06 00:00")  # the end of the month's last week
    with organizer.app.store.session() as s:
        posted = {
            (p.schedule_id or 0, aware(p.fire_at))
            for p in s.exec(
                select(PromptPost).where(col(PromptPost.status).in_(["queued", "posted"]))
            )
        }
    end = datetime.combine(view.end, time(), ZoneInfo("Europe/Berlin"))
    assert listed == {x for x in posted if x[1] is not None and now <= x[1] < end}
    gap = [at for sid, at in listed if sid == 1 and at.date() == date(2026, 3, 8)]
    assert [at.astimezone(UTC).hour for at in gap] == [7]  # 03:30 EDT
    # Seen afterwards, the same month shows those posts as made, and the skipped one as skipped.
    with organizer.app.store.session() as s:
        history = list(s.exec(select(PromptPost)).all())
        later = organizer.app.clock.now()
        after = calendar.build(
            _schedules(organizer), "month", MARCH, "Europe/Berlin", later, history
        )
    made = {
        (e.schedule_id or 0, e.local.astimezone(UTC))
        for d in after.days
        for e in d.entries
        if e.status in ("queued", "posted")
    }
    assert made == listed
    assert [e.schedule_id for d in after.days for e in d.entries if e.status == "skipped"] == [3]


def test_a_month_is_whole_weeks_from_monday() -> None:
    first, end = calendar.window("month", date(2026, 2, 14))
    assert first == date(2026, 1, 26) and end == date(2026, 3, 2)
    first, end = calendar.window("week", date(2026, 11, 1))
    assert first == date(2026, 10, 26) and end == date(2026, 11, 2)
