"""Schedule rules and DST: a 02:30 schedule posts exactly once on the days clocks change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.kernel.commands import CommandError
from bot.prompts.timing import next_fires, parse_rule

pytestmark = pytest.mark.scheduling


@pytest.mark.parametrize(
    ("text", "cron"),
    [
        ("every monday 19:00", "0 19 * * 1"),
        ("Every Mon, Thu 7pm", "0 19 * * 1,4"),
        ("every day 9:30", "30 9 * * *"),
        ("daily at 8am", "0 8 * * *"),
        ("every weekday 08:15", "15 8 * * 1-5"),
        ("first sunday of the month 10:00", "0 10 * * 0#1"),
        ("last friday of the month 18:00", "0 18 * * L5"),
        ("0 19 * * 1", "0 19 * * 1"),
    ],
)
def test_friendly_rules(text: str, cron: str) -> None:
    assert parse_rule(text).cron == cron


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("every funday 19:00", "'funday' is not a day"),
        ("every monday 25:00", "not a time of day"),
        ("2026-02-30 10:00", "not a real date"),
        ("whenever you like", "Try: every monday 19:00"),
        ("every monday 13pm", "not a time"),
    ],
)
def test_unreadable_rules_explain_themselves(text: str, fragment: str) -> None:
    with pytest.raises(CommandError) as err:
        parse_rule(text)
    assert fragment in err.value.message


def test_first_sunday_of_the_month() -> None:
    fires = next_fires(
        parse_rule("first sunday of the month 10:00"),
        ZoneInfo("Europe/Madrid"),
        datetime(2026, 1, 1, tzinfo=UTC),
        3,
    )
    local = [f.astimezone(ZoneInfo("Europe/Madrid")) for f in fires]
    assert [d.date() for d in local] == [date(2026, 1, 4), date(2026, 2, 1), date(2026, 3, 1)]
    assert all(d.hour == 10 for d in local)


# (zone, spring-forward day, fall-back day) in 2026
DST_DAYS = [
    ("Europe/Berlin", date(2026, 3, 29), date(2026, 10, 25)),
    ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
]


@pytest.mark.parametrize(("zone_name", "spring", "autumn"), DST_DAYS)
def test_a_0230_schedule_posts_once_on_both_dst_days(
    zone_name: str, spring: date, autumn: date
) -> None:
    zone = ZoneInfo(zone_name)
    rule = parse_rule("every day 02:30")
    for day in (spring, autumn):
        start = datetime(day.year, day.month, day.day, tzinfo=zone) - timedelta(days=2)
        fires = next_fires(rule, zone, start.astimezone(UTC), 6)
        on_day = [f for f in fires if f.astimezone(zone).date() == day]
        assert len(on_day) == 1, (day, on_day)
        local = on_day[0].astimezone(zone)
        if day == spring:
            # 02:30 does not exist: it posts at 03:30, just after the jump.
            assert (local.hour, local.minute) == (3, 30)
        else:
            # 02:30 happens twice: it posts at the first one (summer time).
            assert (local.hour, local.minute, local.fold) == (2, 30, 0)
            assert local.utcoffset() == max(
                on_day[0].astimezone(zone).utcoffset() or timedelta(0), local.utcoffset()
            )
        # And the days around keep their 02:30.
        others = [f.astimezone(zone) for f in fires if f.astimezone(zone).date() != day]
        assert all((o.hour, o.minute) == (2, 30) for o in others)
        assert len({f.astimezone(zone).date() for f in fires}) == len(fires)


def test_fall_back_first_occurrence_is_summer_time() -> None:
    zone = ZoneInfo("Europe/Berlin")
    fires = next_fires(
        parse_rule("every day 02:30"), zone, datetime(2026, 10, 24, 12, tzinfo=UTC), 1
    )
    assert fires[0] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST


def test_a_one_off_in_the_past_never_fires() -> None:
    rule = parse_rule("2026-03-01 10:00")
    assert next_fires(rule, ZoneInfo("UTC"), datetime(2026, 3, 2, tzinfo=UTC)) == []
    assert next_fires(rule, ZoneInfo("UTC"), datetime(2026, 2, 1, tzinfo=UTC)) == [
        datetime(2026, 3, 1, 10, tzinfo=UTC)
    ]
