"""Automod verdicts on a table of messages: evasions that must be caught, innocent text that
must pass. Runs on the default rule set exactly as communities get it."""

from __future__ import annotations

import pytest

from bot.moderation.automod import Message, RuleSet, load_rules

pytestmark = pytest.mark.moderation

CAUGHT = [
    # (message, rule that must fire)
    ("buy me a gift card please", "scam-payment-request"),
    ("buy me a g1ft c4rd please", "scam-payment-request"),
    ("buy me a ｇｉｆｔ ｃａｒｄ please", "scam-payment-request"),
    ("buy me a g.i.f.t c.a.r.d please", "scam-payment-request"),
    ("buy me a gi\u200bft ca\u200brd please", "scam-payment-request"),
    ("buy me a gіft cаrd (cyrillic) please", "scam-payment-request"),
    ("buy me a giiiift caaaard please", "scam-payment-request"),
    ("BUY ME A GIFT CARD!!!", "scam-payment-request"),
    ("send me the money by western union", "scam-payment-request"),
    ("s3nd m3 the m0ney by w3stern un10n", "scam-payment-request"),
    ("wire me 300 through moneygram tonight", "scam-payment-request"),
    ("can you pay for my ticket, just 300 dollars", "scam-payment-request"),
    ("guaranteed profit, trust me", "scam-investment"),
    ("double your money in a week", "scam-investment"),
    ("g u a r a n t e e d  p r o f i t", "scam-investment"),
    ("guaranteed pr0fit", "scam-investment"),
    ("ｇｕａｒａｎｔｅｅｄ ｐｒｏｆｉｔ", "scam-investment"),
    ("guar\u200banteed pro\u200bfit", "scam-investment"),
    ("guаrаnteed prоfit", "scam-investment"),
    ("guaranteeeeed profiiiit", "scam-investment"),
    ("add me on whatsapp for investment opportunities", "scam-off-platform"),
    ("text me on telegram to earn 500 a day", "scam-off-platform"),
    ("whatsapp: +44 7700 900123 for guaranteed returns", "scam-off-platform"),
    ("he has yellow fever lol", "fetishization"),
    ("looking for a mail order bride", "fetishization"),
    ("y3llow f3ver", "fetishization"),
    ("typical passport bro", "fetishization"),
    ("go back to your country", "harassment"),
    ("g0 b4ck t0 y0ur c0untry", "harassment"),
    ("you are an asshole", "harassment"),
    ("what an ass", "harassment"),
    ("a$$hole", "harassment"),
    ("kys", "harassment"),
    ("k y s", "harassment"),
    ("dirty immigrant", "harassment"),
    ("her number is +34 612 345 678", "doxxing"),
    ("email her at maria.lopez@example.com", "doxxing"),
    ("she lives at 42 Baker Street", "doxxing"),
    ("join discord.gg/freestuff", "invites"),
    ("https://discord.com/invite/abc123", "invites"),
    ("click https://grabify.link/xyz", "bad-links"),
    ("click https://www.iplogger.org/abc", "bad-links"),
]

CLEAN = [
    # talk about scams, money and fees: discussion and first-person stories pass
    "this is a scam",
    "this is a s.c.a.m",
    "I think he scammed my aunt, how do I report it?",
    "there is a customs fee to release the parcel, is that normal?",
    "I'm stuck at the airport, my flight is delayed again",
    "I send money home through Western Union every month",
    "We argue about who buys the gift cards for the nieces",
    "add me on whatsapp so I can send you the wedding photos",
    "I need assistance with my visa application",
    "My partner's class assignment is due tomorrow",
    "We passed the exam!",
    "The assessment went well",
    "Cassandra is coming to dinner",
    "I gifted my mother-in-law a card for her birthday",
    "We sent a card and a gift to his family",
    "I love Scampi",
    "Let's talk about money and who pays for what",
    "My partner's country has great food",
    "I miss my home country sometimes",
    "We met at the airport, it was romantic",
    "Bitcoin is a topic at our dinner table, we argue about it",
    "I'm worried I may have been scammed, what should I do?",
    "The visa fee was 120 euros",
    "Call me around 5, dinner is at 7",
    "We have 3 kids and 2 cats",
    "My passport expires in 2027",
    "The fever finally broke, thank you all",
    "Mail from the embassy arrived",
    "Basketball and assorted snacks",
    "I don't want to go back to work tomorrow",
    "Where did you and your partner meet?",
    "https://en.wikipedia.org/wiki/Intercultural_relationship is a good read",
    "She said thank you in three languages",
]


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet(load_rules())


def test_the_table_is_big_enough() -> None:
    assert len(CAUGHT) + len(CLEAN) >= 60


@pytest.mark.parametrize(("text", "rule_id"), CAUGHT)
def test_evasions_are_caught(rules: RuleSet, text: str, rule_id: str) -> None:
    hits = {h.rule.id for h in rules.check(Message(text, f"author-{hash(text)}"))}
    assert rule_id in hits, f"{text!r} got {hits}"


@pytest.mark.parametrize("text", CLEAN)
def test_innocent_messages_pass(rules: RuleSet, text: str) -> None:
    hits = [(h.rule.id, h.matched) for h in rules.check(Message(text, f"author-{hash(text)}"))]
    assert hits == [], f"{text!r} got {hits}"


def test_mass_mentions_flood_and_duplicates(rules: RuleSet) -> None:
    assert any(h.rule.id == "mass-mentions" for h in rules.check(Message("hi", "m1", mentions=8)))
    assert any(
        h.rule.id == "mass-mentions"
        for h in rules.check(Message("hi", "m2", mentions_everyone=True))
    )
    flood = [rules.check(Message(f"msg {i}", "m3", at=100.0 + i * 0.5)) for i in range(8)]
    assert any(h.rule.id == "flood" for hits in flood for h in hits)
    slow = [rules.check(Message(f"msg {i}", "m4", at=100.0 + i * 5)) for i in range(8)]
    assert not any(h.rule.id == "flood" for hits in slow for h in hits)
    dupes = [rules.check(Message("same text", "m5", at=200.0 + i * 2)) for i in range(5)]
    assert any(h.rule.id == "duplicates" for hits in dupes for h in hits)


def test_new_accounts_cannot_post_links(rules: RuleSet) -> None:
    young = Message("see https://example.org", "new", account_age_days=1)
    assert any(h.rule.id == "new-accounts" for h in rules.check(young))
    old = Message("see https://example.org", "old", account_age_days=400)
    assert not any(h.rule.id == "new-accounts" for h in rules.check(old))


def test_exemptions_by_role_and_channel() -> None:
    from bot.moderation.automod import Rule

    rule = Rule(
        "x",
        "keywords",
        words=("gift card",),
        exempt_roles=("trusted",),
        exempt_channels=("market",),
    )
    rs = RuleSet([rule])
    assert rs.check(Message("gift card", "a"))
    assert not rs.check(Message("gift card", "a", roles=frozenset({"trusted"})))
    assert not rs.check(Message("gift card", "a", channel="market"))


def test_a_pathological_regex_cannot_hang() -> None:
    from bot.moderation.automod import Rule

    rs = RuleSet([Rule("evil", "regex", patterns=("(a+)+$",))])
    assert rs.check(Message("a" * 50_000 + "b", "a")) == []  # linear time with re2
