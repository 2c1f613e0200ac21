"""The prompts feature object. A leaf: it imports nothing of the package, whose modules
register on it."""

from __future__ import annotations

from bot.kernel.feature import Feature

feature = Feature("prompts", "bot.prompts", modules=("commands", "listeners", "personal"))
