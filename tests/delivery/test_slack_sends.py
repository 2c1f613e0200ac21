"""Slack: each outbox entry appears once in Slack, whatever is lost on the way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.kernel import actions as a
from bot.kernel.events import Place
from bot.kernel.message import Attachment, Message
from tests.delivery.helpers import card, enqueue, entry, process, prompt_post, real_now
from tests.emulators.slack.harness import SlackWorkspace, slack_workspace

pytestmark = [pytest.mark.delivery, pytest.mark.slack, pytest.mark.e2e]


@pytest.fixture
async def ws(tmp_path: Path) -> AsyncIterator[SlackWorkspace]:
    async with slack_workspace(tmp_path, "http") as workspace:
        workspace.emulator.add_user("UAMIRA", "Amira")
        yield workspace


async def drain(ws: SlackWorkspace, rounds: int = 4) -> None:
    """Deliver what is due, as the outbox worker would over the next minutes."""
    out = process(ws.app, "worker")
    for step in range(rounds):
        await out.deliver_due(real_now() + timedelta(minutes=5 * step))


def top_level(ws: SlackWorkspace, channel: str) -> list[dict]:
    return [m for m in ws.emulator.posted(channel) if not m.get("thread_ts")]


def replies(ws: SlackWorkspace, channel: str) -> list[dict]:
    return [m for m in ws.emulator.posted(channel) if m.get("thread_ts")]


async def test_every_post_carries_the_entry_in_its_metadata(ws: SlackWorkspace) -> None:
    eid = enqueue(ws.app, prompt_post("slack", ws.team, "C0PROMPTS"))
    await drain(ws, 1)
    post, reply = ws.emulator.posted("C0PROMPTS")
    key = ws.app.outbox.attempt_for(entry(ws.app, eid)).key
    assert post["metadata"]["event_payload"] == {"key": key, "step": "post"}
    assert reply["metadata"]["event_payload"] == {"key": key, "step": "reply"}
    assert reply["thread_ts"] == post["ts"]


async def test_an_html_503_three_times_still_delivers_the_card_once(ws: SlackWorkspace) -> None:
    ws.emulator.fail_html("chat.postMessage", 503, times=3)
    eid = enqueue(ws.app, card("slack", ws.team, "C0MODS"))
    await drain(ws, 5)
    assert entry(ws.app, eid).status == "sent"
    assert len(ws.emulator.posted("C0MODS")) == 1


async def test_a_post_accepted_then_dropped_is_found_in_history(ws: SlackWorkspace) -> None:
    em = ws.emulator
    em.lose_response("chat.postMessage", times=1)
    eid = enqueue(ws.app, card("slack", ws.team, "C0MODS"))
    await drain(ws)
    assert entry(ws.app, eid).status == "sent"
    assert len(em.posted("C0MODS")) == 1
    history = em.called("conversations.history")
    assert history and history[0].args.get("include_all_metadata") in ("1", "true", True)
    assert entry(ws.app, eid).result["message_id"] == em.posted("C0MODS")[0]["ts"]


async def test_a_thread_reply_rate_limited_three_times_does_not_repost(
    ws: SlackWorkspace,
) -> None:
    em = ws.emulator
    eid = enqueue(ws.app, prompt_post("slack", ws.team, "C0PROMPTS"))
    original = em.api_chat_postMessage

    def limit_replies(args: dict, team: str) -> dict:
        if args.get("thread_ts") and limit_replies.left > 0:  # type: ignore[attr-defined]
            limit_replies.left -= 1  # type: ignore[attr-defined]
            return {"ok": False, "error": "ratelimited"}
        return original(args, team)

    limit_replies.left = 3  # type: ignore[attr-defined]
    em.api_chat_postMessage = limit_replies  # type: ignore[method-assign]
    await drain(ws, 6)
    assert entry(ws.app, eid).status == "sent"
    assert len(top_level(ws, "C0PROMPTS")) == 1 and len(replies(ws, "C0PROMPTS")) == 1


async def test_a_reply_lost_after_posting_is_not_posted_again(ws: SlackWorkspace) -> None:
    em = ws.emulator
    original = em.api_chat_postMessage
    calls = {"n": 0}

    def second_is_lost(args: dict, team: str) -> dict:
        calls["n"] += 1
        if calls["n"] == 2:
            em.lose_response("chat.postMessage")
        return original(args, team)

    em.api_chat_postMessage = second_is_lost  # type: ignore[method-assign]
    eid = enqueue(ws.app, prompt_post("slack", ws.team, "C0PROMPTS"))
    await drain(ws)
    assert entry(ws.app, eid).status == "sent"
    assert len(top_level(ws, "C0PROMPTS")) == 1 and len(replies(ws, "C0PROMPTS")) == 1
    assert em.called("conversations.replies")  # the thread was searched before resending


async def test_a_restart_between_post_and_reply_finishes_only_the_reply(
    ws: SlackWorkspace,
) -> None:
    em = ws.emulator
    eid = enqueue(ws.app, prompt_post("slack", ws.team, "C0PROMPTS"))
    original = em.api_chat_postMessage

    def reply_fails(args: dict, team: str) -> dict:
        if args.get("thread_ts"):
            return {"ok": False, "error": "internal_error"}
        return original(args, team)

    em.api_chat_postMessage = reply_fails  # type: ignore[method-assign]
    await process(ws.app, "before").deliver_due(real_now())
    em.api_chat_postMessage = original  # type: ignore[method-assign]
    await process(ws.app, "after").deliver_due(real_now() + timedelta(minutes=5))
    assert entry(ws.app, eid).status == "sent"
    assert len(top_level(ws, "C0PROMPTS")) == 1 and len(replies(ws, "C0PROMPTS")) == 1


async def test_a_dm_accepted_then_dropped_arrives_once(ws: SlackWorkspace) -> None:
    em = ws.emulator
    em.lose_response("chat.postMessage", times=1)
    eid = enqueue(ws.app, a.SendPrivate(Place("slack", ws.team), "UAMIRA", Message(text="hi")))
    await drain(ws)
    assert entry(ws.app, eid).status == "sent"
    assert len(em.dms("UAMIRA")) == 1


async def test_an_attachment_is_delivered_with_files_upload_v2(ws: SlackWorkspace) -> None:
    em = ws.emulator
    body = b'{"member": "UAMIRA"}'
    message = Message(
        text="Your data", attachments=(Attachment("my-data.json", body, "application/json"),)
    )
    eid = enqueue(ws.app, a.SendPrivate(Place("slack", ws.team), "UAMIRA", message))
    await drain(ws, 1)
    assert entry(ws.app, eid).status == "sent"
    (upload,) = em.uploads.values()
    assert upload.data == body and upload.filename == "my-data.json"
    assert upload.shared_to == "DUAMIRA"
