"""Installations for many workspaces (OAuth), kept in the bot's own database.

slack-sdk's SQLAlchemy stores do the work on the project's engine; these wrappers give bolt the
async interface it expects without a second, async database driver.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.engine import Engine


class DatabaseInstallations(AsyncInstallationStore):
    def __init__(self, engine: Engine, client_id: str) -> None:
        self.sync = SQLAlchemyInstallationStore(client_id=client_id, engine=engine)
        self.sync.metadata.create_all(engine)

    @property
    def logger(self) -> Any:
        return self.sync.logger

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.sync.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.sync.save_bot, bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return await asyncio.to_thread(
            self.sync.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            self.sync.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def token_for(self, team: str) -> str | None:
        bot = await self.async_find_bot(enterprise_id=None, team_id=team)
        return bot.bot_token if bot else None


class DatabaseOAuthStates(AsyncOAuthStateStore):
    def __init__(self, engine: Engine, expiration_seconds: int = 600) -> None:
        self.sync = SQLAlchemyOAuthStateStore(expiration_seconds=expiration_seconds, engine=engine)
        self.sync.metadata.create_all(engine)

    @property
    def logger(self) -> Any:
        return self.sync.logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.sync.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.sync.consume, state)
