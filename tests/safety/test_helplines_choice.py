"""Which lines a crisis reply lists, and what its words may promise about them.

A suicidal member is never left with an abuse line alone: every country in the data, and the
international fallback, answers a suicide signal with a crisis or suicide line or, where none
is verified, the international directory and the local emergency number. The text promises
help at any hour only when every listed line answers round the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.safety import replies
from bot.safety.language import SAFETY_LANGUAGES
from bot.support import helplines
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.safety
COUNTRIES = [*helplines.countries(), helplines.FALLBACK]
FAMILIES = ("suicide", "danger", "control", None)


def test_the_data_holds_fifty_three_countries_and_the_fallback() -> None:
    assert len(helplines.countries()) == 53


@pytest.mark.parametrize("country", COUNTRIES)
def test_a_suicide_signal_lists_a_crisis_line_or_the_directory_and_emergency_number(
    country: str,
) -> None:
    chosen = helplines.for_signal(country, "suicide")
    roles = [line.get("role") for line in chosen.lines]
    crisis = [
        x for x in chosen.lines if {"crisis", "suicide"} & set(x["topics"]) and not x.get("role")
    ]
    if chosen.crisis_line:
        assert crisis, country
    else:
        assert roles == ["directory", "emergency"], country
    assert "emergency" in roles  # the local emergency number is always there
    # Never an abuse line alone, and never an abuse-only line in a suicide reply.
    assert all({"crisis", "suicide"} & set(x["topics"]) for x in chosen.lines), country


@pytest.mark.parametrize("country", helplines.countries())
def test_the_emergency_number_is_the_countrys_own(country: str) -> None:
    from phonenumbers import shortnumberinfo

    emergency = next(
        x for x in helplines.for_signal(country, "danger").lines if x.get("role") == "emergency"
    )
    for number in emergency["contact"].values():
        assert shortnumberinfo.is_emergency_number(number, country), (country, number)


@pytest.mark.parametrize("country", COUNTRIES)
def test_danger_lists_the_emergency_number_first_then_abuse_lines(country: str) -> None:
    lines = helplines.for_signal(country, "danger").lines
    assert lines[0].get("role") == "emergency"
    assert all({"abuse", "domestic-abuse"} & set(x["topics"]) for x in lines[1:]) or [
        x.get("role") for x in lines[1:]
    ] == ["directory"]


def test_a_country_whose_only_crisis_line_is_regional_also_lists_the_directory() -> None:
    # Colombia's verified crisis line answers callers in Bogotá only: a member in Medellín
    # must still find a line, and the reply must not promise round-the-clock help for it.
    chosen = helplines.for_signal("CO", "suicide")
    names = [x["name"] for x in chosen.lines]
    assert chosen.crisis_line and "Bogotá" in names[0]
    assert [x.get("role") for x in chosen.lines[1:]] == ["directory", "emergency"]
    assert not chosen.always_open
    # A nationwide crisis line is enough on its own.
    assert [x.get("role") for x in helplines.for_signal("KE", "suicide").lines] == [
        None,
        "emergency",
    ]


def test_coercive_control_puts_immigrant_services_first() -> None:
    lines = helplines.for_signal("KR", "control").lines
    assert "immigrant" in lines[0]["topics"]
    assert all({"abuse", "domestic-abuse"} & set(x["topics"]) for x in lines)


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("family", FAMILIES)
def test_no_text_promises_round_the_clock_help_unless_every_line_is_24_7(
    country: str, family: str | None
) -> None:
    chosen = helplines.for_signal(country, family)
    for lang in SAFETY_LANGUAGES:
        opening = replies.text(family or "help_now", lang)
        text = replies.compose(opening, always_open=chosen.always_open, told=True, language=lang)
        promises = replies.text("always", lang) in text
        assert promises == all(x["hours"] == "24/7" for x in chosen.lines), (country, lang)
        assert replies.text("always", lang) not in opening


def test_every_language_has_the_alternative_sentences() -> None:
    for lang, texts in replies.catalog().items():
        assert "{button}" in texts["told"], lang
        assert texts["always"] != texts["hours"], lang
        assert texts["suicide_directory"] != texts["suicide"], lang
        assert texts["suicide_unknown"] not in (texts["suicide"], texts["suicide_directory"]), lang


def test_a_line_with_stated_hours_is_open_only_within_them() -> None:
    [fono] = [x for x in helplines.all_lines()["CL"] if x["contact"]["call"] == "1455"]
    tuesday_noon = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # 12:00 in Santiago (UTC-3)
    sunday_noon = tuesday_noon + timedelta(days=5)
    assert helplines.open_now(fono, tuesday_noon) is True
    assert helplines.open_now(fono, sunday_noon) is False
    assert helplines.open_now(fono, tuesday_noon.replace(hour=10)) is False  # 07:00 there
    label = helplines.as_fields([fono], now=tuesday_noon, open_label="open now")[0].value
    assert "open now" in label
    assert (
        "open now"
        not in helplines.as_fields([fono], now=sunday_noon, open_label="open now")[0].value
    )


async def test_a_newcomer_in_madrid_who_wants_to_die_gets_a_crisis_line_not_only_016(
    community: RecordingConsole,
) -> None:
    await community.type("/as Admin admin", "/settings queue #moderators")
    await community.type("/as Rosa", "/support location city:Madrid country:ES", "/in #general")
    await community.type("ya no quiero vivir, quiero morirme")
    [reply] = [m.text for m in community.platform.messages.values() if m.channel == "@rosa"][-1:]
    assert "024" in reply or "findahelpline" in reply
    assert "016 Atención" not in reply  # the women's-violence line is not a suicide reply
    assert replies.text("suicide", "es") in reply
    assert (
        replies.text("told", "es").format(button=replies.text("dont_contact_button", "es")) in reply
    )
    # 024 answers round the clock, and so does 112: the reply may say so.
    assert replies.text("always", "es") in reply
    assert any(
        "Urgent" in m.text or "may need support" in m.text
        for m in community.platform.messages.values()
        if m.channel == "moderators"
    )


async def test_a_member_in_medellin_gets_bogotas_line_and_the_directory_without_promises(
    community: RecordingConsole,
) -> None:
    await community.type("/as Admin admin", "/settings queue #moderators")
    await community.type("/as Lucia", "/support location city:Medellín country:CO", "/in #general")
    await community.type("ya no quiero vivir, quiero morirme")
    [reply] = [m.text for m in community.platform.messages.values() if m.channel == "@lucia"][-1:]
    assert "106" in reply and "findahelpline" in reply and "123" in reply
    assert replies.text("suicide", "es") in reply
    assert replies.text("always", "es") not in reply  # the directory keeps no such hours


async def test_dont_contact_me_reaches_the_moderators_card(community: RecordingConsole) -> None:
    await community.type("/as Admin admin", "/settings queue #moderators")
    await community.type("/as Rosa", "/in #general")
    await community.type("I don't want to live anymore, I want to die")
    dm = [m for m in community.platform.messages.values() if m.channel == "@rosa"][-1]
    assert replies.text("dont_contact_button", "en") in dm.text
    label = replies.text("dont_contact_button", "en")
    out = await community.type(f'/click {dm.id} "{label}"')
    assert replies.text("dont_contact_done", "en") in out
    cards = [m.text for m in community.platform.messages.values() if m.channel == "moderators"]
    assert any("asked not to be contacted" in t for t in cards)


async def test_help_now_carries_the_emergency_footer_and_no_round_the_clock_promise_in_chile(
    community: RecordingConsole,
) -> None:
    await community.type("/as Ana", "/support location city:Santiago country:CL")
    out = await community.type("/help-now")
    assert replies.text("footer", "en") in out
    assert "findahelpline" in out  # no verified crisis line in Chile: the directory
    assert replies.text("always", "en") not in out
    assert replies.text("hours", "en") in out
