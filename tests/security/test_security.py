"""Nobody gets in where they don't belong; no input crashes the bot or half-writes anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from bot.kernel.app import App
from bot.kernel.commands import Permission
from bot.kernel.events import Actor, CommandInvoked, MessageRef, Place
from tests.conftest import START, RecordingConsole

pytestmark = pytest.mark.security

REFUSALS = {
    Permission.ORGANIZER: "Only organizers can do that",
    Permission.MODERATOR: "Only moderators can do that",
    Permission.ADMIN: "Only admins can do that",
}
ROLES = {
    "member": (Permission.MEMBER, ""),
    "organizer": (Permission.ORGANIZER, "organizer"),
    "moderator": (Permission.MODERATOR, "moderator"),
}


def refusal_texts() -> tuple[str, ...]:
    from bot.kernel import i18n

    return tuple(i18n.t(f"core.error.needs_{p.name.lower()}", "en") for p in REFUSALS)


async def run_command(app: App, who: Actor, path: tuple[str, ...], kind: str) -> str:
    place = Place("console", "home", "general")
    target = MessageRef(place, "m-target", "someone", "some text") if kind == "message" else None
    event = CommandInvoked(place, who, START, interaction="i", path=path, options={}, target=target)
    actions = await app.handle(event)
    return "\n".join(getattr(getattr(x, "message", None), "text", "") or "" for x in actions)


@pytest.mark.parametrize("role", list(ROLES))
async def test_permission_matrix_on_the_console(community: RecordingConsole, role: str) -> None:
    app = community.app
    level, role_name = ROLES[role]
    who = Actor(f"tester-{role}", role, roles=frozenset({role_name}) if role_name else frozenset())
    refused_texts = refusal_texts()
    checked = 0
    for command in list(app.registry.commands.values()):
        answer = await run_command(app, who, command.path, command.kind)
        refused = any(t in answer for t in refused_texts)
        assert refused == (level < command.permission), f"/{command.name} as {role}: {answer[:120]}"
        checked += 1
    assert checked >= 50


async def test_permission_matrix_on_discord(tmp_path: Path) -> None:
    from tests.emulators.discord.harness import discord_community

    async with discord_community(tmp_path) as dc:
        people = {
            "member": dc.member("555", "Plain"),
            "organizer": dc.member("666", "Org", ("Organizers",)),
            "moderator": dc.member("777", "Mod", ("Moderators",)),
        }
        em = dc.emulator
        general = em.channel_id("general")
        for role, uid in people.items():
            level = ROLES[role][0]
            for command in dc.app.registry.commands.values():
                if command.kind != "slash":
                    continue
                options = (
                    [{"type": 1, "name": command.path[1], "options": []}]
                    if len(command.path) == 2
                    else []
                )
                response = await dc.answered(await em.slash(uid, general, command.path[0], options))
                refused = any(t in json.dumps(response) for t in refusal_texts())
                assert refused == (level < command.permission), f"/{command.name} as {role}"


async def test_permission_matrix_on_slack(tmp_path: Path) -> None:
    from tests.emulators.slack.harness import slack_workspace

    async with slack_workspace(tmp_path, "socket") as ws:
        em = ws.emulator
        for uid, name in (("UPLAIN", "Plain"), ("UORG", "Org"), ("UMOD", "Mod")):
            em.add_user(uid, name)
        await ws.command("UADMIN", "settings role organizers user:UORG")
        await ws.command("UADMIN", "settings role moderators user:UMOD")
        await ws.settle(lambda: len(em.ephemerals) >= 2)
        for role, uid in (("member", "UPLAIN"), ("organizer", "UORG"), ("moderator", "UMOD")):
            level = ROLES[role][0]
            for command in ws.app.registry.commands.values():
                if command.kind != "slash":
                    continue
                before = len(em.ephemerals), len(em.views), len(em.dms(uid))
                await ws.command(uid, command.name)
                await ws.settle(
                    lambda before=before, uid=uid: (
                        (len(em.ephemerals), len(em.views), len(em.dms(uid))) != before
                    )
                )
                answer = json.dumps(em.ephemerals[-1]) if len(em.ephemerals) > before[0] else ""
                refused = any(t in answer for t in refusal_texts())
                assert refused == (level < command.permission), (
                    f"/{command.name} as {role}: {answer[:150]}"
                )


async def test_slack_survives_malformed_payloads(tmp_path: Path) -> None:
    from tests.emulators.slack.harness import slack_workspace

    async with slack_workspace(tmp_path, "socket") as ws:
        em = ws.emulator
        em.add_user("UAMIRA", "Amira")
        for kind, payload in (
            ("events_api", {"type": "event_callback", "event": {"type": "message"}}),
            (
                "events_api",
                {
                    "type": "event_callback",
                    "team_id": "T0001",
                    "event": {"type": "message", "user": "UNKNOWN", "text": None, "ts": "1"},
                },
            ),
            (
                "slash_commands",
                {
                    "team_id": "T0001",
                    "user_id": "UAMIRA",
                    "channel_id": "C0GENERAL",
                    "command": "/crossings",
                    "text": '"unclosed',
                },
            ),
        ):
            env = await em.push(kind, payload)
            await em.acked(env)
        await ws.command("UAMIRA", "help")  # still answering
        await ws.settle(lambda: any("What you can do here" in json.dumps(m) for m in em.ephemerals))


async def test_members_are_rate_limited_with_a_clear_message(community: RecordingConsole) -> None:
    await community.type("/as Amira")
    outputs = [await community.type("/help") for _ in range(9)]
    assert "What you can do here" in outputs[0]
    assert "wait" in outputs[-1] and "seconds" in outputs[-1]
    await community.type("/as Noor moderator")
    for _ in range(12):  # staff are not limited
        assert "wait" not in await community.type("/mod queue")


def test_discord_messages_never_ping_anyone() -> None:
    from adapters.discord import render

    assert (
        render.NO_PINGS.everyone is False
        and render.NO_PINGS.roles is False
        and render.NO_PINGS.users is False
    )


def test_slack_rendering_escapes_member_text() -> None:
    from adapters.slack.render import blocks_for, mrkdwn
    from bot.kernel.message import Message, escape

    member = "<!channel> <!here> <@U123> <https://evil.example|click> & *bold*"
    rendered = mrkdwn(escape(member))
    assert "<!" not in rendered and "<@U123>" not in rendered and "<https" not in rendered
    blocks = blocks_for(Message(title="x" * 500, text="y" * 9000))
    assert blocks[0]["text"]["text"] == "x" * 150 and all(
        len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks
    )


def test_member_text_cannot_become_a_mention_or_link() -> None:
    from bot.kernel.message import escape, tokenize

    member = "@everyone <@456> <@&123> <#789> [click](https://evil.example) **loud**"
    kinds = {t.kind for t in tokenize(escape(member))}
    assert kinds <= {"text", "newline"}  # mentions, links and formatting stay literal text


def table_counts(app: App) -> dict[str, int]:
    with app.store.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
            for t in inspect(conn).get_table_names()
            if t not in ("outbox", "claims")
        }


values = st.one_of(
    st.text(max_size=60),
    st.integers(),
    st.booleans(),
    st.none(),
    st.sampled_from(
        ["<@x>", "<#general>", "2026-13-40", "999999999999999", "-1", "1h", "@everyone"]
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
async def test_fuzzing_every_command_never_raises_or_half_writes(
    community: RecordingConsole, data: st.DataObject
) -> None:
    app = community.app
    command = data.draw(
        st.sampled_from(sorted(app.registry.commands.values(), key=lambda c: c.name))
    )
    names = [o.name for o in command.options] + ["bogus"]
    options = data.draw(st.dictionaries(st.sampled_from(names), values, max_size=len(names)))
    who = Actor(
        "fuzzer",
        "Fuzzer",
        roles=frozenset({data.draw(st.sampled_from(["", "moderator", "organizer"]))}),
    )
    table_counts(app)
    place = Place("console", "home", "general")
    target = (
        MessageRef(place, "m1", "someone", data.draw(st.text(max_size=100)))
        if command.kind == "message"
        else None
    )
    actions = await app.handle(
        CommandInvoked(
            place, who, START, interaction="i", path=command.path, options=options, target=target
        )
    )
    assert isinstance(actions, list)
    answer = "\n".join(getattr(getattr(x, "message", None), "text", "") or "" for x in actions)
    if "something went wrong on our side" in answer:
        raise AssertionError(f"/{command.name} {options!r} hit an unexpected error")


@settings(max_examples=100, deadline=None)
@given(
    payload=st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_discord_option_parsing_survives_malformed_payloads(payload: object) -> None:
    from adapters.discord import _flatten

    try:
        _flatten(payload if isinstance(payload, list) else [payload])  # type: ignore[arg-type]
    except (TypeError, KeyError, AttributeError):
        pytest.fail("malformed options must not crash the adapter")


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=st.text(max_size=80))
async def test_console_input_never_crashes(community: RecordingConsole, line: str) -> None:
    await community.type(line)
