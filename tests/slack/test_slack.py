"""The Slack adapter end to end: the real slack-bolt app against the loopback emulator."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.emulators.slack.harness import SlackWorkspace, slack_workspace

pytestmark = [pytest.mark.slack, pytest.mark.e2e]


@pytest.fixture(params=["socket", "http"])
async def ws(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SlackWorkspace]:
    async with slack_workspace(tmp_path, request.param) as workspace:
        em = workspace.emulator
        for uid, name in (
            ("UAMIRA", "Amira"),
            ("USAM", "Sam"),
            ("UNOOR", "Noor"),
            ("ULUCIA", "Lucia"),
        ):
            em.add_user(uid, name)
        await workspace.command("UADMIN", "settings queue channel:<#C0MODS|moderators>")
        await workspace.command("UADMIN", "settings role moderators user:UNOOR")
        await workspace.command("UADMIN", "settings role organizers user:ULUCIA")
        await workspace.settle(lambda: len(em.ephemerals) >= 3)
        em.ephemerals.clear()
        yield workspace


def text_of(msg: dict[str, Any]) -> str:
    parts = [msg.get("text") or ""]
    for b in msg.get("blocks") or []:
        if b.get("text"):
            parts.append(b["text"]["text"])
        parts += [f["text"] for f in b.get("fields", [])]
        parts += [
            e.get("text", "") for e in b.get("elements", []) if isinstance(e.get("text"), str)
        ]
    return "\n".join(parts)


async def test_a_slash_command_is_answered_ephemerally(ws: SlackWorkspace) -> None:
    await ws.command("UAMIRA", "help")
    await ws.settle(lambda: ws.emulator.ephemerals)
    answer = ws.emulator.ephemerals[-1]
    assert answer["user"] == "UAMIRA" and "What you can do here" in text_of(answer)
    assert not ws.emulator.posted("C0GENERAL")


async def test_a_member_without_the_role_is_refused(ws: SlackWorkspace) -> None:
    await ws.command("UAMIRA", 'mod warn member:<@USAM> reason:"be kind"')
    await ws.settle(lambda: ws.emulator.ephemerals)
    assert "Only moderators" in text_of(ws.emulator.ephemerals[-1])
    assert not ws.emulator.dms("USAM")


async def test_a_moderator_warns_and_the_member_is_told_by_dm(ws: SlackWorkspace) -> None:
    await ws.command("UNOOR", 'mod warn member:<@USAM> reason:"please be kind"')
    await ws.settle(lambda: ws.emulator.dms("USAM"))
    assert "please be kind" in text_of(ws.emulator.dms("USAM")[0])


async def test_bad_options_get_a_private_error(ws: SlackWorkspace) -> None:
    await ws.command(
        "ULUCIA",
        'prompt schedule theme:red-flags channel:<#C0PROMPTS|prompts> when:"every monday 19:00" timezone:Europe/Berln',
    )
    await ws.settle(lambda: ws.emulator.ephemerals)
    assert "did you mean Europe/Berlin" in text_of(ws.emulator.ephemerals[-1])


async def report_flow(ws: SlackWorkspace, details: str = "it hurt") -> None:
    em = ws.emulator
    target = await ws.say("USAM", "Your partner only wants your passport.")
    message = next(m for m in em.messages if m["ts"] == target["ts"])
    await ws.send("interactive", em.shortcut("UAMIRA", "report-message", message))
    await ws.settle(lambda: em.ephemerals)
    chooser = em.ephemerals[-1]
    select = chooser["blocks"][1]["elements"][0]
    await ws.send(
        "interactive", em.block_action("UAMIRA", chooser, select["action_id"], "harassment")
    )
    await ws.settle(lambda: em.views)
    view = em.views[-1]
    await ws.send("interactive", em.view_submission("UAMIRA", view, {"details": details}))


async def test_report_shortcut_modal_and_queue_card(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await report_flow(ws)
    await ws.settle(lambda: em.posted("C0MODS"))
    card = em.posted("C0MODS")[-1]
    assert "Case #1 · report" in text_of(card) and "passport" in text_of(card)
    buttons = [
        e["text"]["text"]
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    ]
    assert "Claim" in buttons and "Warn" in buttons
    assert "Ban" not in buttons  # Slack apps cannot ban; the card says so
    assert "cannot" in text_of(card)
    await ws.settle(
        lambda: any("saved as case #1" in text_of(m) for m in em.ephemerals + em.dms("UAMIRA"))
    )
    assert not em.dms("USAM")


async def test_a_card_button_acts(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await report_flow(ws)
    await ws.settle(lambda: em.posted("C0MODS"))
    card = em.posted("C0MODS")[-1]
    claim = next(
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("text", {}).get("text") == "Claim"
    )
    await ws.send("interactive", em.block_action("UNOOR", card, claim["action_id"]))
    await ws.settle(lambda: card.get("edited"))
    assert "claimed by" in text_of(card)


async def test_a_field_error_is_shown_in_the_modal(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await ws.command("ULUCIA", "prompt import")
    await ws.settle(lambda: em.views)
    response = await ws.send(
        "interactive", em.view_submission("ULUCIA", em.views[-1], {"pack": "theme: [unclosed"})
    )
    if ws.mode == "socket":
        assert response["response_action"] == "errors" and "pack" in response["errors"]
    else:
        status, body = response
        assert status == 200 and json.loads(body)["errors"]["pack"]


def replies_recorded(ws: SlackWorkspace) -> int:
    from sqlmodel import select

    from bot.prompts.models import PromptReply

    with ws.app.store.session() as s:
        return len(s.exec(select(PromptReply)).all())


async def test_thread_replies_are_counted_for_prompts(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await ws.command(
        "ULUCIA", "prompt post-now theme:holidays-food-family channel:<#C0PROMPTS|prompts>"
    )
    await ws.settle(lambda: em.posted("C0PROMPTS"))
    root = em.posted("C0PROMPTS")[0]
    await ws.say("UAMIRA", "We cook both grandmothers' recipes.", "C0PROMPTS", root["ts"])
    await ws.settle(lambda: replies_recorded(ws) == 1)  # the crisis scan runs off the loop first
    await ws.command("ULUCIA", "prompt stats")
    await ws.settle(lambda: any("1 replies from 1" in text_of(m) for m in em.ephemerals))


async def test_automod_on_slack_removes_with_a_user_token_or_alerts(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await ws.say("USAM", "go back to your country")
    await ws.settle(lambda: em.posted("C0MODS"))
    assert em.called("chat.delete")  # attempted; a bot token alone may be refused by Slack
    assert "automod" in text_of(em.posted("C0MODS")[-1])


async def test_ratelimited_then_success(ws: SlackWorkspace) -> None:
    """An answer that follows the ack (a message shortcut's chooser) is retried after a 429."""
    em = ws.emulator
    target = await ws.say("USAM", "Your partner only wants your passport.")
    message = next(m for m in em.messages if m["ts"] == target["ts"])
    em.ratelimit["chat.postEphemeral"] = 1
    await ws.send("interactive", em.shortcut("UAMIRA", "report-message", message))
    await ws.settle(lambda: em.ephemerals, timeout=8)
    statuses = [c.ok for c in em.called("chat.postEphemeral")]
    assert statuses[-2:] == [False, True]


async def test_unknown_channel_is_reported_not_retried(ws: SlackWorkspace) -> None:
    from bot.kernel import actions as a
    from bot.kernel.events import Place
    from bot.kernel.message import Message

    result = await ws.adapter.platform.execute(
        a.Post(Place("slack", ws.team, "C0NOPE"), Message(text="hi"))
    )
    assert not result.ok and not result.retryable and result.error == "channel_not_found"


async def test_member_text_cannot_ping_or_inject_blocks(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await report_flow(ws, details="<!channel> *bold* <https://evil.example|click>")
    await ws.settle(lambda: em.posted("C0MODS"))
    card = text_of(em.posted("C0MODS")[-1])
    assert "<!channel>" not in card and "&lt;!channel&gt;" in card
    assert "<https://evil.example" not in card


@pytest.mark.parametrize("mode", ["socket"])
async def test_socket_disconnect_and_reconnect(tmp_path: Path, mode: str) -> None:
    async with slack_workspace(tmp_path, mode) as ws:
        em = ws.emulator
        em.add_user("UAMIRA", "Amira")
        before = em.connections
        await em.disconnect()
        deadline = time.monotonic() + 15
        while em.connections == before and time.monotonic() < deadline:
            import asyncio

            await asyncio.sleep(0.05)
        assert em.connections > before
        await ws.command("UAMIRA", "help")
        await ws.settle(lambda: em.ephemerals)


async def test_http_mode_refuses_forged_stale_and_replayed_requests(tmp_path: Path) -> None:
    async with slack_workspace(tmp_path, "http") as ws:
        em = ws.emulator
        em.add_user("UAMIRA", "Amira")
        payload = em.command_payload("UAMIRA", "C0GENERAL", "help")
        forged = await em.deliver_http(ws.url, "slash_commands", payload, secret="not-the-secret")
        stale = await em.deliver_http(
            ws.url, "slash_commands", payload, timestamp=int(time.time()) - 600
        )
        assert forged[0] == 401 and stale[0] == 401
        from urllib.parse import urlencode

        body = urlencode(payload)
        ts = int(time.time())
        first = await em.deliver_http(ws.url, "slash_commands", payload, timestamp=ts, body=body)
        replay = await em.deliver_http(ws.url, "slash_commands", payload, timestamp=ts, body=body)
        assert first[0] == 200 and replay[0] == 401
        await ws.settle(lambda: em.ephemerals)
        assert len(em.ephemerals) == 1  # only the genuine request reached the core


def test_the_manifest_lists_every_command(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "crossings.cli", "slack", "manifest"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    manifest = yaml.safe_load(done.stdout)
    slash = manifest["features"]["slash_commands"][0]
    from bot.kernel.clock import SimulatedClock
    from bot.kernel.store import Store
    from crossings import build_app
    from crossings.settings import Settings

    registry = build_app(Store("sqlite://"), Settings(), SimulatedClock()).registry
    for command in registry.commands.values():
        if command.kind == "slash":
            assert command.name in slash["usage_hint"]
    assert manifest["features"]["shortcuts"][0]["callback_id"] == "report-message"
    assert manifest["settings"]["socket_mode_enabled"] is True


async def test_the_crisis_pathway_on_slack(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await ws.say("UAMIRA", "quiero morirme, ya no puedo más")
    await ws.settle(lambda: em.dms("UAMIRA") and em.posted("C0MODS"))
    assert "Me alegra de verdad" in text_of(em.dms("UAMIRA")[0])  # answered in Spanish
    assert "Urgent" in text_of(em.posted("C0MODS")[-1])
    assert not em.posted("C0GENERAL")


async def test_peer_introductions_open_a_group_dm(ws: SlackWorkspace) -> None:
    from datetime import timedelta

    em = ws.emulator
    for user in ("UAMIRA", "USAM"):
        await ws.command(user, 'peers join tags:"long-distance" languages:en')
    await ws.command("ULUCIA", "peers schedule every:7 channel:<#C0GENERAL|general>")
    await ws.settle(lambda: len(em.ephemerals) >= 3)
    await ws.app.advance_to(ws.app.clock.now() + timedelta(hours=2))
    await ws.settle(lambda: em.called("conversations.open"))
    opened = [c.args.get("users") for c in em.called("conversations.open")]
    assert any(u and set(u.split(",")) == {"UAMIRA", "USAM"} for u in opened)
    await ws.app.advance_to(ws.app.clock.now() + timedelta(days=3))  # the check-in
    await ws.settle(lambda: em.dms("UAMIRA") and em.dms("USAM"))
    checkin = em.dms("UAMIRA")[-1]
    labels = [
        e["text"]["text"]
        for b in checkin["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert labels == ["We talked", "Not yet", "Don't pair us again", "Report"]


async def test_an_oauth_install_for_a_second_workspace_and_a_command_in_it(tmp_path: Path) -> None:
    import re

    import aiohttp

    async with slack_workspace(
        tmp_path, "http", client_id="cid", client_secret="csecret", bot_token=None
    ) as ws:
        em = ws.emulator
        base = ws.url.removesuffix("/slack/events")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/slack/install") as r:
                page = await r.text()
                assert r.status == 200
                cookie = r.headers["Set-Cookie"].split(";")[
                    0
                ]  # Secure: a browser on https sends it back
            state = re.search(r"state=([^&\"']+)", page)
            assert state is not None
            async with http.get(
                f"{base}/slack/oauth_redirect",
                params={"code": "code-T0002", "state": state.group(1)},
                headers={"Cookie": cookie},
            ) as r:
                assert r.status == 200, await r.text()
        assert "T0002" in em.workspaces
        em.add_user("UNEW", "Newcomer", team="T0002")
        payload = em.command_payload("UNEW", "C0GENERAL", "help", team="T0002")
        status, _ = await em.deliver_http(ws.url, "slash_commands", payload)
        assert status == 200
        await ws.settle(lambda: em.ephemerals)
        assert em.ephemerals[-1]["team"] == "T0002"  # answered with that workspace's own token


async def test_app_home_shows_a_members_settings_and_the_queue_to_moderators(
    ws: SlackWorkspace,
) -> None:
    em = ws.emulator
    await ws.command("UAMIRA", "me timezone Europe/Madrid")
    for user in ("UAMIRA", "UNOOR"):
        payload = em.message_event(user, "DUSER", "")
        payload["event"] = {
            "type": "app_home_opened",
            "user": user,
            "channel": "D1",
            "tab": "home",
            "event_ts": "1",
        }
        await ws.send("events_api", payload)
    await ws.settle(lambda: len([v for v in em.views if v.get("home_for")]) >= 2)
    homes = {v["home_for"]: json.dumps(v) for v in em.views if v.get("home_for")}
    assert "Europe/Madrid" in homes["UAMIRA"] and "moderator queue" not in homes["UAMIRA"]
    assert "Open cases in the moderator queue" in homes["UNOOR"]


@pytest.mark.moderation
async def test_an_edit_meets_automod_on_slack(ws: SlackWorkspace) -> None:
    em = ws.emulator
    original = await ws.say("USAM", "hello everyone")
    await ws.settle(lambda: True)
    assert not em.called("chat.delete")
    await ws.edit(original, "go back to your country")
    await ws.settle(lambda: em.posted("C0MODS"))
    assert em.called("chat.delete")
    assert "automod" in text_of(em.posted("C0MODS")[-1])


async def test_an_edit_reaches_the_crisis_pathway_on_slack(ws: SlackWorkspace) -> None:
    em = ws.emulator
    original = await ws.say("UAMIRA", "We made dumplings today")
    await ws.settle(lambda: True)
    assert not em.dms("UAMIRA")
    await ws.edit(original, "I want to kill myself tonight")
    await ws.settle(lambda: em.dms("UAMIRA") and em.posted("C0MODS"))
    assert not em.posted("C0GENERAL")
