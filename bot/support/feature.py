"""The support feature object and its settings section (`[support]`). A leaf: it imports
nothing of the package."""

from __future__ import annotations

from pydantic import BaseModel

from bot.kernel.feature import Feature


class SupportSettings(BaseModel):
    default_country: str | None = None
    # The directory shipped in content/directory/ (brought up to date at start); off: not shown.
    shipped_directory: bool = True


feature = Feature("support", "bot.support", modules=("suggestions",))
config = feature.section(SupportSettings)
