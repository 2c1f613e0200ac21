"""Scheduled discussion prompts: content packs, schedules, rotation, threads and stats."""

from bot.prompts.models import (
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
]
