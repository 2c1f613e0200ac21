"""Requests and pitches aimed at members: the signals of content/automod/signals.yaml, found in
one normalised form of the message, and rules that fire on combinations of them.

A rule of kind `pitch` lists combinations (`when`: any of them, each needing all its signals) and
vetoes (`unless`); so "send me" + "gift card" fires while "gift card" alone, or "send me the
link", does not. Clean messages cost one re2 search: only the signals that can start a
combination are searched for first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import re2
import yaml

from bot.moderation.normalize import pitch_pattern
from bot.paths import CONTENT_DIR

DEFAULT_SIGNALS = CONTENT_DIR / "automod" / "signals.yaml"


class SignalError(ValueError):
    """A signal file or a rule's combination that cannot be used."""


@dataclass(frozen=True)
class Signal:
    name: str
    says: str  # shown to moderators next to the words that matched
    patterns: tuple[str, ...]
    cancelled_by: str | None = None


@dataclass(frozen=True)
class Evidence:
    signal: str
    says: str
    words: str


def _compile(patterns: Iterable[str], where: str) -> Any:
    source = "|".join(f"(?:{pitch_pattern(p)})" for p in patterns)
    try:
        return re2.compile(source)
    except Exception as exc:  # re2 raises its own error type
        raise SignalError(f"{where}: a pattern is not valid ({exc})") from None


def parse_signals(data: dict[str, Any]) -> dict[str, Signal]:
    signals: dict[str, Signal] = {}
    for name, spec in (data.get("signals") or {}).items():
        patterns = tuple(
            p for key, value in spec.items() if key not in ("says", "cancelled_by") for p in value
        )
        if not patterns:
            raise SignalError(f"signal {name}: no patterns")
        signals[name] = Signal(name, spec.get("says", name), patterns, spec.get("cancelled_by"))
    return signals


@lru_cache(maxsize=4)
def load_signals(path: Path = DEFAULT_SIGNALS) -> dict[str, Signal]:
    return parse_signals(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


class SignalFinder:
    """Finds which signals a normalised message holds; `starters` are searched first."""

    def __init__(self, signals: dict[str, Signal], starters: Iterable[str]) -> None:
        self.signals = signals
        self._regex = {name: _compile(s.patterns, f"signal {name}") for name, s in signals.items()}
        starters = sorted(set(starters))
        missing = [s for s in starters if s not in signals]
        if missing:
            raise SignalError(f"unknown signal {missing[0]!r}")
        patterns = [p for name in starters for p in signals[name].patterns]
        self._starter = _compile(patterns, "starters") if patterns else None

    def find(self, text: str) -> dict[str, str]:
        """Signal name -> the words that matched (nothing when no starter matches)."""
        if self._starter is None or not self._starter.search(text):
            return {}
        found: dict[str, str] = {}
        for name, rx in self._regex.items():
            if m := rx.search(text):
                found[name] = m.group(0).strip()
        for name, signal in self.signals.items():
            if signal.cancelled_by in found:
                found.pop(name, None)
        return found

    def evidence(self, found: dict[str, str], names: Iterable[str]) -> tuple[Evidence, ...]:
        return tuple(Evidence(n, self.signals[n].says, found[n]) for n in names if n in found)


def satisfied(
    found: dict[str, str], when: tuple[tuple[str, ...], ...], unless: tuple[tuple[str, ...], ...]
) -> tuple[str, ...] | None:
    """The first combination of `when` that `found` holds, unless a veto holds too."""
    if any(all(s in found for s in veto) for veto in unless):
        return None
    for combo in when:
        if all(s in found for s in combo):
            return combo
    return None
