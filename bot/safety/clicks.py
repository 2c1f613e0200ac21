"""The ids on the crisis reply's buttons, and the community a click belongs to (a click in a
Discord DM carries none)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import select

from bot.kernel.store.models import Community

if TYPE_CHECKING:
    from bot.kernel.context import Context

DM_COMMUNITY = "dm"  # the community of a Discord DM (adapters.discord.place_of)


def talk_id(ctx: Context, user_id: str) -> str:
    """The button names the community: clicked in a DM, the click itself carries none."""
    return f"safety-talk:{user_id}:{ctx.place.community}"[:100]


def quiet_id(ctx: Context, user_id: str, lang: str) -> str:
    """The "don't contact me" button names the community, like the talk button, and the
    language of the reply it sits under, so the confirmation comes in that language too."""
    return f"safety-quiet:{user_id}:{ctx.place.community}:{lang}"[:100]


def community_of_click(ctx: Context, args: list[str]) -> Community | None:
    """Where the member asked for help. A click in a DM (Discord DMs have no server) uses the
    community named by the button, and only for the member the button was made for."""
    if ctx.place.community != DM_COMMUNITY:
        return ctx.community
    if len(args) < 2 or args[0] != ctx.actor_id or args[1] == DM_COMMUNITY:
        return None
    query = select(Community).where(
        Community.platform == ctx.place.platform, Community.community_id == args[1]
    )
    return ctx.session.exec(query).first()  # never create one from a click
