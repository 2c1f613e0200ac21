"""Pacing (bot.kernel.pacing): the limiter keeps each channel's and the platform's rate, books slots
in order, lets a 429 hold back only its own channel; lanes name what must stay in order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.kernel import actions as a
from bot.kernel import codec
from bot.kernel.events import Place
from bot.kernel.message import Message
from bot.kernel.pacing import (
    Limiter,
    Limits,
    Rate,
    lane_of,
    lane_of_payload,
    posts_a_message,
)

pytestmark = pytest.mark.delivery

DISCORD = Limits(per_channel=Rate(5, 5.0), overall=Rate(50, 1.0))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def send_times(limiter: Limiter, clock: Clock, lane: str, n: int, limits: Limits) -> list[float]:
    """When n sends booked one after another would go out."""
    times = []
    for _ in range(n):
        wait = limiter.reserve("discord", lane, limits)
        assert wait is not None
        times.append(clock.now + wait)
    return times


def test_a_channel_takes_five_messages_in_any_five_seconds() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    times = send_times(limiter, clock, "ch:1", 12, DISCORD)
    assert times[:5] == [100.0] * 5
    assert times[5:10] == [105.0] * 5
    assert times[10:] == [110.0, 110.0]
    for i in range(len(times)):  # no window of 5 s holds more than 5
        assert sum(1 for t in times if times[i] <= t < times[i] + 5.0) <= 5


def test_the_overall_rate_spans_channels_and_other_channels_are_not_held_back() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    waits = [limiter.reserve("discord", f"ch:{i}", DISCORD) for i in range(60)]
    assert waits[:50] == [0.0] * 50
    assert waits[50:] == [1.0] * 10  # the 51st request waits for the second to turn
    # Each channel had one message: after the overall window, a new channel goes at once.
    clock.now += 1.0
    assert limiter.reserve("discord", "ch:fresh", DISCORD) == 0.0


def test_a_slot_too_far_away_is_not_booked() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    send_times(limiter, clock, "ch:1", 5, DISCORD)
    assert limiter.reserve("discord", "ch:1", DISCORD, max_wait=2.0) is None
    assert limiter.wait_for("discord", "ch:1", DISCORD) == 5.0
    # Nothing was booked for the refused send: the overall bucket is not held up by it.
    assert limiter.reserve("discord", "ch:2", DISCORD, max_wait=2.0) == 0.0


def test_a_429_holds_back_only_its_own_channel() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    limiter.block("discord", "ch:busy", 30.0, DISCORD)
    assert limiter.reserve("discord", "ch:busy", DISCORD) == 30.0
    assert limiter.reserve("discord", "ch:quiet", DISCORD) == 0.0
    slack = Limits(per_channel=Rate(1, 1.0))
    limiter.block("slack", "ch:C1", 4.0, slack)
    clock.now += 4.0
    assert limiter.reserve("slack", "ch:C1", slack) == 0.0
    assert limiter.reserve("slack", "ch:C1", slack) == 1.0


def test_no_limits_never_waits_and_idle_buckets_are_forgotten() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    assert all(limiter.reserve("bench", f"ch:{i % 3}", Limits()) == 0.0 for i in range(1000))
    send_times(limiter, clock, "ch:1", 3, DISCORD)
    assert len(limiter) == 2
    clock.now += 3600
    limiter.forget_idle(older_than=600)
    assert len(limiter) == 0


def test_capacity_counts_what_the_overall_rate_allows_soon() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    assert limiter.capacity("slack", Limits(per_channel=Rate(1, 1.0)), 2.0) is None
    assert limiter.capacity("discord", DISCORD, 2.0) == 150
    send_times(limiter, clock, "ch:1", 5, DISCORD)
    assert limiter.capacity("discord", DISCORD, 2.0) == 145


def test_rates_and_limits_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        Rate(0, 1.0)
    with pytest.raises(ValueError):
        Rate(5, 0)
    with pytest.raises(ValueError):
        Limits(concurrency=0)


PLACE = Place("discord", "g1", "c1")
ACTIONS = [
    a.Post(PLACE, Message(text="hi")),
    a.Post(PLACE.in_thread("t9"), Message(text="in a thread")),
    a.SendPrivate(PLACE, "u7", Message(text="a DM")),
    a.PublishHome(Place("slack", "T1"), "U2", Message(text="home")),
    a.TimeoutMember(Place("discord", "g1"), "u8", datetime(2026, 1, 1, tzinfo=UTC)),
    a.DeleteMessage(PLACE, "m1"),
    a.EditMessage(Place("discord", "g1"), "m2", Message(text="edit")),
]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda x: type(x).__name__)
def test_a_stored_action_has_the_lane_of_the_action(action: a.Action) -> None:
    assert lane_of_payload(codec.dumps(action)) == lane_of(action)


def test_lanes_are_the_channel_the_thread_or_the_members_dms() -> None:
    assert [lane_of(x) for x in ACTIONS] == [
        "ch:c1",
        "ch:t9",
        "dm:u7",
        "dm:U2",
        "member:u8",
        "ch:c1",
        "",
    ]
    assert lane_of_payload("not json") == ""


def test_a_channel_waiting_for_its_window_does_not_hold_up_the_others() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    send_times(limiter, clock, "ch:busy", 5, DISCORD)
    assert limiter.reserve("discord", "ch:busy", DISCORD) == 5.0  # booked for 105
    assert limiter.reserve("discord", "ch:other", DISCORD) == 0.0


def within_rate(times: list[float], rate: Rate) -> bool:
    times = sorted(times)
    return all(
        times[i + rate.count] - times[i] >= rate.per - 1e-9 for i in range(len(times) - rate.count)
    )


@pytest.mark.parametrize("seed", range(5))
def test_random_traffic_keeps_every_window(seed: int) -> None:
    """Bookings over a few channels at random moments: per channel and overall, no window
    ever holds more than its rate (seeded, so a failure can be replayed)."""
    import random

    rng = random.Random(seed)
    limits = Limits(per_channel=Rate(3, 1.0), overall=Rate(5, 0.5))
    clock = Clock()
    limiter = Limiter(clock)
    booked: dict[str, list[float]] = {}
    for _ in range(300):
        clock.now += rng.choice([0.0, 0.0, 0.01, 0.1, 0.3])
        lane = f"ch:{rng.randrange(4)}"
        wait = limiter.reserve("p", lane, limits, max_wait=rng.choice([0.5, 2.0, 10.0]))
        if wait is not None:
            booked.setdefault(lane, []).append(clock.now + wait)
    assert all(within_rate(times, Rate(3, 1.0)) for times in booked.values())
    assert within_rate([t for times in booked.values() for t in times], Rate(5, 0.5))
    assert sum(len(t) for t in booked.values()) > 100  # most were booked, not refused


SLACK = Limits(per_channel=Rate(1, 1.0))


def test_only_new_messages_count_toward_a_channels_rate() -> None:
    """Slack's one a second and Discord's five in five are about posting: updating the queue
    card right after it was posted goes at once, a second post waits its turn."""
    clock = Clock()
    limiter = Limiter(clock)
    assert limiter.reserve("slack", "ch:C1", SLACK) == 0.0
    assert limiter.reserve("slack", "ch:C1", SLACK, channel=False) == 0.0
    assert limiter.reserve("slack", "ch:C1", SLACK) == 1.0


def test_posts_a_message_reads_the_stored_action() -> None:
    place = Place("slack", "T1", channel="C1")
    post = codec.loads(codec.dumps(a.Post(place, Message("hi"))))
    edit = codec.loads(codec.dumps(a.EditMessage(place, "1.0", Message("hi again"))))
    assert posts_a_message(post) and not posts_a_message(edit)


def test_a_send_of_several_requests_books_each_in_the_overall_rate() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    limits = Limits(overall=Rate(4, 1.0))
    assert limiter.reserve("discord", "ch:1", limits, cost=3) == 0.0
    # Three of the four slots of this second are taken: one more fits, then the next second.
    assert limiter.reserve("discord", "ch:2", limits) == 0.0
    assert limiter.reserve("discord", "ch:3", limits) == pytest.approx(1.0)


def test_a_global_429_holds_every_lane_and_a_kinds_rate_is_per_community() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    limiter.block_overall("discord", 3.0)
    assert limiter.reserve("discord", "ch:9", DISCORD) == pytest.approx(3.0)
    tiered = Limits(per_kind=(("EditMessage", Rate(2, 60.0)),))
    waits = [
        limiter.reserve("slack", f"ch:{i}", tiered, kind="EditMessage", community="T1")
        for i in range(3)
    ]
    assert waits[:2] == [0.0, 0.0] and waits[2] == pytest.approx(60.0)
    assert limiter.reserve("slack", "ch:1", tiered, kind="EditMessage", community="T2") == 0.0
    assert limiter.reserve("slack", "ch:1", tiered, kind="Post", community="T1") == 0.0
