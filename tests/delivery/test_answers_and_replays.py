"""Answers within the deadline, every inbound event handled once, requests Slack never sends
refused with a 4xx, and the DM crisis button reaching the moderators."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.kernel.claims import prune_replays
from bot.kernel.store.models import Claim
from tests.emulators.discord.harness import DiscordCommunity, discord_community
from tests.emulators.discord.server import OWNER_ID
from tests.emulators.slack.harness import SlackWorkspace, slack_workspace
from tests.emulators.slack.server import TEAM_ID, SlackEmulator

pytestmark = [pytest.mark.delivery, pytest.mark.e2e]

DEADLINE = 3.0
REPORT = "report <@USAM|sam> harassment"


@pytest.fixture
async def dc(tmp_path: Path) -> AsyncIterator[DiscordCommunity]:
    async with discord_community(tmp_path) as community:
        community.member("111", "Amira")
        community.member("222", "Sam")
        community.member("333", "Noor", ("Moderators",))
        queue = community.emulator.channel_id("moderators")
        it = await community.emulator.slash(
            OWNER_ID,
            queue,
            "settings",
            [
                {
                    "type": 1,
                    "name": "queue",
                    "options": [{"type": 7, "name": "channel", "value": queue}],
                }
            ],
        )
        await community.answered(it)
        yield community


async def slack(tmp_path: Path, mode: str = "http") -> AsyncIterator[SlackWorkspace]:
    async with slack_workspace(tmp_path, mode) as ws:
        for uid, name in (("UAMIRA", "Amira"), ("USAM", "Sam"), ("UNOOR", "Noor")):
            ws.emulator.add_user(uid, name)
        await ws.command("UADMIN", "settings queue channel:<#C0MODS|moderators>")
        await ws.command("UADMIN", "settings role moderators user:UNOOR")
        await ws.settle(lambda: len(ws.emulator.ephemerals) >= 2)
        yield ws


@pytest.fixture
async def sl(tmp_path: Path) -> AsyncIterator[SlackWorkspace]:
    async for ws in slack(tmp_path):
        yield ws


def warn(member: str, reason: str) -> list[dict]:
    options = [
        {"type": 6, "name": "member", "value": member},
        {"type": 3, "name": "reason", "value": reason},
    ]
    return [{"type": 1, "name": "warn", "options": options}]


# --- Discord ---------------------------------------------------------------------------------


async def test_discord_warn_is_answered_in_time_while_dms_fail(dc: DiscordCommunity) -> None:
    em = dc.emulator
    em.dm_failures = 3  # discord.py waits 1 + 3 + 5 s, retrying inside its own loop
    it = await em.slash("333", em.channel_id("general"), "mod", warn("222", "be kind"))
    await dc.settle(lambda: it.answered, timeout=DEADLINE)
    assert it.answered_at is not None and it.answered_at - it.created < DEADLINE
    await dc.settle(lambda: em.dm_messages("222"), timeout=20)
    await asyncio.sleep(0.5)
    await dc.settle()
    assert len(em.dm_messages("222")) == 1  # the warning arrives once


async def test_discord_interaction_delivered_twice_is_handled_once(dc: DiscordCommunity) -> None:
    em = dc.emulator
    it = await em.slash("333", em.channel_id("general"), "mod", warn("222", "be gentle"))
    await dc.answered(it)
    await em.redeliver(it)
    await dc.settle()
    await asyncio.sleep(0.3)
    await dc.settle()
    assert len(em.dm_messages("222")) == 1
    bad = [r for r in em.requests if r.path.startswith("/interactions/") and r.status >= 400]
    assert bad == []  # the copy was not answered a second time


async def test_discord_dm_talk_button_reaches_the_queue(dc: DiscordCommunity) -> None:
    em = dc.emulator
    queue = em.channel_id("moderators")
    await em.post("111", em.channel_id("general"), "I want to kill myself tonight")
    await dc.settle(lambda: em.dm_messages("111") and em.in_channel(queue))
    before = len(em.in_channel(queue))
    dm = em.dm_messages("111")[0]
    button = dm["components"][0]["components"][0]
    it = await em.click("111", dm, button["custom_id"])
    await dc.answered(it)
    await dc.settle(lambda: len(em.in_channel(queue)) > before)
    card = em.in_channel(queue)[-1]
    assert "talk" in json.dumps(card["embeds"]).lower()


# --- Slack -----------------------------------------------------------------------------------


def report_cards(em: SlackEmulator) -> list[dict[str, Any]]:
    """Report cards in the queue (the crisis pathway may add its own card for the same DM)."""
    return [m for m in em.posted("C0MODS") if "may need support" not in (m.get("text") or "")]


async def test_slack_retried_dm_report_files_one_card(sl: SlackWorkspace) -> None:
    em = sl.emulator
    payload = em.message_event("UAMIRA", "DUAMIRA", "Someone keeps asking me for money")
    first = await em.deliver_http(sl.url, "events_api", payload)
    await asyncio.sleep(1.1)  # a new timestamp: a new signature, the same event_id
    retry = await em.deliver_http(sl.url, "events_api", payload, retry=1)
    assert first[0] == 200 and retry[0] == 200
    await sl.settle(lambda: em.posted("C0MODS"))
    await asyncio.sleep(0.3)
    await sl.settle(lambda: True)
    assert len(report_cards(em)) == 1


async def test_slack_retried_automod_hit_is_handled_once(sl: SlackWorkspace) -> None:
    em = sl.emulator
    payload = em.message_event("USAM", "C0GENERAL", "go back to your country")
    await em.deliver_http(sl.url, "events_api", payload)
    await asyncio.sleep(1.1)
    await em.deliver_http(sl.url, "events_api", payload, retry=1)
    await em.deliver_http(sl.url, "events_api", payload, retry=2)
    await sl.settle(lambda: em.posted("C0MODS"))
    await asyncio.sleep(0.3)
    await sl.settle(lambda: True)
    assert len(report_cards(em)) == 1
    assert len(em.called("chat.delete")) == 1


@pytest.fixture
async def sock(tmp_path: Path) -> AsyncIterator[SlackWorkspace]:
    async for ws in slack(tmp_path, "socket"):
        yield ws


async def test_socket_mode_retries_are_handled_once(sock: SlackWorkspace) -> None:
    em = sock.emulator
    payload = em.message_event("UAMIRA", "DUAMIRA", "Someone keeps asking me for money")
    await sock.send("events_api", payload)
    await sock.send("events_api", payload)  # Slack's retry: same event_id, a new envelope
    await sock.settle(lambda: em.posted("C0MODS"))
    await asyncio.sleep(0.3)
    await sock.settle(lambda: True)
    assert len(report_cards(em)) == 1


async def test_replay_records_are_pruned(sl: SlackWorkspace) -> None:
    em = sl.emulator
    await em.deliver_http(sl.url, "events_api", em.message_event("USAM", "C0GENERAL", "hello"))
    with sl.app.store.session() as s:
        before = len(s.exec(Claim.__table__.select()).all())  # type: ignore[attr-defined]
    assert before >= 2
    later = sl.app.clock.now() + timedelta(days=2)
    assert prune_replays(sl.app.store, later) >= 2
    with sl.app.store.session() as s:
        kinds = {row.kind for row in s.exec(Claim.__table__.select()).all()}  # type: ignore[attr-defined]
    assert not kinds & {"slack-request", "slack-event"}


async def test_slack_command_opens_its_modal_while_users_info_is_slow(
    sl: SlackWorkspace,
) -> None:
    em = sl.emulator
    em.delays["users.info"] = 3.5
    sl.adapter.platform.members.clear()
    started = time.monotonic()
    status, _ = await em.deliver_http(
        sl.url, "slash_commands", em.command_payload("UAMIRA", "C0GENERAL", REPORT)
    )
    assert status == 200 and time.monotonic() - started < DEADLINE
    await sl.settle(lambda: em.views, timeout=DEADLINE)
    opened = em.called("views.open")[-1]
    assert opened.ok and em.trigger_age(opened.args["trigger_id"]) < DEADLINE


async def test_slack_view_submission_is_acked_in_time_while_users_info_is_slow(
    sl: SlackWorkspace,
) -> None:
    em = sl.emulator
    await em.deliver_http(
        sl.url, "slash_commands", em.command_payload("UAMIRA", "C0GENERAL", REPORT)
    )
    await sl.settle(lambda: em.views)
    em.delays["users.info"] = 3.5
    sl.adapter.platform.members.clear()
    fields = {
        b["element"]["action_id"]: "x" for b in em.views[-1]["blocks"] if b["type"] == "input"
    }
    started = time.monotonic()
    status, _ = await em.deliver_http(
        sl.url, "interactive", em.view_submission("UAMIRA", em.views[-1], fields)
    )
    assert status == 200 and time.monotonic() - started < DEADLINE


async def test_slack_help_in_a_channel_without_the_bot_is_answered_in_the_ack(
    sl: SlackWorkspace,
) -> None:
    em = sl.emulator
    em.absent.add("C0PRIVATE")
    em.channels["C0PRIVATE"] = "private"
    status, body = await em.deliver_http(
        sl.url, "slash_commands", em.command_payload("UAMIRA", "C0PRIVATE", "help")
    )
    assert status == 200 and json.loads(body)["response_type"] == "ephemeral"
    (answer,) = [m for m in em.ephemerals if m["channel"] == "C0PRIVATE"]
    assert answer["user"] == "UAMIRA" and "crossings" in json.dumps(answer)
    assert not em.called("chat.postEphemeral")  # the ack carried it: no call that could fail


async def test_slack_an_answer_after_the_ack_in_a_channel_without_the_bot_uses_response_url(
    sl: SlackWorkspace,
) -> None:
    em = sl.emulator
    em.absent.add("C0PRIVATE")
    em.channels["C0PRIVATE"] = "private"
    posted = em.message_event("USAM", "C0PRIVATE", "Your partner only wants your passport.")
    message = next(m for m in em.messages if m["ts"] == posted["event"]["ts"])
    await em.deliver_http(sl.url, "interactive", em.shortcut("UAMIRA", "report-message", message))
    await sl.settle(lambda: em.responses)
    answer = em.responses[-1]
    assert answer["response_type"] == "ephemeral" and "harassment" in json.dumps(answer)


async def test_slack_help_names_slack_commands(sl: SlackWorkspace) -> None:
    em = sl.emulator
    em.ephemerals.clear()
    await em.deliver_http(
        sl.url, "slash_commands", em.command_payload("UAMIRA", "C0GENERAL", "help")
    )
    await sl.settle(lambda: em.ephemerals)
    text = json.dumps(em.ephemerals[-1])
    assert "`/crossings report`" in text and "`/report`" not in text


async def test_slack_privacy_export_delivers_the_file(sl: SlackWorkspace) -> None:
    em = sl.emulator
    await em.deliver_http(
        sl.url, "slash_commands", em.command_payload("UAMIRA", "C0GENERAL", "privacy export")
    )
    await sl.settle(lambda: any(u.shared_to for u in em.uploads.values()))
    (upload,) = em.uploads.values()
    assert upload.shared_to == "DUAMIRA"
    assert json.loads(upload.data or b"{}")["member"] == "UAMIRA"


async def test_slack_reads_plain_and_escaped_mentions(sl: SlackWorkspace) -> None:
    em = sl.emulator
    await em.deliver_http(sl.url, "events_api", em.message_event("UAMIRA", "C0GENERAL", "hi all"))
    escaped = em.command_payload("UNOOR", "C0GENERAL", "mod warn <@USAM|sam> kind")
    await em.deliver_http(sl.url, "slash_commands", escaped)
    await sl.settle(lambda: em.dms("USAM"))
    plain = em.command_payload("UNOOR", "C0GENERAL", "mod warn @amira gentle")
    await em.deliver_http(sl.url, "slash_commands", plain)
    await sl.settle(lambda: em.dms("UAMIRA"))
    assert "gentle" in json.dumps(em.dms("UAMIRA")[0])
    em.ephemerals.clear()
    channel = em.command_payload("UADMIN", "C0GENERAL", "settings queue channel:#general")
    await em.deliver_http(sl.url, "slash_commands", channel)
    await sl.settle(lambda: em.ephemerals)
    assert "C0GENERAL" in json.dumps(em.ephemerals[-1]) or "general" in json.dumps(
        em.ephemerals[-1]
    )
    assert "no channel" not in json.dumps(em.ephemerals[-1])


def test_the_manifest_asks_slack_to_escape_names(tmp_path: Path) -> None:
    from adapters.slack import render
    from bot.kernel.clock import SimulatedClock
    from bot.kernel.store import Store
    from crossings import build_app

    app = build_app(Store("sqlite://"), clock=SimulatedClock())
    manifest = render.manifest(app.registry)
    (command,) = manifest["features"]["slash_commands"]
    assert command["should_escape"] is True
    assert "files:write" in manifest["oauth_config"]["scopes"]["bot"]


async def test_slack_refuses_malformed_and_forged_requests_with_4xx(sl: SlackWorkspace) -> None:
    em = sl.emulator
    payload = em.command_payload("UAMIRA", "C0GENERAL", "help")
    now = int(time.time())
    cases = [
        ("slash_commands", {"secret": "forged"}),
        ("slash_commands", {"timestamp": now - 600}),
        ("slash_commands", {"timestamp": now + 600}),
        ("interactive", {"body": "payload=%7Bnot-json"}),
        ("interactive", {"body": "payload=%5B1%5D"}),
        ("interactive", {"body": "nothing=here"}),
        ("events_api", {"body": "{not json"}),
        ("events_api", {"body": "[1, 2]"}),
        ("events_api", {"body": json.dumps({"type": "event_callback", "team_id": TEAM_ID})}),
        ("events_api", {"headers": {"X-Slack-Request-Timestamp": "soon"}}),
        ("events_api", {"headers": {"X-Slack-Signature": "nope"}}),
        ("events_api", {"headers": {"Content-Type": "text/plain"}}),
        ("events_api", {"body": "x" * 2_000_000}),
    ]
    statuses = []
    for kind, extra in cases:
        status, _ = await em.deliver_http(sl.url, kind, payload, **extra)  # type: ignore[arg-type]
        statuses.append(status)
    assert all(400 <= s < 500 for s in statuses), statuses


# --- under load ------------------------------------------------------------------------------


async def busy_loop(stop: asyncio.Event, slice_s: float = 0.1) -> None:
    """Keep the bot's event loop busy: blocking slices with only brief pauses between them."""
    while not stop.is_set():
        end = time.monotonic() + slice_s
        while time.monotonic() < end:
            pass
        await asyncio.sleep(0.005)


