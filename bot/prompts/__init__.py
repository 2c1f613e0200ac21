"""Scheduled discussion prompts: content packs, schedules, rotation, threads and stats."""

from bot.kernel.feature import Feature

feature = Feature("prompts")

# Importing the modules registers their handlers on `feature`.
from bot.prompts import commands, listeners, personal  # noqa: E402, F401
from bot.prompts.models import (  # noqa: E402
    CustomPrompt,
    PromptPost,
    PromptReply,
    PromptSchedule,
    PromptSuggestion,
)

__all__ = [
    "CustomPrompt",
    "PromptPost",
    "PromptReply",
    "PromptSchedule",
    "PromptSuggestion",
    "feature",
]
