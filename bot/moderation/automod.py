"""Automod: rules compiled once per rule-set change, checked on every message.

Keywords are matched as whole normalised words with one Aho-Corasick pass (pyahocorasick);
regex rules run on google-re2, whose matching time is linear in the message, so no rule can hang
the bot; the rest (links, invites, mentions, flood, duplicates, new accounts) are cheap checks.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick
import re2
import yaml

from bot.moderation.normalize import fold, match_text, normalise_phrase
from bot.paths import CONTENT_DIR

ACTIONS = ("delete", "hold", "warn", "timeout", "alert", "reply")
KINDS = ("keywords", "regex", "links", "invites", "mentions", "flood", "duplicate", "new_account")
DEFAULT_RULES = CONTENT_DIR / "automod" / "default.yaml"

_URL = re.compile(r"https?://([^/\s:?#]+)", re.IGNORECASE)
_INVITE = re.compile(
    r"(discord(?:app)?\.(?:gg|com/invite|io|me)|join\.slack\.com|chat\.whatsapp\.com|t\.me)/\S+",
    re.IGNORECASE,
)


class RuleError(ValueError):
    """A rule that cannot be used (a bad regex, an unknown kind or action)."""


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    category: str = "other"
    actions: tuple[str, ...] = ("alert",)
    words: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    deny_domains: tuple[str, ...] = ()
    allow_domains: tuple[str, ...] = ()
    max_mentions: int = 5
    max_messages: int = 6
    max_repeats: int = 3
    window_seconds: int = 10
    timeout_minutes: int = 10
    account_age_days: int = 3
    exempt_roles: tuple[str, ...] = ()
    exempt_channels: tuple[str, ...] = ()

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Rule:
        kind = data.get("kind", "")
        if kind not in KINDS:
            raise RuleError(f"rule {data.get('id')}: unknown kind {kind!r}")
        actions = tuple(data.get("actions") or ("alert",))
        bad = [a for a in actions if a not in ACTIONS]
        if bad:
            raise RuleError(f"rule {data.get('id')}: unknown action {bad[0]!r}")
        known = set(Rule.__dataclass_fields__)
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known
        }
        values["actions"] = actions
        return Rule(**values)


@dataclass(frozen=True)
class Hit:
    rule: Rule
    matched: str

    @property
    def actions(self) -> tuple[str, ...]:
        return self.rule.actions


@dataclass(frozen=True)
class Message:
    """What automod looks at, from a MessagePosted event."""

    text: str
    author_id: str
    channel: str | None = None
    roles: frozenset[str] = frozenset()
    mentions: int = 0
    mentions_everyone: bool = False
    account_age_days: float | None = None
    at: float = field(default_factory=time.monotonic)


def _domain_matches(host: str, domains: Iterable[str]) -> bool:
    host = host.lower().removeprefix("www.")
    return any(host == d or host.endswith("." + d) for d in domains)


class RuleSet:
    """A compiled set of rules. Build once per change; `check` is the per-message path."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = list(rules)
        self._automaton = ahocorasick.Automaton()
        phrases: dict[str, list[Rule]] = defaultdict(list)
        self._regexes: list[tuple[Rule, Any]] = []
        for rule in self.rules:
            for w in rule.words:
                form = normalise_phrase(w)
                if form:
                    phrases[f" {form} "].append(rule)
            for pattern in rule.patterns:
                try:
                    self._regexes.append((rule, re2.compile(pattern)))
                except Exception as exc:  # re2 raises its own error type
                    raise RuleError(
                        f"rule {rule.id}: pattern {pattern!r} is not valid ({exc})"
                    ) from None
        # One combined search answers "does any pattern match?" for the common, clean message;
        # only a match pays for finding which rules matched.
        self._any_regex = (
            re2.compile("|".join(f"(?:{rx.pattern})" for _, rx in self._regexes))
            if self._regexes
            else None
        )
        for key, owners in phrases.items():
            self._automaton.add_word(key, (key.strip(), tuple(owners)))
        self._has_words = bool(phrases)
        if self._has_words:
            self._automaton.make_automaton()
        self._others = [r for r in self.rules if r.kind not in ("keywords", "regex")]
        self._windows: dict[tuple[str, str], deque[tuple[float, str]]] = defaultdict(deque)

    def check(self, msg: Message) -> list[Hit]:
        hits: list[Hit] = []
        seen: set[str] = set()

        def add(rule: Rule, matched: str) -> None:
            if rule.id in seen or _exempt(rule, msg):
                return
            seen.add(rule.id)
            hits.append(Hit(rule, matched[:80]))

        folded = fold(msg.text)  # once, for both the words and the patterns
        if self._has_words:
            for _, (phrase, owners) in self._automaton.iter(match_text(msg.text, folded)):
                for rule in owners:
                    add(rule, phrase)
        if self._any_regex is not None and self._any_regex.search(folded):
            for rule, rx in self._regexes:
                if rule.id not in seen and (m := rx.search(folded)):
                    add(rule, m.group(0))
        for rule in self._others:
            matched = self._check_other(rule, msg)
            if matched:
                add(rule, matched)
        return hits

    def _check_other(self, rule: Rule, msg: Message) -> str | None:
        match rule.kind:
            case "links":
                for host in _URL.findall(msg.text):
                    if _domain_matches(host, rule.deny_domains):
                        return host
            case "invites":
                if m := _INVITE.search(msg.text):
                    return m.group(0)
            case "mentions":
                if msg.mentions_everyone or msg.mentions > rule.max_mentions:
                    return "@everyone" if msg.mentions_everyone else f"{msg.mentions} mentions"
            case "new_account":
                young = (
                    msg.account_age_days is not None
                    and msg.account_age_days < rule.account_age_days
                )
                if young and (_URL.search(msg.text) or msg.mentions or msg.mentions_everyone):
                    return "link or mention from a new account"
            case "flood" | "duplicate":
                return self._window(rule, msg)
        return None

    def _window(self, rule: Rule, msg: Message) -> str | None:
        """Sliding windows per member (in this process: flood is a local, short-lived signal)."""
        window = self._windows[(rule.id, msg.author_id)]
        window.append((msg.at, msg.text.strip().casefold()))
        while window and msg.at - window[0][0] > rule.window_seconds:
            window.popleft()
        if rule.kind == "flood" and len(window) > rule.max_messages:
            return f"{len(window)} messages in {rule.window_seconds}s"
        if rule.kind == "duplicate":
            same = sum(1 for _, text in window if text == window[-1][1])
            if same > rule.max_repeats:
                return f"the same message {same} times"
        return None


def _exempt(rule: Rule, msg: Message) -> bool:
    return bool(rule.exempt_roles and msg.roles & set(rule.exempt_roles)) or (
        msg.channel is not None and msg.channel in rule.exempt_channels
    )


def load_rules(path: Path = DEFAULT_RULES) -> list[Rule]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [Rule.from_dict(r) for r in data.get("rules", [])]