async def test_discord_acks_in_time_with_the_loop_under_load(dc: DiscordCommunity) -> None:
    em = dc.emulator
    stop = asyncio.Event()
    load = asyncio.create_task(busy_loop(stop))
    try:
        its = [await em.slash("111", em.channel_id("general"), "help") for _ in range(3)]
        await dc.settle(lambda: all(it.answered for it in its), timeout=DEADLINE)
    finally:
        stop.set()
        await load
    assert all(it.answered_at and it.answered_at - it.created < DEADLINE for it in its)


async def test_slack_acks_in_time_with_the_loop_under_load(sl: SlackWorkspace) -> None:
    em = sl.emulator
    stop = asyncio.Event()
    load = asyncio.create_task(busy_loop(stop))
    try:
        started = time.monotonic()
        answers = await asyncio.gather(
            *(
                em.deliver_http(
                    sl.url, "slash_commands", em.command_payload(u, "C0GENERAL", REPORT)
                )
                for u in ("UAMIRA", "UNOOR")
            )
        )
        acked = time.monotonic() - started
        await sl.settle(lambda: len(em.views) >= 2, timeout=DEADLINE)
    finally:
        stop.set()
        await load
    assert [status for status, _ in answers] == [200, 200] and acked < DEADLINE
    assert all(c.ok for c in em.called("views.open"))  # trigger ids were still fresh
