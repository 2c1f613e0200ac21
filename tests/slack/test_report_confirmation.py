"""The reporter is always told: "Report message" from a channel the bot is not in (Slack answers
`chat.postEphemeral` with channel_not_found, and a form submission has no response_url) is
confirmed by DM; with the member's DMs closed too, the modal itself shows the confirmation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.slack.harness import SlackWorkspace, slack_workspace
from tests.slack.test_slack import text_of

pytestmark = [pytest.mark.slack, pytest.mark.e2e]

SAVED = "Your report is saved as case #"  # automod may have opened a case first
PRIVATE = "G0PRIVATE"  # a private channel between members; the bot was never added


@pytest.fixture(params=["socket", "http"])
async def ws(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SlackWorkspace]:
    async with slack_workspace(tmp_path, request.param) as workspace:
        em = workspace.emulator
        for uid, name in (("UAMIRA", "Amira"), ("USAM", "Sam")):
            em.add_user(uid, name)
        em.channels[PRIVATE] = "just-us"
        em.absent.add(PRIVATE)
        await workspace.command("UADMIN", "settings queue channel:<#C0MODS|moderators>")
        yield workspace


async def _report_from_private_channel(ws: SlackWorkspace) -> Any:
    """Report a message in a channel the bot is not in; the submission's ack."""
    em = ws.emulator
    target = await ws.say("USAM", "Give me your passport, now.", channel=PRIVATE)
    message = next(m for m in em.messages if m["ts"] == target["ts"])
    await ws.send("interactive", em.shortcut("UAMIRA", "report-message", message))
    await ws.settle(lambda: em.responses)  # the chooser, through the shortcut's response_url
    chooser = em.responses[-1]
    select = chooser["blocks"][1]["elements"][0]
    action = em.block_action("UAMIRA", {**chooser, "channel": PRIVATE, "ts": "1.1"},
                             select["action_id"], "harassment")  # fmt: skip
    await ws.send("interactive", action)
    await ws.settle(lambda: em.views)
    return await ws.send("interactive", em.view_submission("UAMIRA", em.views[-1], {}))


def _ack_view(ws: SlackWorkspace, ack: Any) -> dict[str, Any] | None:
    if ws.mode == "http":
        status, body = ack
        assert status == 200
        ack = json.loads(body) if body else None
    return ack if isinstance(ack, dict) and ack.get("response_action") == "update" else None


async def test_a_report_from_a_channel_the_bot_is_not_in_is_confirmed_by_dm(
    ws: SlackWorkspace,
) -> None:
    em = ws.emulator
    ack = await _report_from_private_channel(ws)
    await ws.settle(lambda: any(SAVED in text_of(m) for m in em.dms("UAMIRA")))
    assert any(c.error == "channel_not_found" for c in em.called("chat.postEphemeral"))
    assert _ack_view(ws, ack) is None  # the DM told them: the modal simply closes
    assert any("passport" in text_of(m) for m in em.posted("C0MODS"))


async def test_with_dms_closed_too_the_modal_itself_confirms_the_report(
    ws: SlackWorkspace,
) -> None:
    em = ws.emulator
    em.closed_dms.add("UAMIRA")  # the app's Messages tab is off
    view = _ack_view(ws, await _report_from_private_channel(ws))
    assert view is not None, "the submission's ack should turn the modal into the confirmation"
    shown = json.dumps(view["view"]["blocks"])
    assert SAVED in shown, shown
    assert view["view"]["type"] == "modal" and "submit" not in view["view"]
    assert em.dms("UAMIRA") == []
