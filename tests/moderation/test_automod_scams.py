"""Automod against scams aimed at members: requests in nine languages fire, the community's own
talk about money passes, lookalike links are caught, every hit explains itself, and the
labelled evaluation set keeps its frozen test split out of the rules."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import re2

from bot.kernel.paths import CONTENT_DIR
from bot.moderation import links
from bot.moderation.automod import Message, Rule, RuleError, RuleSet, load_rules
from bot.moderation.normalize import match_text, pitch_pattern, pitch_text
from crossings.cli import main
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.moderation

EVAL = CONTENT_DIR / "automod" / "eval"


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet(load_rules())


def fired(rules: RuleSet, text: str) -> set[str]:
    return {h.rule.id for h in rules.check(Message(text, f"author-{hash(text)}"))}


# --- one normalisation, word by word ------------------------------------------------------------

EVASIONS = [
    # (how it was written, the word every rule reads)
    ("s e n d", "send"),  # spaced letters
    ("s.e.n.d", "send"),  # dotted letters
    ("s-e-n-d", "send"),
    ("se\u200bnd", "send"),  # zero-width space
    ("s\u200de\u2060n\ufeffd", "send"),  # joiner, word joiner, BOM
    ("ѕеnd", "send"),  # Cyrillic letters
    ("sεnd", "send"),  # a Greek epsilon among Latin letters
    ("ｓｅｎｄ", "send"),  # full width
    ("𝐬𝐞𝐧𝐝", "send"),  # mathematical bold
    ("s3nd", "send"),  # leetspeak
    ("seeeeend", "send"),  # repeated letters
    ("🇸🇪🇳🇩", "send"),  # regional-indicator emoji letters
    ("🅢🅔🅝🅓", "send"),  # negative circled letters
    ("SEND", "send"),
]


@pytest.mark.parametrize(("written", "word"), EVASIONS)
def test_each_evasion_reads_as_the_plain_word(written: str, word: str) -> None:
    # what request patterns read: the plain spelling, written in a pattern, matches it whole
    pattern = re2.compile(pitch_pattern(f"please {word} me"))
    assert pattern.fullmatch(pitch_text(f"please {written} me")), pitch_text(written)
    assert f" {word} " in match_text(f"please {written} me")  # what keyword rules read


def test_normalisation_leaves_numbers_handles_and_other_scripts_alone() -> None:
    assert pitch_text("pay at 555, gate 12") == "pay at 555, gate 12"
    assert pitch_text("pay $drmike or @amy_fx 500usdt") == "pay $drmike or @amyfx 500usdt"
    assert pitch_text("给我转500元") == "给我转500元"
    assert pitch_text("ご入金は今日") == "ご入金は今日"  # voicing marks are kept
    assert pitch_text("envíame 50 ahora") == "enviame 50 ahora"  # Latin accents are not


# --- requests fire, topics pass -----------------------------------------------------------------

REQUESTS = [
    (
        "en",
        "hey sweetheart, could you send me 300 on Venmo before tonight?",
        "scam-payment-request",
    ),
    ("en", "grab three Razer Gold cards and send me the codes", "scam-payment-request"),
    ("es", "mi amor, mándame 200 dólares por PayPal, es urgente", "scam-payment-request"),
    ("pt", "amor, me manda 500 reais no pix hoje", "scam-payment-request"),
    ("fr", "envoie-moi 200 euros sur PayPal ce soir", "scam-payment-request"),
    ("de", "schick mir bitte 300 Euro per PayPal, dringend", "scam-payment-request"),
    ("tl", "padalhan mo ako ng 3000 sa GCash ngayon", "scam-payment-request"),
    ("id", "tolong kirim 300 ribu ke rekening saya sekarang", "scam-payment-request"),
    ("zh", "你今天给我转2000元到支付宝", "scam-payment-request"),
    ("ja", "今日中に3万円をPayPayで送ってください", "scam-payment-request"),
    ("en", "my mentor's gold signals pay 12% weekly, totally guaranteed", "scam-investment"),
    ("zh", "跟我做USDT合约，稳赚不赔", "scam-investment"),
    (
        "en",
        "fast-track spouse visa, no interview, contact our embassy insider",
        "scam-visa-service",
    ),
    ("en", "free nitro for the whole server, claim yours before midnight", "scam-gift-offer"),
    ("en", "dm me on telegram @quickcash_amy to earn 400 a day", "scam-off-platform"),
]


@pytest.mark.parametrize(("lang", "text", "rule_id"), REQUESTS)
def test_requests_aimed_at_members_fire(rules: RuleSet, lang: str, text: str, rule_id: str) -> None:
    assert rule_id in fired(rules, text), lang


TALK = [
    "I send my dad 150 euros on PayPal every month and he calls me to say thanks",
    "We gave his grandmother a gift card for the pharmacy, she uses it for her medicine",
    "Western Union took 18 dollars in fees for my last transfer to Accra",
    "Is 'guaranteed returns' always a red flag? a coworker keeps talking about it",
    "My sister paid the bride price in goats and honey, it was a beautiful ceremony",
    "Mi hermano me pidió 200 euros para la operación de mamá y se los mandé por Wise",
    "Mandei 300 reais pra minha avó pelo pix, ela ficou tão feliz",
    "我每个月用支付宝给爸妈转两千块",
    "先月、母の手術のために10万円を送金しました",
    "Someone told me 'send me a Steam card and I'll visit you', is that a scam?",
]


@pytest.mark.parametrize("text", TALK)
def test_the_communitys_own_money_talk_passes(rules: RuleSet, text: str) -> None:
    assert fired(rules, text) == set()


def test_amounts_are_not_phone_numbers(rules: RuleSet) -> None:
    assert fired(rules, "The reception cost Rp 15.000.000 and the dress 1 500 000 FCFA") == set()
    assert "doxxing" in fired(rules, "call her on +62 812 3456 7890")


# --- links ---------------------------------------------------------------------------------------

LOOKALIKES = [
    "https://dicsord.com/login",  # two letters swapped
    "https://discorcl.com/gift",  # "cl" for "d": a typo one edit away
    "https://pаypal.com/verify",  # Cyrillic а
    "https://xn--pypal-4ve.com/verify",  # the same, as punycode
    "https://steampowered.com.trade-offer.ru/1",  # the brand as a subdomain
    "go to remitly-refunds.net/claim now",  # the brand as a word, no scheme
    "https://w1se.com/transfer",  # digit for a letter
]


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalike_links_are_caught(rules: RuleSet, text: str) -> None:
    assert "lookalike-links" in fired(rules, text)


def test_brands_own_domains_and_ordinary_sites_pass(rules: RuleSet) -> None:
    for text in (
        "https://www.paypal.com/myaccount and https://help.steampowered.com/",
        "https://discord.com/channels/1/2 or https://wise.com/gb/",
        "https://www.bbc.co.uk/news and https://streamable.com/x",
    ):
        assert fired(rules, text) == set(), text


def test_shorteners_only_alert(rules: RuleSet) -> None:
    hits = rules.check(Message("what is this https://bit.ly/3abcde", "a"))
    assert [(h.rule.id, h.actions) for h in hits] == [("link-shorteners", ("alert",))]
    assert "hides" in hits[0].explain()["why"]


def test_a_communitys_allow_list_clears_a_lookalike() -> None:
    rule = Rule("lookalike-links", "lookalikes", allow_domains=("discord-meetups.org",))
    assert RuleSet([rule]).check(Message("https://discord-meetups.org/berlin", "a")) == []
    assert RuleSet([rule]).check(Message("https://discord-gifts.org/claim", "a"))


def test_the_public_suffix_list_is_never_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object) -> None:
        raise AssertionError("automod tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    links.registrable.cache_clear()
    assert links.registrable("login.paypal.com.secure-check.co.uk") == (
        "login.paypal.com",
        "secure-check",
        "secure-check.co.uk",
    )


# --- explanations and rule files ----------------------------------------------------------------


def test_every_hit_explains_rule_words_and_why(rules: RuleSet) -> None:
    hit = next(
        h
        for h in rules.check(Message("s e n d  m e 200 in b.t.c tonight", "a"))
        if h.rule.id == "scam-payment-request"
    )
    info = hit.explain()
    assert info["rule"] == "scam-payment-request" and info["actions"][0] == "hold"
    assert "send money" in info["why"]
    said = {e["signal"]: e["words"] for e in info["evidence"]}
    assert said["ask"] == "send me" and said["pay"] == "btc" and said["urgency"] == "tonight"
    assert hit.describe().startswith("scam-payment-request: asks members")


def test_link_hits_name_the_link_and_what_it_imitates(rules: RuleSet) -> None:
    (hit,) = rules.check(Message("https://dlscord.com/nitro", "a"))
    assert hit.matched == "dlscord.com"
    assert hit.explain()["why"] == "dlscord.com imitates discord.com with look-alike letters"


def test_a_pitch_rule_must_name_known_signals() -> None:
    with pytest.raises(RuleError, match="needs `when`"):
        Rule.from_dict({"id": "x", "kind": "pitch"})
    with pytest.raises(RuleError, match="unknown signal 'wishes'"):
        RuleSet([Rule.from_dict({"id": "x", "kind": "pitch", "when": [["ask", "wishes"]]})])


# --- the labelled set and its frozen test split --------------------------------------------------


def read(name: str) -> list[dict[str, str]]:
    return [json.loads(x) for x in (EVAL / name).read_text(encoding="utf-8").splitlines() if x]


def test_the_labelled_set_is_big_varied_and_split_once() -> None:
    rows = read("messages.jsonl")
    assert len(rows) >= 500
    assert len({r["lang"] for r in rows}) >= 5
    assert sum(r["expect"] == "pass" for r in rows) >= len(rows) / 2
    parts = {name: {r["id"] for r in read(f"{name}.jsonl")} for name in ("train", "dev", "test")}
    assert parts["train"].isdisjoint(parts["test"]) and parts["dev"].isdisjoint(parts["test"])
    assert set.union(*parts.values()) == {r["id"] for r in rows}


def test_the_test_split_is_the_documented_seeds() -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "bench" / "split_automod_eval.py"
    spec = importlib.util.spec_from_file_location("split_automod_eval", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    redrawn = module.split(read("messages.jsonl"))
    assert {r["id"] for r in redrawn["test"]} == {r["id"] for r in read("test.jsonl")}


def test_no_test_split_text_is_in_the_rule_files() -> None:
    rule_files = [p for p in (CONTENT_DIR / "automod").glob("*.yaml")]
    rule_files += list((Path(__file__).resolve().parents[2] / "bot" / "moderation").glob("*.py"))
    corpus = "\n".join(p.read_text(encoding="utf-8").lower() for p in rule_files)
    for row in read("test.jsonl"):
        text = row["text"].lower()
        assert text not in corpus, row["id"]
        # nor any long stretch of it (a phrase lifted from the test split)
        tokens = text.split()
        for i in range(len(tokens) - 5):
            assert " ".join(tokens[i : i + 6]) not in corpus, row["id"]


# --- the eval command ---------------------------------------------------------------------------


def test_eval_command_prints_figures_per_rule_and_category(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "mine.jsonl"
    rows = [
        {"text": "send me 50 on cash app now", "expect": "flag", "category": "payment"},
        {"text": "https://dlscord.com/x", "expect": "flag", "category": "link"},
        {"text": "please buy me a steam card", "expect": "pass", "category": "talk"},
        {"text": "we sent my mum 50 on cash app", "expect": "pass", "category": "talk"},
        {"text": "guaranteed visa for you"},  # no label: refused
    ]
    labelled.write_text("\n".join(json.dumps(r) for r in rows[:4]) + "\n", encoding="utf-8")
    assert main(["automod", "eval", str(labelled), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["overall"] == {
        "precision": 0.6667,
        "recall": 1.0,
        "false_alarm_rate": 0.5,
        "n": 4,
        "flagged": 3,
    }
    assert out["by_rule"]["scam-payment-request"]["false_alarm_rate"] == 0.5
    assert out["by_rule"]["lookalike-links"]["recall"] == 0.5
    assert out["by_category"]["talk"]["false_alarm_rate"] == 0.5
    labelled.write_text(json.dumps(rows[4]) + "\n", encoding="utf-8")
    assert main(["automod", "eval", str(labelled)]) == 2
    assert "expect must be flag or pass" in capsys.readouterr().err


# --- through the console community -------------------------------------------------------------


@pytest.fixture
async def mods(community: RecordingConsole) -> RecordingConsole:
    await community.type("/as Admin admin", "/settings queue #moderators")
    await community.type("/as Noor moderator", "/as Rick")
    return community


def queue(community: RecordingConsole) -> list[str]:
    return [m.text for m in community.platform.messages.values() if m.channel == "moderators"]


async def test_the_card_explains_the_hit(mods: RecordingConsole) -> None:
    await mods.type("/as Rick", "/in #general", "babe wire me 400 through moneygram tonight")
    card = queue(mods)[-1]
    assert "scam-payment-request" in card
    assert 'asks the reader to send, pay, buy or transfer: "wire me"' in card
    assert 'a payment app, gift card, crypto or account: "moneygram"' in card
    assert any(m.deleted for m in mods.platform.messages.values() if m.channel == "general")


async def test_one_rule_in_dry_run_only_reports(mods: RecordingConsole) -> None:
    out = await mods.type(
        "/as Noor moderator", "/automod dry-run on:true rule:scam-payment-request"
    )
    assert "only reports" in out
    assert "scam-payment-request · pitch · hold, alert, reply · dry run" in await mods.type(
        "/automod list"
    )
    await mods.type("/as Rick", "/in #general", "babe wire me 400 through moneygram tonight")
    assert not any(m.deleted for m in mods.platform.messages.values())
    assert "Dry run" in queue(mods)[-1] and "(dry run)" in queue(mods)[-1]
    # the other rules still act
    await mods.type("/in #general", "https://dlscord.com/nitro")
    assert any(m.deleted for m in mods.platform.messages.values())
    assert "no rule called" in await mods.type(
        "/as Noor moderator", "/automod dry-run on:true rule:nope"
    )


async def test_automod_test_shows_what_would_fire_and_why(mods: RecordingConsole) -> None:
    out = await mods.type("/as Noor moderator", '/automod test text:"guar4nteed pr0fiiit, dm me"')
    assert "scam-investment" in out and "promises returns" in out and "guaranteed profiiit" in out
    assert "Nothing would be flagged" in await mods.type(
        '/automod test text:"We paid the visa fee and sent my mum 200 for her surgery"'
    )
    assert "Forbidden" not in out


async def test_a_rule_turned_off_does_nothing_until_turned_back_on(mods: RecordingConsole) -> None:
    await mods.type("/as Noor moderator", "/automod rule rule:scam-model on:false")  # reads it too
    out = await mods.type("/automod rule rule:scam-payment-request on:false")
    assert "is off" in out
    assert "scam-payment-request" not in await mods.type(
        '/automod test text:"wire me 400 through moneygram tonight"'
    )
    await mods.type("/as Rick", "/in #general", "babe wire me 400 through moneygram tonight")
    assert not any(m.deleted for m in mods.platform.messages.values())
    out = await mods.type("/as Noor moderator", "/automod rule rule:scam-payment-request on:true")
    assert "is on again" in out
    await mods.type("/as Rick", "/in #general", "babe wire me 400 through moneygram tonight")
    assert any(m.deleted for m in mods.platform.messages.values())
    assert "no rule called" in await mods.type(
        "/as Noor moderator", "/automod rule rule:nope on:false"
    )
