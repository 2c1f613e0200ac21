"""What Slack's acknowledgement carries and what waits for it, in both modes: an answer ready in
time rides on a slash command's ack; a slow command gets a plain ack and its answer follows;
work after the ack never holds the ack back and is finished when the adapter stops."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.slack.harness import SlackWorkspace, slack_workspace
from tests.emulators.slack.server import Workspace

pytestmark = [pytest.mark.slack, pytest.mark.e2e]


@pytest.fixture(params=["socket", "http"])
async def ws(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SlackWorkspace]:
    async with slack_workspace(tmp_path, request.param) as workspace:
        workspace.emulator.add_user("UAMIRA", "Amira")
        workspace.emulator.add_user("USAM", "Sam")
        yield workspace


def ack_payload(ws: SlackWorkspace, response: Any) -> dict[str, Any]:
    """The ack's message body in either mode ({} for a plain ack)."""
    if ws.mode == "socket":
        return response or {}
    status, body = response
    assert status == 200
    return json.loads(body) if body else {}


def mark_slow(ws: SlackWorkspace, *path: str) -> None:
    registry = ws.app.registry
    command = registry.get(path)
    assert command is not None
    registry.commands[command.path] = dataclasses.replace(command, slow=True)


async def test_an_answer_ready_in_time_rides_on_the_ack(ws: SlackWorkspace) -> None:
    em = ws.emulator
    body = ack_payload(ws, await ws.command("UAMIRA", "me language ja"))
    assert body["response_type"] == "ephemeral" and body["blocks"]
    (answer,) = em.ephemerals
    assert answer["via"] == "ack" and answer["user"] == "UAMIRA"
    assert answer["channel"] == "C0GENERAL"
    assert not em.called("chat.postEphemeral")  # nothing left to send after the ack
    assert all(c.ok for c in em.called("ack.response"))  # valid Block Kit


async def test_a_mistyped_command_is_answered_in_the_ack(ws: SlackWorkspace) -> None:
    body = ack_payload(ws, await ws.command("UAMIRA", "no-such-command"))
    assert body["response_type"] == "ephemeral"
    assert ws.emulator.ephemerals[-1]["text"] == body["text"] and body["text"]


async def test_a_slow_command_gets_a_plain_ack_and_its_answer_follows(ws: SlackWorkspace) -> None:
    em = ws.emulator
    mark_slow(ws, "help")
    assert ack_payload(ws, await ws.command("UAMIRA", "help")) == {}
    await ws.settle(lambda: em.ephemerals)
    assert em.called("chat.postEphemeral") and "via" not in em.ephemerals[-1]
    assert "What you can do here" in json.dumps(em.ephemerals[-1])


async def test_work_after_the_ack_does_not_hold_it_back(ws: SlackWorkspace) -> None:
    em = ws.emulator
    em.delays["chat.postEphemeral"] = 1.0
    posted = em.message_event("USAM", "C0GENERAL", "Your partner only wants your passport.")
    message = next(m for m in em.messages if m["ts"] == posted["event"]["ts"])
    await ws.send("interactive", em.shortcut("UAMIRA", "report-message", message))
    assert not em.ephemerals  # acknowledged while the chooser is still on its way
    await ws.settle(lambda: em.ephemerals)
    assert em.ephemerals[-1]["user"] == "UAMIRA"


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_answers_in_flight_are_delivered_before_the_adapter_stops(
    tmp_path: Path, mode: str
) -> None:
    async with slack_workspace(tmp_path, mode) as ws:
        em = ws.emulator
        em.add_user("UAMIRA", "Amira")
        em.delays["chat.postEphemeral"] = 0.5
        posted = em.message_event("UAMIRA", "C0GENERAL", "hello")
        message = next(m for m in em.messages if m["ts"] == posted["event"]["ts"])
        await ws.send("interactive", em.shortcut("UAMIRA", "report-message", message))
        assert not em.ephemerals
    assert len(em.ephemerals) == 1  # stop() let the answer finish


async def test_a_workspace_token_is_checked_with_slack_once_not_before_every_ack(
    tmp_path: Path,
) -> None:
    async with slack_workspace(
        tmp_path, "http", client_id="cid", client_secret="csecret", bot_token=None
    ) as ws:
        em = ws.emulator
        em.workspaces["T0002"] = Workspace("T0002", "xoxb-t0002")
        await asyncio.to_thread(ws.adapter.installs.sync.save, installation("T0002", "xoxb-t0002"))
        em.add_user("UNEW", "Newcomer", team="T0002")
        checks = len(em.called("auth.test"))
        for text in ("help", "me language ja", "help"):
            payload = em.command_payload("UNEW", "C0GENERAL", text, team="T0002")
            status, body = await em.deliver_http(ws.url, "slash_commands", payload)
            assert status == 200 and json.loads(body)["response_type"] == "ephemeral"
        assert len(em.called("auth.test")) - checks == 1


def installation(team: str, token: str) -> Any:
    from slack_sdk.oauth.installation_store import Installation

    return Installation(
        app_id="A0001",
        team_id=team,
        bot_token=token,
        bot_id="BBOT",
        bot_user_id="UBOT",
        bot_scopes="commands,chat:write",
        user_id="UINSTALLER",
    )


async def test_a_dropped_users_info_does_not_cost_the_member_their_answer(
    ws: SlackWorkspace,
) -> None:
    em = ws.emulator
    em.losses["users.info"] = 3  # the connection drops before Slack's answer, retries too
    body = ack_payload(ws, await ws.command("USAM", "help"))
    assert body["response_type"] == "ephemeral" and "What you can do here" in json.dumps(body)
    assert em.called("users.info")
