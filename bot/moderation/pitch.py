"""Requests and pitches aimed at members: the signals of content/automod/signals.yaml, found in
one normalised form of the message, and rules that fire on combinations of them.

A rule of kind `pitch` lists combinations (`when`: any of them, each needing all its signals) and
vetoes (`unless`); so "send me" + "gift card" fires while "gift card" alone, or "send me the
link", does not. Every message costs one pass of an re2 set holding all signals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import re2
import yaml

from bot.kernel.paths import CONTENT_DIR
from bot.moderation.normalize import pitch_pattern

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
    """Which signals a normalised message holds, in one pass (an re2 set of all of them); the
    words behind each are looked up only for a message that some rule flags. Both take the
    text as UTF-8 too (`encoded`): re2 reads bytes, and handing them over saves the wrapper
    encoding the text and mapping offsets back to characters on every call."""

    def __init__(self, signals: dict[str, Signal]) -> None:
        self.signals = signals
        self._names = list(signals)
        self._regex = {name: _compile(s.patterns, f"signal {name}") for name, s in signals.items()}
        self._cancelled_by = {n: s.cancelled_by for n, s in signals.items() if s.cancelled_by}
        self._set = re2.Set.SearchSet()
        for name in self._names:
            self._set.Add(self._regex[name].pattern)
        self._set.Compile()

    def present(self, text: str, encoded: bytes | None = None) -> set[str]:
        found = self._set.Match(text.encode() if encoded is None else encoded)
        if not found:
            return set()
        names = {self._names[i] for i in found}
        if self._cancelled_by:
            for name in list(names):
                if self._cancelled_by.get(name) in names:
                    names.discard(name)
        return names

    def evidence(
        self, text: str, names: Iterable[str], encoded: bytes | None = None
    ) -> tuple[Evidence, ...]:
        data = text.encode() if encoded is None else encoded
        out = []
        for name in names:
            if m := self._regex[name].search(data):
                words = " ".join(m.group(0).decode().split())
                out.append(Evidence(name, self.signals[name].says, words))
        return tuple(out)


def satisfied(
    found: set[str], when: tuple[tuple[str, ...], ...], unless: tuple[tuple[str, ...], ...]
) -> tuple[str, ...] | None:
    """The first combination of `when` that `found` holds, unless a veto holds too."""
    return Conditions(when, unless).first(found)


class Conditions:
    """A rule's `when` and `unless`, held as sets so that each test is one subset check."""

    __slots__ = ("_unless", "_when")

    def __init__(
        self, when: tuple[tuple[str, ...], ...], unless: tuple[tuple[str, ...], ...]
    ) -> None:
        self._when = tuple((frozenset(combo), combo) for combo in when)
        self._unless = tuple(frozenset(veto) for veto in unless)

    def first(self, found: set[str]) -> tuple[str, ...] | None:
        """The first combination of `when` that `found` holds, unless a veto holds too."""
        for veto in self._unless:
            if veto <= found:
                return None
        for needed, combo in self._when:
            if needed <= found:
                return combo
        return None
