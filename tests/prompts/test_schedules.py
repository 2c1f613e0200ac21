"""Prompts through the console community: commands, rotation, catch-up, crashes, 429s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from adapters.console.platform import ConsolePlatform
from bot.kernel import actions as a
from bot.kernel.clock import SimulatedClock
from bot.kernel.store import Store
from bot.kernel.store.models import OutboxEntry
from bot.prompts.models import PromptPost, PromptSchedule
from crossings import build_app
from crossings.settings import Settings
from tests.conftest import RecordingConsole
from tests.prompts.conftest import prompt_posts

pytestmark = pytest.mark.scheduling

WEEKLY = 'when:"every monday 19:00" timezone:UTC'


async def test_schedule_posts_with_a_thread_and_follow_ups(organizer: RecordingConsole) -> None:
    out = await organizer.type(
        f"/prompt schedule theme:everyday-miscommunication channel:#prompts {WEEKLY}"
    )
    assert "Scheduled #1" in out and "Mon 02 Mar 2026 19:00" in out
    assert prompt_posts(organizer) == []
    await organizer.type("/clock 2026-03-02 19:00")
    posts = prompt_posts(organizer)
    assert len(posts) == 1 and "Everyday miscommunication" in posts[0]
    threads = organizer.platform.threads
    assert len(threads) == 1  # answers go in a thread
    with organizer.app.store.session() as s:
        post = s.exec(select(PromptPost)).one()
        assert post.status == "posted" and post.thread_id == next(iter(threads))


async def test_rotation_never_repeats_until_the_theme_is_exhausted(
    organizer: RecordingConsole,
) -> None:
    await organizer.type('/prompt schedule theme:red-flags channel:#prompts when:"every day 09:00"')
    await organizer.type("/clock +8d")
    posts = prompt_posts(organizer)
    assert len(posts) == 8
    assert len(set(posts)) == 8  # all eight prompts of the theme, each once
    await organizer.type("/clock +1d")
    ninth = prompt_posts(organizer)[-1]
    assert ninth != posts[-1]  # a new cycle never starts with the prompt just posted


async def test_rotation_is_per_channel(organizer: RecordingConsole) -> None:
    await organizer.type('/prompt schedule theme:red-flags channel:#prompts when:"every day 09:00"')
    await organizer.type('/prompt schedule theme:red-flags channel:#general when:"every day 09:00"')
    await organizer.type("/clock +3d")
    assert len(set(prompt_posts(organizer, "prompts"))) == 3
    assert len(set(prompt_posts(organizer, "general"))) == 3


async def test_a_series_ends_after_its_weeks(organizer: RecordingConsole) -> None:
    await organizer.type(
        f"/prompt schedule theme:holidays-food-family channel:#prompts {WEEKLY} weeks:2"
    )
    await organizer.type("/clock +30d")
    assert len(prompt_posts(organizer)) == 2
    out = await organizer.type("/prompt list")
    assert "No prompt schedules" in out


async def test_preview_matches_what_is_posted(organizer: RecordingConsole) -> None:
    await organizer.type(f"/prompt schedule theme:money-transparency channel:#prompts {WEEKLY}")
    preview = await organizer.type("/prompt preview schedule:1 count:3")
    ids = [line.split("· ")[1].split()[0] for line in preview.splitlines() if "UTC ·" in line]
    assert len(ids) == 3
    await organizer.type("/clock +15d")
    with organizer.app.store.session() as s:
        posted = [p.prompt_id for p in s.exec(select(PromptPost).order_by(PromptPost.fire_at))]
    assert posted == ids


async def test_pin_skip_pause_resume_edit_delete(organizer: RecordingConsole) -> None:
    await organizer.type(f"/prompt schedule theme:money-transparency channel:#prompts {WEEKLY}")
    assert "will be the next prompt" in await organizer.type(
        "/prompt pin schedule:1 prompt:money-05"
    )
    assert "Did you mean 'money-05'" in await organizer.type(
        "/prompt pin schedule:1 prompt:money-5"
    )
    await organizer.type("/clock 2026-03-02 19:00")
    with organizer.app.store.session() as s:
        assert s.exec(select(PromptPost)).one().prompt_id == "money-05"

    out = await organizer.type("/prompt skip schedule:1")
    assert "will skip Mon 09 Mar 2026" in out and "Next post: Mon 16 Mar 2026" in out
    await organizer.type("/clock 2026-03-10 00:00")
    assert len(prompt_posts(organizer)) == 1

    assert "paused" in await organizer.type("/prompt pause schedule:1")
    await organizer.type("/clock 2026-03-24 00:00")
    assert len(prompt_posts(organizer)) == 1  # nothing while paused
    assert "Next post: Mon 30 Mar 2026" in await organizer.type("/prompt resume schedule:1")

    out = await organizer.type('/prompt edit schedule:1 when:"every tuesday 08:00"')
    assert "Next post: Tue 24 Mar 2026 08:00" in out
    assert "Tell me what to change" in await organizer.type("/prompt edit schedule:1")
    assert "deleted" in await organizer.type("/prompt delete schedule:1")
    assert "no schedule #1" in await organizer.type("/prompt pause schedule:1")


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (f"/prompt schedule theme:red-flag channel:#prompts {WEEKLY}", "Did you mean 'red-flags'"),
        (
            '/prompt schedule theme:red-flags channel:#prompts when:"every monday 19:00" timezone:Europe/Berln',
            "did you mean Europe/Berlin",
        ),
        ('/prompt schedule theme:red-flags channel:#prompts when:"soonish"', "Try: every monday"),
        (
            '/prompt schedule theme:red-flags channel:#prompts when:"2020-01-01 10:00"',
            "in the past",
        ),
        (f"/prompt schedule theme:red-flags channel:#prompts {WEEKLY} weeks:99", "weeks"),
        ("/prompt preview schedule:7", "no schedule #7"),
        ("/prompt add theme:red-flags text:short", "at least 10"),
    ],
)
async def test_command_errors_are_private_and_precise(
    organizer: RecordingConsole, line: str, error: str
) -> None:
    out = await organizer.type(line)
    assert error in out
    assert "only Lucia sees this" in out
    with organizer.app.store.session() as s:
        assert s.exec(select(PromptSchedule)).all() == []


async def test_members_cannot_schedule(community: RecordingConsole) -> None:
    await community.type("/as Amira")
    out = await community.type(f"/prompt schedule theme:red-flags channel:#prompts {WEEKLY}")
    assert "Only organizers" in out


async def test_post_now_add_and_stats(organizer: RecordingConsole) -> None:
    out = await organizer.type(
        '/prompt add theme:boundaries-checkins text:"What does a good check-in sound like in your home?"'
    )
    assert "Added own-001" in out
    await organizer.type("/prompt pin schedule:1 prompt:own-001")  # no schedule: an error only
    await organizer.type("/prompt post-now theme:boundaries-checkins channel:#prompts")
    assert len(prompt_posts(organizer)) == 1
    await organizer.type("/in ^", "/as Amira", "We do Sunday walks.", "/as Kenji", "Tea at 9.")
    await organizer.type("/as Amira", "And a text on Wednesdays.")
    await organizer.type("/as Lucia organizer")
    stats = await organizer.type("/prompt stats")
    assert "3 replies from 2 member(s)" in stats


async def test_suggestions_flag_near_duplicates_and_approval_adds_the_prompt(
    community: RecordingConsole,
) -> None:
    await community.type("/as Amira")
    near = "What is a misunderstanding between you and your partner you can laugh about now?"
    assert "Thank you" in await community.type(
        f'/prompt suggest theme:everyday-miscommunication text:"{near}"'
    )
    await community.type(
        '/prompt suggest theme:red-flags text:"How do you explain your boundaries to in-laws?"'
    )
    await community.type("/as Lucia organizer")
    out = await community.type("/prompt suggestions")
    assert "Similar to the existing prompt miscomm-01" in out
    await community.type("/click Approve")  # the newest: the in-laws question
    out = await community.type("/prompt suggestions")
    assert "in-laws" not in out and "misunderstanding" in out
    with community.app.store.session() as s:
        from bot.prompts.models import CustomPrompt

        assert [c.theme for c in s.exec(select(CustomPrompt))] == ["red-flags"]
    dms = [m.text for m in community.platform.messages.values() if m.channel == "@amira"]
    assert any("was approved" in t for t in dms)


async def test_import_is_all_or_nothing_with_line_numbers(organizer: RecordingConsole) -> None:
    await organizer.type("/prompt import")
    bad = "theme: red-flags\\ntitle: {en: Red flags}\\nprompts:\\n  - id: mine-01\\n    text: {fr: Bonjour}"
    out = await organizer.type(f'/submit pack:"{bad}"')
    assert "Nothing was imported" in out and "pasted pack:5" in out


async def test_content_notes_come_before_sensitive_prompts(organizer: RecordingConsole) -> None:
    await organizer.type("/prompt post-now theme:red-flags channel:#prompts")
    assert prompt_posts(organizer)[0].count("Content note:") == 1


# --- exactly once, restarts, platform errors -----------------------------------------------


def new_process(store: Store, clock: SimulatedClock, grace_minutes: int = 60) -> RecordingConsole:
    settings = Settings(database_url=store.url, scheduler={"catch_up_grace_minutes": grace_minutes})
    return RecordingConsole(build_app(store, settings, clock))


async def test_restart_posts_runs_missed_within_the_grace_once(
    any_store: Store, clock: SimulatedClock
) -> None:
    store = any_store
    first = new_process(store, clock)
    await first.type("/as Lucia organizer")
    await first.type(f"/prompt schedule theme:red-flags channel:#prompts {WEEKLY}")
    # The bot is down at 19:00 and comes back at 19:40: the post goes out once.
    clock.set(datetime(2026, 3, 2, 19, 40, tzinfo=UTC))
    second = new_process(store, clock)
    await second.app.tick()
    await second.app.tick()
    assert len(prompt_posts(second)) == 1


async def test_restart_beyond_the_grace_records_missed_and_tells_the_organizer(
    any_store: Store, clock: SimulatedClock
) -> None:
    store = any_store
    first = new_process(store, clock)
    await first.type("/as Lucia organizer")
    await first.type(f"/prompt schedule theme:red-flags channel:#prompts {WEEKLY}")
    clock.set(datetime(2026, 3, 2, 22, 0, tzinfo=UTC))  # three hours late
    second = new_process(store, clock)
    await second.app.tick()
    assert prompt_posts(second) == []
    dms = [m.text for m in second.platform.messages.values() if m.channel == "@lucia"]
    assert any("could not post 1 time" in t for t in dms)
    with store.session() as s:
        post = s.exec(select(PromptPost)).one()
        assert post.status == "missed"
        schedule = s.exec(select(PromptSchedule)).one()
        assert schedule.next_fire_at is not None and schedule.next_fire_at.day == 9


async def test_a_crash_between_claim_and_send_still_posts_once(
    any_store: Store, clock: SimulatedClock
) -> None:
    store = any_store
    first = new_process(store, clock)
    await first.type("/as Lucia organizer")
    await first.type(f"/prompt schedule theme:red-flags channel:#prompts {WEEKLY}")
    clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    # The claim and the outbox entry commit; the process dies before delivering anything.
    from bot.prompts import tick

    await tick.run_due(first.app, clock.now())
    assert prompt_posts(first) == []
    clock.advance(timedelta(minutes=2))  # past the dead process's lease
    second = new_process(store, clock)
    await second.app.tick()
    await second.app.tick()
    assert len(prompt_posts(second)) == 1
    with store.session() as s:
        assert len(s.exec(select(PromptPost)).all()) == 1


class FlakyConsole(ConsolePlatform):
    """The console platform, answering 429 to the first posts."""

    def __init__(self, community: RecordingConsole, failures: int) -> None:
        self.inner = community.platform
        self.failures = failures

    async def execute(self, action: a.Action) -> a.ActionResult:
        if isinstance(action, a.Post) and self.failures > 0:
            self.failures -= 1
            return a.ActionResult.failed("429 Too Many Requests", retryable=True, retry_after=30)
        return await self.inner.execute(action)

    async def fetch_member(self, community: str, user_id: str) -> object:
        return await self.inner.fetch_member(community, user_id)

    def __getattr__(self, name: str) -> object:  # name lookups etc. go to the real console
        return getattr(self.inner, name)


async def test_a_429_delays_the_post_but_never_loses_it(organizer: RecordingConsole) -> None:
    app = organizer.app
    app.add_platform(FlakyConsole(organizer, failures=2))  # type: ignore[arg-type]
    await organizer.type(f"/prompt schedule theme:red-flags channel:#prompts {WEEKLY}")
    await app.advance_to(datetime(2026, 3, 2, 19, 0, 5, tzinfo=UTC))
    assert prompt_posts(organizer) == []
    with app.store.session() as s:
        entry = s.exec(select(OutboxEntry).where(OutboxEntry.kind == "prompt.post")).one()
        assert entry.status == "pending" and entry.attempts >= 1
    await app.advance_to(datetime(2026, 3, 2, 19, 10, tzinfo=UTC))
    assert len(prompt_posts(organizer)) == 1
