"""What the directory attacks share: a member's own `/support ...` answer on each platform
(through the real adapters and the emulators), the dashboard's search preview and import, and
the rows, audit entries and operator log of the running bot."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from playwright.sync_api import expect
from sqlmodel import Session, col, select

from bot.moderation.models import AuditEntry
from bot.support import layers
from bot.support.directory import DIRECTORY_DIR
from bot.support.models import OperatorLogEntry, SupportService
from tests.emulators.discord.server import GUILD_ID
from tests.emulators.slack.server import TEAM_ID
from tests.web.world import WebWorld

DISCORD = f"/c/discord/{GUILD_ID}"
SLACK = f"/c/slack/{TEAM_ID}"
SHIPPED: list[dict[str, Any]] = json.loads(DIRECTORY_DIR.read_text(encoding="utf-8"))
FOUND = "Support that may fit"  # the title of a `/support find` answer with results


def shipped(name: str) -> dict[str, Any]:
    return next(s for s in SHIPPED if s["name"] == name)


def attribute(code: str) -> dict[str, Any]:
    term = {"id": f"t-{code}", "code": code, "name": code, "description": code}
    return {"id": f"attr-{code}", "taxonomy_term": term}


# --- what the running bot holds ------------------------------------------------------------


def rows(world: WebWorld, platform: str, community: str) -> dict[str, SupportService]:
    with Session(world.app.store.engine) as s:
        return {x.id: x for x in layers.services(s, (platform, community))}


def audit(world: WebWorld, platform: str, community: str) -> list[AuditEntry]:
    with Session(world.app.store.engine) as s:
        query = select(AuditEntry).where(
            AuditEntry.platform == platform, AuditEntry.community_id == community
        )
        return list(s.exec(query.order_by(col(AuditEntry.id))).all())


def operator_log(world: WebWorld) -> list[OperatorLogEntry]:
    with Session(world.app.store.engine) as s:
        return list(s.exec(select(OperatorLogEntry).order_by(col(OperatorLogEntry.id))).all())


def remove(world: WebWorld, key: layers.LayerKey, ids: list[str]) -> None:
    """Undo what a test added (the layer's revision moves, so every search sees it gone)."""
    with Session(world.app.store.engine) as s:
        for sid in ids:
            row = layers.find(s, key, sid)
            if row is not None:
                s.delete(row)
        layers.bump(s, key, world.app.clock.now())
        s.commit()


# --- a member's own answer on each platform -------------------------------------------------


def _slack_text(msg: dict[str, Any]) -> str:
    parts = [msg.get("text") or ""]
    for b in msg.get("blocks") or []:
        if b.get("text"):
            parts.append(b["text"]["text"])
        parts += [f["text"] for f in b.get("fields", [])]
        parts += [
            e.get("text", "") for e in b.get("elements", []) if isinstance(e.get("text"), str)
        ]
    return "\n".join(parts)


def slack_command(world: WebWorld, user: str, text: str) -> str:
    """A member's own `/crossings ...` in the Slack workspace, through the real adapter; the
    private answer they get."""
    em = world.slack
    before = len(em.ephemerals)

    async def run() -> None:
        env = await em.push("slash_commands", em.command_payload(user, "C0GENERAL", text))
        await em.acked(env)
        for _ in range(300):
            await world.app.outbox.deliver_due(world.app.clock.now())
            if len(em.ephemerals) > before:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"no answer to /crossings {text}")

    world.call(run())
    return _slack_text(em.ephemerals[-1])


def discord_fields(world: WebWorld, user: str, sub: str, **options: str) -> list[tuple[str, str]]:
    """A member's own `/support SUB option:value ...` in the Discord server, through the real
    adapter; the (name, value) fields of the private answer (empty when it has none)."""
    em = world.discord
    given = [{"type": 3, "name": k, "value": v} for k, v in options.items()]

    async def run() -> dict[str, Any]:
        channel = em.channel_id("general")
        it = await em.slash(user, channel, "support", [{"type": 1, "name": sub, "options": given}])
        for _ in range(300):
            await world.app.outbox.deliver_due(world.app.clock.now())
            if it.answered and (not it.deferred or it.followups):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError(f"no answer to /support {sub}")
        body = it.followups[-1] if it.followups else (it.response or {}).get("data", {})
        return dict(body)

    answer = world.call(run())
    fields = [f for e in answer.get("embeds", []) for f in e.get("fields", [])]
    return [(_plain(f["name"]), _plain(f["value"])) for f in fields]


def _plain(markdown: str) -> str:
    """Discord's text without the backslashes that keep it from reading as markdown."""
    return re.sub(r"\\(.)", r"\1", markdown)


# --- the dashboard ---------------------------------------------------------------------------


def preview(page: Any, world: WebWorld, here: str, **query: str) -> str:
    """The dashboard's search preview: the members' own `/support find` in that community."""
    params = "&".join(f"{k}={v}" for k, v in query.items())
    page.goto(f"{world.base}{here}/directory?{params}")
    return str(page.get_by_role("region", name="Search results").inner_text())


def import_through_the_dashboard(
    page: Any, world: WebWorld, docs: list[dict[str, Any]], here: str = DISCORD
) -> str:
    """An administrator's two-step HSDS import; the dry run's report."""
    page.goto(world.base + here + "/directory")
    page.get_by_label("Feed file").set_input_files(
        {"name": "feed.json", "mimeType": "application/json", "buffer": json.dumps(docs).encode()}
    )
    page.get_by_role("button", name="Check this file").click()
    report = str(page.locator(".report").inner_text())
    page.get_by_role("button", name="Import these changes").click()
    expect(page.locator(".notice.ok")).to_contain_text("Imported into your community's entries")
    return report


def csrf(page: Any, world: WebWorld, here: str) -> str:
    page.goto(world.base + here + "/directory")
    return str(page.locator("input[name=csrf]").first.get_attribute("value"))
