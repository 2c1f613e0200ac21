"""Names to ids for Slack, so `@lea` and `#weekly-prompts` typed as plain text still resolve.

The manifest asks Slack to escape names (`<@U123|lea>`), but commands typed before an update,
pasted from elsewhere or sent by clients that do not escape arrive as plain names. The core's
resolver is synchronous and sits on the path to the answer, so it only reads this cache; the
cache is filled at start-up (users.list, conversations.list) and by every profile looked up.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

PAGES = 20  # at most 20 pages of 200: large workspaces rely on escaped names and profiles


class Directory:
    def __init__(self) -> None:
        self.members: dict[tuple[str, str], str] = {}
        self.channels: dict[tuple[str, str], str] = {}

    def learn_member(self, team: str, user: dict[str, Any]) -> None:
        profile = user.get("profile") or {}
        for name in (user.get("name"), profile.get("display_name"), user.get("real_name")):
            if name:
                self.members.setdefault((team, str(name).lower()), str(user["id"]))

    def member(self, team: str, name: str) -> str | None:
        return self.members.get((team, name.lower().lstrip("@")))

    def channel(self, team: str, name: str) -> str | None:
        return self.channels.get((team, name.lower().lstrip("#")))

    async def fill(self, client: AsyncWebClient, team: str) -> None:
        """Read members and channels (cursor pages); failures only leave the cache smaller."""
        try:
            await self._pages(client.users_list, team, "members", self.learn_member)
            await self._pages(
                client.conversations_list,
                team,
                "channels",
                lambda t, c: self.channels.setdefault((t, str(c["name"]).lower()), str(c["id"])),
                types="public_channel,private_channel",
            )
        except SlackApiError as exc:
            log.warning(
                "could not read the workspace directory: %s",
                exc.response.get("error")
                if isinstance(getattr(exc.response, "data", None), dict)
                else exc,
            )

    @staticmethod
    async def _pages(method: Any, team: str, key: str, learn: Any, **kwargs: Any) -> None:
        cursor = None
        for _ in range(PAGES):
            page = await method(limit=200, cursor=cursor, **kwargs)
            for item in page.get(key) or []:
                learn(team, item)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return
