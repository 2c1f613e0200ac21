"""The peers feature object and its settings section (`[peers]`). A leaf: it imports nothing
of the package."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.kernel.feature import Feature


class PeersSettings(BaseModel):
    no_repeat_rounds: int = Field(default=6, ge=0)


feature = Feature("peers", "bot.peers", modules=())
config = feature.section(PeersSettings)
