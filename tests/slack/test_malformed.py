"""Every signed request Slack could send, with each field it always carries taken away in turn:
a 4xx with a short reason naming the field, no traceback in the log, and nothing done."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.slack.harness import SlackWorkspace, slack_workspace
from tests.emulators.slack.server import TEAM_ID, SlackEmulator, new_ts

pytestmark = [pytest.mark.slack, pytest.mark.e2e]

MESSAGE = {"ts": "1772438400.000100", "channel": "C0GENERAL", "text": "hello", "user": "UNOOR"}
ACTOR = ["team.id", "user.id"]


def _global_shortcut(em: SlackEmulator) -> dict[str, Any]:
    return {
        "type": "shortcut",
        "callback_id": "anything",
        "team": {"id": TEAM_ID, "domain": "crossings"},
        "user": {"id": "UNOOR", "team_id": TEAM_ID},
        "trigger_id": em._trigger(),
        "action_ts": new_ts(),
    }


def _view_closed(em: SlackEmulator) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": {"id": TEAM_ID, "domain": "crossings"},
        "user": {"id": "UNOOR", "team_id": TEAM_ID},
        "view": {"id": "V0001", "type": "modal", "callback_id": "report-form"},
    }


def _joined(em: SlackEmulator) -> dict[str, Any]:
    envelope = em.message_event("UNOOR", "C0GENERAL", "x")
    envelope["event"] = {"type": "member_joined_channel", "user": "UNOOR", "channel": "C0GENERAL"}
    return envelope


def _home(em: SlackEmulator) -> dict[str, Any]:
    envelope = em.message_event("UNOOR", "C0GENERAL", "x")
    envelope["event"] = {"type": "app_home_opened", "user": "UNOOR", "tab": "home"}
    return envelope


VIEW = {"id": "V0001", "type": "modal", "callback_id": "report-form", "blocks": []}
EVENT = ["team_id", "event_id", "event.type"]
# (kind of delivery, payload builder, the fields whose absence must be refused)
CASES: dict[str, tuple[str, Callable[[SlackEmulator], dict[str, Any]], list[str]]] = {
    "slash command": (
        "slash_commands",
        lambda em: em.command_payload("UNOOR", "C0GENERAL", "help"),
        ["team_id", "user_id", "channel_id", "command"],
    ),
    "button": (
        "interactive",
        lambda em: em.block_action("UNOOR", MESSAGE, "mod-claim:1"),
        [*ACTOR, "trigger_id", "actions.0.action_id"],
    ),
    "message shortcut": (
        "interactive",
        lambda em: em.shortcut("UNOOR", "report", MESSAGE),
        [*ACTOR, "trigger_id", "callback_id", "channel.id", "message.ts"],
    ),
    "global shortcut": ("interactive", _global_shortcut, [*ACTOR, "trigger_id", "callback_id"]),
    "form submission": (
        "interactive",
        lambda em: em.view_submission("UNOOR", VIEW, {}),
        [*ACTOR, "view.id", "view.type", "view.callback_id", "view.state.values"],
    ),
    "form closed": (
        "interactive",
        _view_closed,
        [*ACTOR, "view.id", "view.type", "view.callback_id"],
    ),
    "message": (
        "events_api",
        lambda em: em.message_event("UNOOR", "C0GENERAL", "hello there"),
        [*EVENT, "event.channel", "event.ts", "event.user"],
    ),
    "edit": (
        "events_api",
        lambda em: em.edit_event(
            {**MESSAGE, "channel_type": "channel", "thread_ts": None}, "hello again"
        ),
        [*EVENT, "event.channel", "event.message.ts"],
    ),
    "member joined": ("events_api", _joined, [*EVENT, "event.channel", "event.user"]),
    "home opened": ("events_api", _home, [*EVENT, "event.user"]),
    "member changed": (
        "events_api",
        lambda em: em.change_user("UNOOR", profile={"display_name": "N"}),
        [*EVENT, "event.user.id"],
    ),
}


def _without(payload: dict[str, Any], path: str) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    *parents, last = path.split(".")
    node: Any = out
    for step in parents:
        node = node[int(step)] if step.isdigit() else node[step]
    del node[int(last) if last.isdigit() else last]
    return out


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[SlackWorkspace]:
    async with slack_workspace(tmp_path, "http") as workspace:
        workspace.emulator.add_user("UNOOR", "Noor")
        yield workspace


@pytest.mark.parametrize("case", list(CASES))
async def test_each_missing_field_is_a_4xx_naming_it(
    http: SlackWorkspace, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    em = http.emulator
    kind, build, required = CASES[case]
    caplog.set_level(logging.INFO)
    for field in required:
        status, body = await em.deliver_http(http.url, kind, _without(build(em), field))
        assert 400 <= status < 500, (case, field, status, body)
        # Without `command` nothing says it is a slash command: Slack's framework answers 404.
        reason = "unhandled request" if field == "command" else f"missing field: {field}"
        assert json.loads(body) == {"error": reason}
    calls = len(em.calls)
    status, _ = await em.deliver_http(http.url, kind, build(em))  # the whole request is fine
    assert status == 200, case
    await http.settle(lambda: True, timeout=0.3)
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert problems == [], [r.getMessage() for r in problems]
    refused = [r.getMessage() for r in caplog.records if "missing" in r.getMessage()]
    assert len(refused) == len([f for f in required if f != "command"])
    assert len(em.calls) >= calls  # the complete request alone may have led to API calls


async def test_a_missing_field_in_a_forged_request_is_still_refused_as_forged(
    http: SlackWorkspace,
) -> None:
    em = http.emulator
    payload = _without(em.command_payload("UNOOR", "C0GENERAL", "help"), "user_id")
    status, _ = await em.deliver_http(http.url, "slash_commands", payload, secret="not-it")
    assert status == 401


async def test_a_slash_command_without_user_id_does_nothing(http: SlackWorkspace) -> None:
    em = http.emulator
    before = len(em.calls)
    payload = _without(em.command_payload("UNOOR", "C0GENERAL", "prompt themes"), "user_id")
    status, body = await em.deliver_http(http.url, "slash_commands", payload)
    assert status == 400 and "user_id" in body
    assert em.ephemerals == [] and em.calls[before:] == []
