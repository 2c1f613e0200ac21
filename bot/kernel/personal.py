"""What every feature that stores member data promises the privacy feature.

A feature registers a `PersonalData` (through `@feature.personal_data`) so `/privacy show`,
export, delete and the retention purge see everything the bot holds about a member.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.kernel.config import Settings


@dataclass(frozen=True)
class Subject:
    """Whose data: one member of one community on one platform."""

    platform: str
    community_id: str
    user_id: str


@dataclass
class PersonalData:
    """A feature's share of what the bot holds about a member.

    `export` returns JSON-able records (everything `/privacy show` counts); `erase` removes the
    member's free text and personal settings, keeping only what safety needs (ids, timestamps,
    outcomes) and returns how many rows it touched; `purge` applies retention to everyone and
    returns how many rows lost their free text (dry_run counts without changing anything),
    reading its retention periods from the settings.
    """

    name: str
    export: Callable[[Session, Subject], list[dict[str, Any]]]
    erase: Callable[[Session, Subject], int]
    purge: Callable[[Session, datetime, bool, Settings], int] | None = None
