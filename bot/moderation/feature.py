"""The moderation feature object and its settings section (`[moderation]`). A leaf: it imports
nothing of the package, whose modules register on it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot.kernel.feature import Feature


class EscalationStep(BaseModel):
    points: int = Field(ge=1)
    action: Literal["timeout", "ban"]
    duration_hours: float | None = Field(default=None, gt=0)  # None: a permanent ban


class ModerationSettings(BaseModel):
    warning_expiry_days: int = Field(default=90, ge=1)
    # Points counted over this window decide escalation.
    escalation_window_days: int = Field(default=30, ge=1)
    escalation: list[EscalationStep] = Field(
        default_factory=lambda: [
            EscalationStep(points=3, action="timeout", duration_hours=24),
            EscalationStep(points=5, action="ban"),
        ]
    )
    # Per-reporter report limits as (count, seconds): 1 per 5 s, 3 per 5 min, 10 per hour, 24 a day.
    report_limits: list[tuple[int, int]] = Field(
        default_factory=lambda: [(1, 5), (3, 300), (10, 3600), (24, 86400)]
    )
    # Closed cases keep their free text (details, excerpts) this long, then lose it.
    retention_days: int = Field(default=30, ge=1)


feature = Feature(
    "moderation",
    "bot.moderation",
    modules=("automod_commands", "cli", "commands", "listeners", "personal", "queue"),
)
config = feature.section(ModerationSettings)
