"""Automod decides exactly what it decided when the verdicts were stored: same rules fire on the
same messages, with the same words, reasons and evidence (tests/moderation/automod_verdicts.py)."""

from __future__ import annotations

import json

import pytest

from bot.moderation.automod import Message, RuleSet, load_rules
from tests.moderation.automod_verdicts import STORED, verdicts

pytestmark = pytest.mark.moderation


def test_train_and_dev_verdicts_match_the_stored_ones() -> None:
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    found = verdicts(RuleSet(load_rules()))
    assert found.keys() == stored.keys()
    changed = {k: (stored[k], found[k]) for k in stored if stored[k] != found[k]}
    assert not changed, f"{len(changed)} verdicts changed, e.g. {next(iter(changed.items()))}"
    assert sum(1 for v in stored.values() if v) > 100  # the file holds real hits, not only passes


def test_a_message_checked_twice_gets_the_same_verdict() -> None:
    # per-message caches (normalised forms, link hosts) must not leak from one message to the next
    rules = RuleSet(load_rules())
    texts = [
        "can you send me 200 on cash app tonight, it's urgent",
        "I sent 200 to my mum through Wise, the fee was fine",
        "free nitro here https://dlscord-gift.com/claim",
        "s e n d  m e  a  g i f t  c a r d",
    ]
    first = [[h.explain() for h in rules.check(Message(t, f"a{i}"))] for i, t in enumerate(texts)]
    again = [[h.explain() for h in rules.check(Message(t, f"b{i}"))] for i, t in enumerate(texts)]
    assert first == again
    assert [bool(v) for v in first] == [True, False, True, True]
