"""What the bot can see of a Discord server right now, read through REST (not the gateway
cache, so a role renamed or a channel added a minute ago shows): channels and roles for the
dashboard's pickers, the server permissions the bot lacks, the roles ranked above its own, and
the channels it cannot post in (permission overwrites applied as Discord applies them)."""

from __future__ import annotations

from typing import Any

from bot.kernel.platform import Named, Survey

ADMINISTRATOR = 1 << 3
VIEW, SEND = 1 << 10, 1 << 11
TEXT_KINDS = (0, 5, 15)  # text, announcement, forum
# What the bot's features use, with the name Discord's own settings show.
NEEDED = {
    1 << 10: "View Channels",
    1 << 11: "Send Messages",
    1 << 14: "Embed Links",
    1 << 15: "Attach Files",
    1 << 16: "Read Message History",
    1 << 13: "Manage Messages",
    1 << 35: "Create Public Threads",
    1 << 36: "Create Private Threads",
    1 << 38: "Send Messages in Threads",
    1 << 40: "Timeout Members",
    1 << 1: "Kick Members",
    1 << 2: "Ban Members",
}


def survey(
    guild_id: str,
    owner_id: str | None,
    me: dict[str, Any],
    roles: list[dict[str, Any]],
    channels: list[dict[str, Any]],
) -> Survey:
    """`me` is the bot's member object; the lists are Discord's REST payloads."""
    by_id = {str(r["id"]): r for r in roles}
    held = [by_id[str(r)] for r in me.get("roles", []) if str(r) in by_id]
    base = int(by_id.get(guild_id, {}).get("permissions", 0))
    for role in held:
        base |= int(role.get("permissions", 0))
    bot_id = str((me.get("user") or {}).get("id", ""))
    everything = bot_id == owner_id or bool(base & ADMINISTRATOR)
    top = max((int(r.get("position", 0)) for r in held), default=0)
    text = sorted(
        (c for c in channels if c.get("type") in TEXT_KINDS),
        key=lambda c: int(c.get("position", 0)),
    )
    pickable = sorted(
        (r for r in roles if str(r["id"]) != guild_id and not r.get("managed")),
        key=lambda r: -int(r.get("position", 0)),
    )
    mine = {str(r["id"]) for r in held}
    return Survey(
        channels=tuple(Named(str(c["id"]), str(c.get("name", ""))) for c in text),
        roles=tuple(Named(str(r["id"]), str(r.get("name", ""))) for r in pickable),
        missing=() if everything else tuple(n for bit, n in NEEDED.items() if not base & bit),
        outranking=tuple(
            str(r.get("name", ""))
            for r in pickable
            if int(r.get("position", 0)) >= top and str(r["id"]) not in mine
        ),
        unreadable=()
        if everything
        else tuple(
            str(c["id"])
            for c in text
            if _in_channel(base, guild_id, bot_id, mine, c) & (VIEW | SEND) != VIEW | SEND
        ),
    )


def _in_channel(base: int, guild_id: str, bot_id: str, mine: set[str], c: dict[str, Any]) -> int:
    """The bot's permissions in a channel: @everyone's overwrite, then its roles', then its own."""
    overwrites = {str(o["id"]): o for o in c.get("permission_overwrites") or []}
    perms = base
    everyone = overwrites.get(guild_id)
    if everyone:
        perms = (perms & ~int(everyone.get("deny", 0))) | int(everyone.get("allow", 0))
    allow = deny = 0
    for rid in mine:
        if rid in overwrites:
            allow |= int(overwrites[rid].get("allow", 0))
            deny |= int(overwrites[rid].get("deny", 0))
    perms = (perms & ~deny) | allow
    own = overwrites.get(bot_id)
    if own:
        perms = (perms & ~int(own.get("deny", 0))) | int(own.get("allow", 0))
    return perms
