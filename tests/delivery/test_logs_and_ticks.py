"""Log redaction by real token shapes (in messages, arguments and tracebacks, never with locals), ticks that never overlap silently, replay pruning on
the tick."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import structlog

from bot.kernel import metrics
from bot.kernel.app import App
from bot.kernel.claims import first_sight, schedule_pruning
from bot.kernel.clock import SimulatedClock
from bot.kernel.logs import RedactingFilter, configure, redact
from bot.kernel.store import Store
from bot.kernel.timers import TickGate

pytestmark = [pytest.mark.delivery]


@pytest.mark.parametrize(
    "text",
    [
        "bot.moderation.listeners failed",
        "bot.kernel.delivery.outbox: entry 12 sent",
        "the bot reconnected to the gateway after a blip",
        "Bot ready as Crossings#0001",
    ],
)
def test_ordinary_text_and_logger_names_survive(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "text, secret",
    [
        (
            "sent with Authorization: Bot MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123",
            "MTIz",
        ),
        ("token xoxb-1234-5678-abcdefABCDEF in use", "xoxb-1234"),
        ("app token xapp-1-A0001-1234-abcdef", "xapp-1"),
        ("header Bearer abcdef0123456789abcdef", "abcdef0123456789"),
        ("GET /oauth?code=x&client_secret=s3cr3tvalue", "s3cr3tvalue"),
        ("raw NzAwMDAwMDAwMDAwMDAwMDAx.Gabcde.abcdefghijklmnopqrstuvwxyz0123456 leaked", "NzAw"),
    ],
)
def test_tokens_are_redacted_by_their_shapes(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned and "[redacted]" in cleaned


def test_a_log_record_keeps_its_logger_name_in_the_message() -> None:
    record = logging.LogRecord(
        "bot.moderation.listeners",
        logging.ERROR,
        __file__,
        1,
        "listener %s failed",
        ("bot.moderation.listeners.watch",),
        None,
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "listener bot.moderation.listeners.watch failed"


async def test_an_overlapping_tick_is_skipped_and_counted() -> None:
    gate = TickGate()
    release = asyncio.Event()
    ran: list[int] = []

    async def slow_tick() -> None:
        ran.append(1)
        await release.wait()

    before = metrics.TICKS_SKIPPED._value.get()
    first = asyncio.create_task(gate.run(slow_tick))
    await asyncio.sleep(0.01)
    assert await gate.run(slow_tick) is False  # the previous tick is still running
    assert await gate.run(slow_tick) is False
    release.set()
    assert await first is True
    assert await gate.run(slow_tick) is True  # free again once it finished
    assert ran == [1, 1]
    assert metrics.TICKS_SKIPPED._value.get() - before == 2


async def test_replay_records_are_pruned_by_the_tick(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/t.db")
    store.create_all()
    clock = SimulatedClock()
    app = App(store, clock=clock)
    schedule_pruning(app)
    schedule_pruning(app)  # once per app, however many adapters ask
    assert [h.name for h in app.tick_hooks].count("replay-pruning") == 1
    assert first_sight(store, "slack-event", "T1:Ev1", clock.now())
    assert not first_sight(store, "slack-event", "T1:Ev1", clock.now())
    await app.tick(clock.now())
    assert not first_sight(store, "slack-event", "T1:Ev1", clock.now())  # still remembered
    clock.set(clock.now() + timedelta(days=2))
    await app.tick(clock.now())
    assert first_sight(store, "slack-event", "T1:Ev1", clock.now())  # forgotten after a day
    store.dispose()


@pytest.mark.parametrize(
    "text, secret",
    [
        ("headers {'Cookie': 'd=abc123session; d-s=1700000000'}", "abc123session"),
        ("Set-Cookie: b=4f9e2c1d7a; Path=/; HttpOnly", "4f9e2c1d7a"),
        ("POST /slack/oauth_redirect?code=1234.5678.abcdef&state=s1", "1234.5678.abcdef"),
        ("oauth.v2.access {'client_id': '1.2', 'code': '99.88.zzqq'}", "99.88.zzqq"),
        ("headers {'Authorization': 'Bearer xoxp-9-8-7-abcdef'}", "xoxp-9"),
    ],
)
def test_cookies_oauth_codes_and_header_dicts_are_redacted(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned and "[redacted]" in cleaned


@pytest.fixture
def configured_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def _fail_with_a_token_in_a_local() -> None:
    headers = {"Authorization": "Bearer xoxb-1111-2222-localsecret"}  # noqa: F841
    words = "a member's words that must stay private"  # noqa: F841
    raise RuntimeError("Session is closed (token=xoxb-1111-2222-messagesecret)")


@pytest.mark.parametrize("json_logs", [False, True], ids=["console", "json"])
def test_a_logged_exception_shows_no_locals_and_no_token(
    configured_logging: None, capsys: pytest.CaptureFixture[str], json_logs: bool
) -> None:
    configure("INFO", json_logs)
    try:
        _fail_with_a_token_in_a_local()
    except RuntimeError:
        logging.getLogger("slack_bolt.test").error(
            "request failed with %s",
            {"Authorization": "Bearer xoxb-3333-4444-argsecret"},
            exc_info=True,
        )
        structlog.get_logger("bot.test").exception("failed", cookie="d=zz99cookievalue")
    err = capsys.readouterr().err
    assert "Session is closed" in err and "_fail_with_a_token_in_a_local" in err  # the traceback
    for secret in ("localsecret", "messagesecret", "argsecret", "zz99cookievalue", "xoxb-"):
        assert secret not in err
    assert "member's words" not in err  # no frame's locals
