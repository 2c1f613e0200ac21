"""Automod decides exactly what it decided when the verdicts were stored: same rules fire on the
same messages, with the same words, reasons and evidence (tests/moderation/automod_verdicts.py)."""

from __future__ import annotations

import json

import pytest

from bot.moderation.automod import Message, Rule, RuleSet, load_rules
from bot.moderation.normalize import Forms, fold, match_text, pitch_text, unseparated
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


@pytest.mark.parametrize(
    "text",
    [
        "please s e n d me a g1ft c4rd",
        "ѕеnd mе 500 usdt",
        "s.c.a.m w\u200banted, scaaaam",
        "🇸🇪🇳🇩 me money",
        "Envíame 50 ahora, mi cuenta está lista",
        "给我转500元",
        "",
    ],
)
def test_the_shared_forms_are_the_ones_each_rule_reads(text: str) -> None:
    forms = Forms(text)
    assert forms.match == match_text(text)
    assert forms.pitch == pitch_text(text)
    assert forms.folded == fold(text)
    assert forms.joined == unseparated(fold(text))


def test_regex_rules_show_the_whole_match_in_rule_order() -> None:
    rules = RuleSet(
        [
            Rule("contact", "regex", patterns=(r"nothing(\d+)", r"(add|text) me (on|at) (\w+)")),
            Rule("numbers", "regex", patterns=(r"(\d{3})-(\d{4})",)),
            Rule("contact", "keywords", words=("telegram",)),  # the same id: the first hit stands
        ]
    )
    hits = rules.check(Message("pls ADD me on Telegram, 555-1234", "a"))
    assert [(h.rule.id, h.rule.kind, h.matched) for h in hits] == [
        ("contact", "keywords", "telegram"),
        ("numbers", "regex", "555-1234"),
    ]
    hits = RuleSet(rules.rules[:2]).check(Message("pls add me on telegram", "a"))
    assert [(h.rule.id, h.matched) for h in hits] == [("contact", "add me on telegram")]


def test_an_exempt_member_meets_the_next_rule_of_the_same_id() -> None:
    rules = RuleSet(
        [
            Rule("money", "keywords", words=("usdt",), exempt_roles=("trader",)),
            Rule("money", "regex", patterns=(r"\d+ ?usdt",)),
        ]
    )
    hits = rules.check(Message("send 500 usdt", "a", roles=frozenset({"trader"})))
    assert [(h.rule.kind, h.matched) for h in hits] == [("regex", "500 usdt")]
    hits = rules.check(Message("send 500 usdt", "b"))
    assert [(h.rule.kind, h.matched) for h in hits] == [("keywords", "usdt")]
