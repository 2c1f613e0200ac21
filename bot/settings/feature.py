"""The settings feature object (help, community settings, members' own preferences). A leaf:
it imports nothing of the package."""

from __future__ import annotations

from bot.kernel.feature import Feature

feature = Feature("settings", "bot.settings")
