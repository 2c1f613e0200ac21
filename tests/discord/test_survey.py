"""What the dashboard learns of a Discord server: permissions as Discord computes them (roles,
then channel overwrites for @everyone, the bot's roles and the bot itself), roles ranked above
the bot's, and the pickers' channels and roles."""

from __future__ import annotations

from typing import Any

from adapters.discord.survey import survey

GUILD, BOT, OWNER = "1", "99", "7"
SEND, VIEW, BAN, ADMIN = 1 << 11, 1 << 10, 1 << 2, 1 << 3


def role(rid: str, name: str, position: int, perms: int = 0, **kw: Any) -> dict[str, Any]:
    return {"id": rid, "name": name, "position": position, "permissions": str(perms), **kw}


def channel(cid: str, name: str, kind: int = 0, *overwrites: dict[str, Any]) -> dict[str, Any]:
    made = {"id": cid, "name": name, "type": kind, "position": int(cid)}
    return {**made, "permission_overwrites": list(overwrites)}


def me(*roles: str) -> dict[str, Any]:
    return {"user": {"id": BOT}, "roles": list(roles)}


ROLES = [
    role(GUILD, "@everyone", 0, VIEW),
    role("10", "Moderators", 5),
    role("11", "Crossings", 3, SEND | BAN),
    role("12", "Organizers", 2),
    role("13", "Integration", 6, managed=True),
]


def test_permissions_and_role_order() -> None:
    seen = survey(GUILD, OWNER, me("11"), ROLES, [channel("20", "general")])
    assert "Ban Members" not in seen.missing and "Send Messages" not in seen.missing
    assert "Kick Members" in seen.missing and "View Channels" not in seen.missing
    assert seen.outranking == ("Moderators",)  # managed roles and those below are fine
    assert [r.name for r in seen.roles] == ["Moderators", "Crossings", "Organizers"]
    assert seen.unreadable == ()


def test_channel_overwrites_apply_in_discords_order() -> None:
    closed = channel("21", "mods", 0, {"id": GUILD, "type": 0, "allow": "0", "deny": str(VIEW)})
    reopened = channel(
        "22",
        "queue",
        0,
        {"id": GUILD, "type": 0, "allow": "0", "deny": str(VIEW)},
        {"id": "11", "type": 0, "allow": str(VIEW), "deny": "0"},
    )
    muted = channel(
        "23",
        "quiet",
        0,
        {"id": "11", "type": 0, "allow": str(VIEW), "deny": "0"},
        {"id": BOT, "type": 1, "allow": "0", "deny": str(SEND)},
    )
    voice = channel("24", "voice", 2)
    seen = survey(GUILD, OWNER, me("11"), ROLES, [closed, reopened, muted, voice])
    assert seen.unreadable == ("21", "23")
    assert [c.name for c in seen.channels] == ["mods", "queue", "quiet"]  # text kinds only


def test_an_administrator_or_owner_lacks_nothing() -> None:
    admin = [*ROLES, role("14", "Admin", 1, ADMIN)]
    closed = channel("21", "mods", 0, {"id": GUILD, "type": 0, "allow": "0", "deny": str(VIEW)})
    seen = survey(GUILD, OWNER, me("14"), admin, [closed])
    assert seen.missing == () and seen.unreadable == ()
    assert survey(GUILD, BOT, me(), ROLES, [closed]).missing == ()
