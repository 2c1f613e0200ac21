"""The Discord adapter end to end: the real discord.py client against the loopback emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.emulators.discord.harness import DiscordCommunity, discord_community
from tests.emulators.discord.server import APP_ID

pytestmark = [pytest.mark.discord, pytest.mark.e2e]


@pytest.fixture
async def dc(tmp_path: Path) -> AsyncIterator[DiscordCommunity]:
    async with discord_community(tmp_path) as community:
        community.member("111", "Amira")
        community.member("222", "Sam")
        community.member("333", "Noor", ("Moderators",))
        community.member("444", "Lucia", ("Organizers",))
        yield community


async def test_login_and_command_sync(dc: DiscordCommunity) -> None:
    em = dc.emulator
    assert em.identifies == 1
    assert [r.path for r in em.calls("GET", "/users/@me")]
    synced = em.commands["global"]
    names = {c["name"] for c in synced}
    assert {"help", "report", "mod", "prompt", "Report message"} <= names
    mod = next(c for c in synced if c["name"] == "mod")
    warn = next(o for o in mod["options"] if o["name"] == "warn")
    assert warn["type"] == 1 and warn["options"][0]["type"] == 6  # a member option
    assert all(c["application_id"] == APP_ID for c in synced)


async def test_a_slash_command_is_answered_ephemerally(dc: DiscordCommunity) -> None:
    it = await dc.emulator.slash("111", dc.emulator.channel_id("general"), "help")
    response = await dc.answered(it)
    assert response["type"] == 4
    assert response["data"]["flags"] & 64  # ephemeral
    assert "What you can do here" in response["data"]["embeds"][0]["title"]


# --- helpers ------------------------------------------------------------------------------


async def set_queue(dc: DiscordCommunity) -> str:
    from tests.emulators.discord.server import OWNER_ID

    queue = dc.emulator.channel_id("moderators")
    it = await dc.emulator.slash(
        OWNER_ID,
        queue,
        "settings",
        [{"type": 1, "name": "queue", "options": [{"type": 7, "name": "channel", "value": queue}]}],
    )
    await dc.answered(it)
    return queue


def texts(messages: list[dict]) -> list[str]:  # type: ignore[type-arg]
    out = []
    for m in messages:
        parts = [m.get("content") or ""]
        for e in m.get("embeds", []):
            parts += [e.get("title") or "", e.get("description") or ""]
            parts += [f"{f['name']}: {f['value']}" for f in e.get("fields", [])]
        out.append("\n".join(p for p in parts if p))
    return out


# --- permissions -------------------------------------------------------------------------


async def test_a_member_without_the_role_is_refused_by_the_core(dc: DiscordCommunity) -> None:
    it = await dc.emulator.slash(
        "111",
        dc.emulator.channel_id("general"),
        "mod",
        [
            {
                "type": 1,
                "name": "warn",
                "options": [
                    {"type": 6, "name": "member", "value": "222"},
                    {"type": 3, "name": "reason", "value": "be kind"},
                ],
            }
        ],
    )
    response = await dc.answered(it)
    assert "Only moderators" in texts([response["data"]])[0]
    assert not dc.emulator.dm_messages("222")


async def test_a_moderator_role_is_enough(dc: DiscordCommunity) -> None:
    it = await dc.emulator.slash(
        "333",
        dc.emulator.channel_id("general"),
        "mod",
        [
            {
                "type": 1,
                "name": "warn",
                "options": [
                    {"type": 6, "name": "member", "value": "222"},
                    {"type": 3, "name": "reason", "value": "be kind"},
                ],
            }
        ],
    )
    response = await dc.answered(it)
    assert "is warned" in texts([response["data"]])[0]
    await dc.settle(lambda: dc.emulator.dm_messages("222"))
    assert "be kind" in texts(dc.emulator.dm_messages("222"))[0]


async def test_moderators_cannot_act_on_the_owner(dc: DiscordCommunity) -> None:
    from tests.emulators.discord.server import OWNER_ID

    it = await dc.emulator.slash(
        "333",
        dc.emulator.channel_id("general"),
        "mod",
        [
            {
                "type": 1,
                "name": "ban",
                "options": [
                    {"type": 6, "name": "member", "value": OWNER_ID},
                    {"type": 3, "name": "reason", "value": "nope"},
                ],
            }
        ],
    )
    response = await dc.answered(it)
    assert "can't be moderated" in texts([response["data"]])[0]
    assert not dc.emulator.calls("PUT", f"/guilds/{dc.guild}/bans/")


# --- reports and the queue ---------------------------------------------------------------


async def test_report_context_menu_modal_and_queue_card(dc: DiscordCommunity) -> None:
    em = dc.emulator
    queue = await set_queue(dc)
    target = await em.post(
        "222", em.channel_id("general"), "Your partner only wants your passport."
    )
    it = await em.context_menu("111", "Report message", target)
    await dc.answered(it)
    select = it.response["data"]["components"][0]["components"][0]  # type: ignore[index]
    assert select["type"] == 3 and select["custom_id"].startswith("mod-reason:")
    reply = em.messages[
        next(
            iter(
                m
                for m in em.messages
                if em.messages[m]["components"]
                and em.messages[m]["components"][0]["components"][0]["custom_id"]
                == select["custom_id"]
            )
        )
    ]
    it2 = await em.click("111", reply, select["custom_id"], ["harassment"])
    modal = await dc.answered(it2)
    assert modal["type"] == 9 and modal["data"]["custom_id"].startswith("mod-report:")
    it3 = await em.submit(
        "111", em.channel_id("general"), modal["data"]["custom_id"], {"details": "again"}
    )
    thanks = await dc.answered(it3)
    assert "saved as case #1" in texts([thanks["data"]])[0] and thanks["data"]["flags"] & 64
    await dc.settle(lambda: em.in_channel(queue))
    card = em.in_channel(queue)[-1]
    body = texts([card])[0]
    assert "Case #1 · report" in body and "passport" in body
    labels = [c.get("label") for row in card["components"] for c in row["components"]]
    assert "Claim" in labels and "Ban" in labels
    assert not em.dm_messages("222")  # the reported member hears nothing


async def test_a_card_button_acts_and_updates_the_card(dc: DiscordCommunity) -> None:
    em = dc.emulator
    queue = await set_queue(dc)
    it = await em.slash(
        "111",
        em.channel_id("general"),
        "report",
        [
            {"type": 6, "name": "member", "value": "222"},
            {"type": 3, "name": "reason", "value": "spam"},
        ],
    )
    modal = await dc.answered(it)
    await dc.answered(
        await em.submit(
            "111", em.channel_id("general"), modal["data"]["custom_id"], {"details": ""}
        )
    )
    await dc.settle(lambda: em.in_channel(queue))
    card = em.in_channel(queue)[-1]
    claim = next(
        c for row in card["components"] for c in row["components"] if c.get("label") == "Claim"
    )
    await dc.answered(await em.click("333", card, claim["custom_id"]))
    await dc.settle(lambda: em.calls("PATCH", f"/channels/{queue}/messages/{card['id']}"))
    assert "claimed by" in texts([em.messages[card["id"]]])[0]


async def test_reports_by_direct_message(dc: DiscordCommunity) -> None:
    await set_queue(dc)
    await dc.emulator.dm_bot("111", "Someone keeps asking me for money in DMs")
    await dc.settle(lambda: dc.emulator.dm_messages("111")[1:])
    assert any("saved as case" in t for t in texts(dc.emulator.dm_messages("111")))


# --- actions as REST calls ---------------------------------------------------------------


async def test_timeout_and_ban_are_the_right_rest_calls(dc: DiscordCommunity) -> None:
    em = dc.emulator
    general = em.channel_id("general")
    await dc.answered(
        await em.slash(
            "333",
            general,
            "mod",
            [
                {
                    "type": 1,
                    "name": "timeout",
                    "options": [
                        {"type": 6, "name": "member", "value": "222"},
                        {"type": 3, "name": "duration", "value": "1h"},
                        {"type": 3, "name": "reason", "value": "cool down"},
                    ],
                }
            ],
        )
    )
    await dc.settle(lambda: em.calls("PATCH", f"/guilds/{dc.guild}/members/222"))
    patch = em.calls("PATCH", f"/guilds/{dc.guild}/members/222")[0]
    assert patch.body["communication_disabled_until"].startswith("20")
    await dc.answered(
        await em.slash(
            "333",
            general,
            "mod",
            [
                {
                    "type": 1,
                    "name": "ban",
                    "options": [
                        {"type": 6, "name": "member", "value": "222"},
                        {"type": 3, "name": "reason", "value": "repeated"},
                    ],
                }
            ],
        )
    )
    await dc.settle(lambda: em.calls("PUT", f"/guilds/{dc.guild}/bans/222"))
    assert "222" in em.bans


async def test_automod_deletes_through_rest(dc: DiscordCommunity) -> None:
    em = dc.emulator
    msg = await em.post("222", em.channel_id("general"), "go back to your country")
    await dc.settle(
        lambda: em.calls("DELETE", f"/channels/{msg['channel_id']}/messages/{msg['id']}")
    )
    await dc.settle(lambda: em.dm_messages("222"))
    assert "removed automatically" in texts(em.dm_messages("222"))[0]


async def test_a_prompt_post_starts_a_thread(dc: DiscordCommunity) -> None:
    em = dc.emulator
    prompts = em.channel_id("prompts")
    await dc.answered(
        await em.slash(
            "444",
            prompts,
            "prompt",
            [
                {
                    "type": 1,
                    "name": "post-now",
                    "options": [{"type": 3, "name": "theme", "value": "holidays-food-family"}],
                }
            ],
        )
    )
    await dc.settle(lambda: em.calls("POST", f"/channels/{prompts}/messages/"))
    thread_call = em.calls("POST", f"/channels/{prompts}/messages/")[0]
    assert thread_call.path.endswith("/threads") and 1 <= len(thread_call.body["name"]) <= 100
    # The command's own answer and the post may land in either order.
    assert any("Holidays, food and family traditions" in t for t in texts(em.in_channel(prompts)))


async def test_a_schedule_can_target_a_forum(dc: DiscordCommunity) -> None:
    em = dc.emulator
    forum = em.channel_id("stories")
    await dc.answered(
        await em.slash(
            "444",
            em.channel_id("general"),
            "prompt",
            [
                {
                    "type": 1,
                    "name": "schedule",
                    "options": [
                        {"type": 3, "name": "theme", "value": "holidays-food-family"},
                        {"type": 7, "name": "channel", "value": forum},
                        {"type": 3, "name": "when", "value": "every monday 19:00"},
                        {"type": 5, "name": "forum", "value": True},
                    ],
                }
            ],
        )
    )
    from datetime import timedelta

    await dc.app.advance_to(dc.app.clock.now() + timedelta(days=8))
    await dc.settle(lambda: em.calls("POST", f"/channels/{forum}/threads"))
    call = em.calls("POST", f"/channels/{forum}/threads")[0]
    assert call.body["applied_tags"]  # tagged with its theme
    assert call.body["message"]["embeds"][0]["title"].startswith("This week's question")


# --- errors, limits and the connection ---------------------------------------------------


async def test_a_429_is_retried_until_it_succeeds(dc: DiscordCommunity) -> None:
    em = dc.emulator
    general = em.channel_id("general")
    em.fail("POST", f"/channels/{general}/messages", 429, times=1, retry_after=0.05)
    from bot.kernel import actions as a
    from bot.kernel.events import Place
    from bot.kernel.message import Message

    result = await dc.adapter.platform.execute(
        a.Post(Place("discord", dc.guild, general), Message(text="hello"))
    )
    assert result.ok
    statuses = [r.status for r in em.calls("POST", f"/channels/{general}/messages")]
    assert statuses == [429, 200]


async def test_a_5xx_is_surfaced_as_retryable(dc: DiscordCommunity) -> None:
    # (discord.py itself retries 500/502/504 a few times before giving up; 503 surfaces at once)
    em = dc.emulator
    general = em.channel_id("general")
    em.fail("POST", f"/channels/{general}/messages", 503, times=10)
    from bot.kernel import actions as a
    from bot.kernel.events import Place
    from bot.kernel.message import Message

    result = await dc.adapter.platform.execute(
        a.Post(Place("discord", dc.guild, general), Message(text="hello"))
    )
    assert not result.ok and result.retryable and "503" in (result.error or "")


async def test_a_refused_action_is_reported_not_retried(dc: DiscordCommunity) -> None:
    from bot.kernel import actions as a
    from bot.kernel.events import Place
    from bot.kernel.message import Message

    result = await dc.adapter.platform.execute(
        a.Post(Place("discord", dc.guild, "123456"), Message(text="x"))
    )
    assert not result.ok and not result.retryable and "404" in (result.error or "")


async def test_an_over_long_message_is_split_cleanly(dc: DiscordCommunity) -> None:
    from bot.kernel import actions as a
    from bot.kernel.events import Place
    from bot.kernel.message import Message

    general = dc.emulator.channel_id("general")
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(100))  # about 10,000 characters
    result = await dc.adapter.platform.execute(
        a.Post(Place("discord", dc.guild, general), Message(title="Long", text=text))
    )
    assert result.ok
    sent = dc.emulator.in_channel(general)
    assert len(sent) == 3
    assert all(len(m["embeds"][0]["description"]) <= 4096 for m in sent)
    assert "".join(m["embeds"][0]["description"] + "\n" for m in sent).strip() == text


async def test_the_emulator_refuses_what_discord_refuses(dc: DiscordCommunity) -> None:
    import aiohttp

    base = dc.emulator.api_base
    general = dc.emulator.channel_id("general")
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": "Bot emulator-token"}
        async with http.post(
            f"{base}/channels/{general}/messages", json={"content": "x" * 2001}, headers=headers
        ) as r:
            assert r.status == 400
        async with http.post(
            f"{base}/channels/{general}/messages", json={"content": 5}, headers=headers
        ) as r:
            assert r.status == 400 and "content" in str(await r.json())
        async with http.post(
            f"{base}/channels/{general}/messages",
            json={"content": "x"},
            headers={"Authorization": "Bot wrong"},
        ) as r:
            assert r.status == 401
        async with http.get(f"{base}/nowhere", headers=headers) as r:
            assert r.status == 404


async def test_an_interaction_cannot_be_answered_twice(dc: DiscordCommunity) -> None:
    it = await dc.emulator.slash("111", dc.emulator.channel_id("general"), "help")
    await dc.answered(it)
    import aiohttp

    async with aiohttp.ClientSession() as http:
        url = f"{dc.emulator.api_base}/interactions/{it.id}/{it.token}/callback"
        async with http.post(url, json={"type": 4, "data": {"content": "again"}}) as r:
            assert r.status == 400


async def test_a_slow_command_is_deferred_then_answered(dc: DiscordCommunity) -> None:
    import asyncio

    from bot.kernel.commands import Command

    async def slow(ctx: object) -> None:
        await asyncio.sleep(2.3)
        ctx.reply("done at last")  # type: ignore[attr-defined]

    dc.app.registry.commands[("help",)] = Command(("help",), "slow help", slow)
    it = await dc.emulator.slash("111", dc.emulator.channel_id("general"), "help")
    await dc.answered(it, timeout=8)
    assert it.response["type"] == 5  # type: ignore[index]
    assert "done at last" in texts(it.followups)[0]


async def test_the_gateway_resumes_after_a_drop(dc: DiscordCommunity) -> None:
    import asyncio

    em = dc.emulator
    await em.drop()
    await asyncio.wait_for(em.identified.wait(), 15)
    assert em.resumed + em.identifies >= 2
    await dc.settle(lambda: em.sockets)
    msg = await em.post("222", em.channel_id("general"), "go back to your country")
    await dc.settle(
        lambda: em.calls("DELETE", f"/channels/{msg['channel_id']}/messages/{msg['id']}"),
        timeout=10,
    )


async def test_a_wrong_token_fails_to_log_in(tmp_path: Path) -> None:
    import discord

    with pytest.raises(discord.LoginFailure):
        async with discord_community(tmp_path, discord={"token": "not-the-token"}):
            pass


async def test_shards_come_from_configuration(tmp_path: Path) -> None:
    async with discord_community(tmp_path, discord={"shard_count": 2, "shard_ids": [1]}) as dc:
        assert dc.emulator.shards_seen == [[1, 2]]


async def test_the_crisis_pathway_on_discord(dc: DiscordCommunity) -> None:
    em = dc.emulator
    queue = await set_queue(dc)
    msg = await em.post("111", em.channel_id("general"), "I want to kill myself tonight")
    await dc.settle(lambda: em.dm_messages("111") and em.in_channel(queue))
    assert "glad you told us" in texts(em.dm_messages("111"))[0]  # the suicide family's reply
    assert "Urgent" in texts(em.in_channel(queue))[-1]
    public = [m for m in em.in_channel("general") if m["author"]["id"] != "111"]
    assert public == []  # nothing posted in the channel
    assert msg["id"] in em.messages  # and the member's message is not removed


async def test_peer_introductions_open_a_private_thread(dc: DiscordCommunity) -> None:
    from datetime import timedelta

    em = dc.emulator
    general = em.channel_id("general")
    for uid in ("111", "222"):
        await dc.answered(
            await em.slash(
                uid,
                general,
                "peers",
                [
                    {
                        "type": 1,
                        "name": "join",
                        "options": [
                            {"type": 3, "name": "tags", "value": "long-distance"},
                            {"type": 3, "name": "languages", "value": "en"},
                        ],
                    }
                ],
            )
        )
    await dc.answered(
        await em.slash(
            "444",
            general,
            "peers",
            [
                {
                    "type": 1,
                    "name": "schedule",
                    "options": [
                        {"type": 3, "name": "every", "value": "7"},
                        {"type": 7, "name": "channel", "value": general},
                    ],
                }
            ],
        )
    )
    await dc.app.advance_to(dc.app.clock.now() + timedelta(hours=2))
    await dc.settle(lambda: em.calls("PUT", "/channels/"))
    thread = em.calls("POST", f"/channels/{general}/threads")[0]
    assert thread.body["type"] == 12  # a private thread
    added = {
        r.path.rsplit("/", 1)[-1]
        for r in em.calls("PUT", "/channels/")
        if "thread-members" in r.path
    }
    assert added == {"111", "222"}


async def test_a_500_is_retried_by_discord_py_then_surfaced(dc: DiscordCommunity) -> None:
    from bot.kernel import actions as a
    from bot.kernel.events import Place
    from bot.kernel.message import Message

    em = dc.emulator
    general = em.channel_id("general")
    em.fail("POST", f"/channels/{general}/messages", 500, times=10)
    result = await dc.adapter.platform.execute(
        a.Post(Place("discord", dc.guild, general), Message(text="hello"))
    )
    assert not result.ok and result.retryable and "500" in (result.error or "")
    assert (
        len(em.calls("POST", f"/channels/{general}/messages")) == 5
    )  # discord.py's own retries first


@pytest.mark.moderation
async def test_an_edit_meets_automod_on_discord(dc: DiscordCommunity) -> None:
    em = dc.emulator
    msg = await em.post("222", em.channel_id("general"), "hello everyone")
    await dc.settle()
    assert not em.calls("DELETE", f"/channels/{msg['channel_id']}/messages/{msg['id']}")
    await em.edit(msg, "go back to your country")
    await dc.settle(
        lambda: em.calls("DELETE", f"/channels/{msg['channel_id']}/messages/{msg['id']}")
    )


async def test_an_edit_reaches_the_crisis_pathway_on_discord(dc: DiscordCommunity) -> None:
    em = dc.emulator
    queue = await set_queue(dc)
    msg = await em.post("111", em.channel_id("general"), "We made dumplings today")
    await dc.settle()
    assert not em.dm_messages("111")
    await em.edit(msg, "I want to kill myself tonight")
    await dc.settle(lambda: em.dm_messages("111") and em.in_channel(queue))
    public = [m for m in em.in_channel("general") if m["author"]["id"] != "111"]
    assert public == []


async def test_a_message_with_buttons_is_never_kept_for_discord_py_to_dispatch() -> None:
    """Clicks are routed by custom id in the core (they work after a restart); a view discord.py
    stored would be kept for ever and would have its items called besides."""
    from adapters.discord.render import view_for
    from bot.kernel.message import Button, Message

    view = view_for(Message(text="x", rows=((Button("Talk", "safety-talk:u1:g1"),),)))
    assert view is not None and view.children
    assert view.is_finished()
