"""The privacy feature object and its settings section (`[privacy]`): retention and the
per-member command limits. A leaf: it imports nothing of the package."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.kernel.feature import Feature


class PrivacySettings(BaseModel):
    retention_days: int = Field(default=30, ge=1)
    purge_hour_utc: int = Field(default=3, ge=0, le=23)  # the daily retention purge
    # Per-member command limits as (count, seconds): a burst, then a sustained rate.
    command_limits: list[tuple[int, int]] = Field(default_factory=lambda: [(8, 10), (60, 300)])


feature = Feature("privacy", "bot.privacy", modules=())
config = feature.section(PrivacySettings)
