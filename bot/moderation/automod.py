"""Automod: rules compiled once per rule-set change, checked on every message.

Keywords are matched as whole normalised words with one Aho-Corasick pass (pyahocorasick);
regex rules run on google-re2, whose matching time is linear in the message, so no rule can hang
the bot; pitch rules look for requests aimed at members (bot/moderation/pitch.py); lookalike and
shortener rules inspect link hosts (bot/moderation/links.py); the rest (links, invites, mentions,
flood, duplicates, new accounts) are cheap checks. Every hit says why it fired (`Hit.explain`).

Speed: every rule reads the message through one `Forms` (bot/moderation/normalize.py), so each
normalised form is made once per message and only if some rule reads it; all regex rules cost
one re2 set pass, all pitch signals another; link rules look only at messages with a dot, and
the words or evidence to show are searched for only once a rule has fired (bench/ has figures).
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

from bot.kernel.paths import CONTENT_DIR
from bot.moderation import links, pitch
from bot.moderation.normalize import Forms, normalise_phrase
from bot.moderation.pitch import Evidence

ACTIONS = ("delete", "hold", "warn", "timeout", "alert", "reply")
KINDS = (
    "keywords",
    "regex",
    "pitch",
    "lookalikes",
    "shorteners",
    "links",
    "invites",
    "mentions",
    "flood",
    "duplicate",
    "new_account",
    "model",
)
# What each kind of rule looks for, for the moderator card (a rule may say more with `why`).
WHY = {
    "keywords": "a listed word or phrase",
    "regex": "matches a pattern of this community",
    "pitch": "a request or pitch aimed at members",
    "lookalikes": "a link that imitates a well-known name",
    "shorteners": "a shortened link that hides where it goes",
    "links": "a link to a blocked domain",
    "invites": "an invite to another server or chat",
    "mentions": "mentions many members at once",
    "flood": "many messages in a short time",
    "duplicate": "the same message again and again",
    "new_account": "a link or mention from a new account",
    "model": "reads like a scam pitch to the learned layer",
}
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
    when: tuple[tuple[str, ...], ...] = ()  # pitch: any of these sets of signals, all of one
    unless: tuple[tuple[str, ...], ...] = ()  # pitch: none of these sets
    why: str = ""  # what the rule is for, on the moderator card
    dry_run: bool = False  # report what it would do, do nothing

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
        for key in ("when", "unless"):
            values[key] = tuple(tuple(combo) for combo in data.get(key) or ())
        if kind == "pitch" and not values["when"]:
            raise RuleError(f"rule {data.get('id')}: a pitch rule needs `when`")
        return Rule(**values)


@dataclass(frozen=True)
class Hit:
    rule: Rule
    matched: str
    why: str = ""
    evidence: tuple[Evidence, ...] = ()

    @property
    def actions(self) -> tuple[str, ...]:
        return self.rule.actions

    def explain(self) -> dict[str, Any]:
        """Which rule, which words or link, and why: what the moderator card shows."""
        return {
            "rule": self.rule.id,
            "category": self.rule.category,
            "actions": list(self.rule.actions),
            "dry_run": self.rule.dry_run,
            "matched": self.matched,
            "why": self.why or self.rule.why or WHY.get(self.rule.kind, self.rule.kind),
            "evidence": [
                {"signal": e.signal, "says": e.says, "words": e.words} for e in self.evidence
            ],
        }

    def describe(self, limit: int = 300) -> str:
        """One plain line: rule (dry run) - why - each piece of evidence with its words."""
        info = self.explain()
        head = info["rule"] + (" (dry run)" if info["dry_run"] else "")
        parts = [f'{e["says"]}: "{e["words"]}"' for e in info["evidence"]]
        if not parts:
            parts = [f'"{self.matched}"']
        return f"{head}: {info['why']} · " + " · ".join(parts)[:limit]


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
        # One pass of an re2 set answers "which patterns match?" for every message; only the
        # rules it names pay for a search that finds the words to show.
        self._regex_set = _regex_set(self._regexes)
        # The same patterns capturing no groups: finding only where the whole pattern matched
        # lets re2 skip the slower engines that track groups (the span is the same).
        self._regex_words = [re2.compile(rx.pattern, _NO_CAPTURE) for _, rx in self._regexes]
        for key, owners in phrases.items():
            self._automaton.add_word(key, (key.strip(), tuple(owners)))
        self._has_words = bool(phrases)
        if self._has_words:
            self._automaton.make_automaton()
        self._pitches = [
            (r, pitch.Conditions(r.when, r.unless)) for r in self.rules if r.kind == "pitch"
        ]
        self._finder = _finder([r for r, _ in self._pitches])
        # A message holding none of these cannot satisfy any combination: most messages.
        self._needed = frozenset(s for r, _ in self._pitches for c in r.when for s in c[:1])
        self._links = [
            (r, frozenset(r.allow_domains), r.kind == "shorteners")
            for r in self.rules
            if r.kind in ("lookalikes", "shorteners")
        ]
        self._others = [r for r in self.rules if r.kind not in _OWN_PASS]
        self.model_rules = [r for r in self.rules if r.kind == "model"]
        self._windows: dict[tuple[str, str], deque[tuple[float, str]]] = defaultdict(deque)

    def check(self, msg: Message) -> list[Hit]:
        forms = Forms(msg.text)  # each normalised form made once, shared by every rule
        found: list[_Found] = []
        if self._has_words:
            for _, (phrase, owners) in self._automaton.iter(forms.match):
                found.extend((rule, phrase, "", ()) for rule in owners)
        if self._regex_set is not None:
            found += self._check_regexes(forms.folded)
        if self._finder is not None:
            found += self._check_pitches(forms.pitch)
        if self._links and "." in msg.text:
            found += self._check_links(msg.text)
        for rule in self._others:
            if other := self._check_other(rule, msg):
                found.append((rule, other, "", ()))
        return _hits(found, msg) if found else []

    def _check_regexes(self, folded: str) -> list[_Found]:
        assert self._regex_set is not None
        encoded = folded.encode()
        matched = self._regex_set.Match(encoded)
        if not matched:
            return []
        out: list[_Found] = []
        for i in sorted(matched):
            rule = self._regexes[i][0]
            if m := self._regex_words[i].search(encoded):
                out.append((rule, m.group(0).decode(), "", ()))
        return out

    def _check_pitches(self, text: str) -> list[_Found]:
        assert self._finder is not None
        encoded = text.encode()
        present = self._finder.present(text, encoded)
        out: list[_Found] = []
        if self._needed.isdisjoint(present):
            return out
        for rule, conditions in self._pitches:
            combo = conditions.first(present)
            if combo is not None:
                rest = sorted(n for n in present if n not in combo and n not in _NOT_SHOWN)
                evidence = self._finder.evidence(text, [*combo, *rest], encoded)
                matched = " + ".join(e.words for e in evidence[: len(combo)])
                out.append((rule, matched, "", evidence))
        return out

    def _check_links(self, text: str) -> list[_Found]:
        out: list[_Found] = []
        for host in links.hosts(text):
            for rule, allow, shorteners in self._links:
                finding = links.inspect(host, allow)
                if finding is not None and (finding.kind == "shortener") == shorteners:
                    out.append((rule, finding.host, finding.why, ()))
        return out

    def _check_other(self, rule: Rule, msg: Message) -> str | None:
        match rule.kind:
            case "links":
                for host in _URL.findall(msg.text) if "://" in msg.text else ():
                    if _domain_matches(host, rule.deny_domains):
                        return host
            case "invites":
                if "/" in msg.text and (m := _INVITE.search(msg.text)):
                    return m.group(0)
            case "mentions":
                if msg.mentions_everyone or msg.mentions > rule.max_mentions:
                    return "@everyone" if msg.mentions_everyone else f"{msg.mentions} mentions"
            case "new_account":
                young = (
                    msg.account_age_days is not None
                    and msg.account_age_days < rule.account_age_days
                )
                if young and (
                    ("://" in msg.text and _URL.search(msg.text))
                    or msg.mentions
                    or msg.mentions_everyone
                ):
                    return "link or mention from a new account"
            case "flood" | "duplicate":
                return self._window(rule, msg)
        return None

    def _window(self, rule: Rule, msg: Message) -> str | None:
        """Sliding windows per member (in this process: flood is a local, short-lived signal)."""
        window = self._windows[(rule.id, msg.author_id)]
        # flood only counts messages: only the duplicate rule needs the text to compare
        window.append((msg.at, msg.text.strip().casefold() if rule.kind == "duplicate" else ""))
        while window and msg.at - window[0][0] > rule.window_seconds:
            window.popleft()
        if rule.kind == "flood" and len(window) > rule.max_messages:
            return f"{len(window)} messages in {rule.window_seconds}s"
        if rule.kind == "duplicate" and len(window) > rule.max_repeats:  # else too few to count
            same = sum(1 for _, text in window if text == window[-1][1])
            if same > rule.max_repeats:
                return f"the same message {same} times"
        return None


# "model" rules are run by the listener after the others, on a worker thread
# (bot/moderation/scam_model.py): an embedding is too slow for this synchronous pass.
_OWN_PASS = ("keywords", "regex", "pitch", "lookalikes", "shorteners", "model")
_NO_CAPTURE = re2.Options()
_NO_CAPTURE.never_capture = True
# What one rule found: the rule, the words or link, why (when the rule kind does not say), evidence.
_Found = tuple[Rule, str, str, tuple[Evidence, ...]]


def _hits(found: list[_Found], msg: Message) -> list[Hit]:
    """One hit per rule id, the first found, unless the member or channel is exempt from it."""
    hits: list[Hit] = []
    seen: set[str] = set()
    for rule, matched, why, evidence in found:
        if rule.id in seen or _exempt(rule, msg):
            continue
        seen.add(rule.id)
        hits.append(Hit(rule, matched[:80], why, evidence))
    return hits


def _regex_set(regexes: list[tuple[Rule, Any]]) -> Any:
    """An re2 set of every pattern, in the order of `regexes` (None when there are none)."""
    if not regexes:
        return None
    patterns = re2.Set.SearchSet()
    for _, rx in regexes:
        patterns.Add(rx.pattern)
    try:
        patterns.Compile()
    except Exception as exc:  # re2 raises its own error type
        raise RuleError(f"the regex rules are too large together ({exc})") from None
    return patterns


_NOT_SHOWN = ("discuss", "assure")  # vetoes: never evidence for a hit


def _finder(rules: list[Rule]) -> pitch.SignalFinder | None:
    """One finder for all pitch rules."""
    if not rules:
        return None
    signals = pitch.load_signals()
    for rule in rules:
        unknown = [s for combo in (*rule.when, *rule.unless) for s in combo if s not in signals]
        if unknown:
            raise RuleError(f"rule {rule.id}: unknown signal {unknown[0]!r}")
    return pitch.SignalFinder(signals)


def applies(rule: Rule, msg: Message) -> bool:
    """The rule reads this message: the author has no exempt role, the channel is not exempt."""
    return not _exempt(rule, msg)


def _exempt(rule: Rule, msg: Message) -> bool:
    return bool(rule.exempt_roles and msg.roles & set(rule.exempt_roles)) or (
        msg.channel is not None and msg.channel in rule.exempt_channels
    )


def load_rules(path: Path = DEFAULT_RULES) -> list[Rule]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [Rule.from_dict(r) for r in data.get("rules", [])]
