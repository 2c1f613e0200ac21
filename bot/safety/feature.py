"""The crisis pathway's feature object. A leaf: it imports nothing of the package, whose
modules register on it."""

from __future__ import annotations

from bot.kernel.feature import Feature

feature = Feature("safety", "bot.safety", modules=("pathway", "discretion"))
