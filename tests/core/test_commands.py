"""The command registry: parsing, validation and the errors members see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.kernel.commands import (
    Choice,
    Command,
    CommandError,
    CommandRegistry,
    Option,
    OptionType,
    Permission,
    Resolver,
    parse_duration,
    parse_options,
)

pytestmark = pytest.mark.core


async def _noop(ctx: object, **kw: object) -> None:
    return None


def _command(*options: Option) -> Command:
    return Command(("test",), "a test command", _noop, tuple(options))


EVERY_TYPE = _command(
    Option("text", OptionType.STRING, "text", max_length=20, min_length=2),
    Option("count", OptionType.INT, "count", min_value=1, max_value=10),
    Option("flag", OptionType.BOOL, "flag"),
    Option("who", OptionType.MEMBER, "who"),
    Option("where", OptionType.CHANNEL, "where"),
    Option(
        "kind",
        OptionType.CHOICE,
        "kind",
        choices=(Choice("Weekly", "weekly"), Choice("Monthly", "monthly")),
    ),
    Option("length", OptionType.DURATION, "length", max_duration=timedelta(days=28)),
    Option("at", OptionType.DATETIME, "at"),
    Option("zone", OptionType.TIMEZONE, "zone"),
)

GOOD = {
    "text": "hello",
    "count": "3",
    "flag": "yes",
    "who": "<@123456789>",
    "where": "<#C024BE91L|general>",
    "kind": "Monthly",
    "length": "1h30m",
    "at": "2026-03-29 02:30",
    "zone": "europe/berlin",
}


def _mentions(prefix: str) -> Callable[[str], str | None]:
    """A platform's mention parser, as an adapter supplies it (`<@id>`, `<#id|name>`)."""

    def parse(text: str) -> str | None:
        if text.startswith(prefix) and text.endswith(">"):
            return text[len(prefix) : -1].split("|")[0]
        return None

    return parse


PLATFORM = Resolver(
    mention_member=_mentions("<@"), mention_channel=_mentions("<#"), timezone="Europe/Berlin"
)


def test_every_type_parses_to_its_value() -> None:
    parsed = parse_options(EVERY_TYPE, GOOD, PLATFORM)
    assert parsed["text"] == "hello"
    assert parsed["count"] == 3
    assert parsed["flag"] is True
    assert parsed["who"] == "123456789"
    assert parsed["where"] == "C024BE91L"
    assert parsed["kind"] == "monthly"
    assert parsed["length"] == timedelta(hours=1, minutes=30)
    assert parsed["at"].utcoffset() == timedelta(hours=1)
    assert parsed["zone"] == "Europe/Berlin"


def test_the_core_reads_no_mention_syntax_of_its_own() -> None:
    """Mentions are the platform's business: without its parser a mention is not an id."""
    with pytest.raises(CommandError, match="must be a member"):
        parse_options(EVERY_TYPE, GOOD, Resolver(timezone="Europe/Berlin"))
    typed_ids = {**GOOD, "who": "123456789", "where": "C024BE91L"}
    parsed = parse_options(EVERY_TYPE, typed_ids, Resolver(timezone="Europe/Berlin"))
    assert (parsed["who"], parsed["where"]) == ("123456789", "C024BE91L")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("text", "x", "at least 2"),
        ("text", "x" * 21, "at most 20"),
        ("count", "eleven", "whole number"),
        ("count", "0", "at least 1"),
        ("flag", "perhaps", "yes or no"),
        ("who", "not a member!", "must be a member"),
        ("kind", "daily", "one of: weekly, monthly"),
        ("length", "forever", "duration like"),
        ("length", "5w", "at most 28d"),
        ("at", "next tuesday", "2026-03-29 19:00"),
        ("zone", "Europe/Berln", "did you mean Europe/Berlin?"),
    ],
)
def test_bad_values_name_the_option_and_the_fix(option: str, value: str, message: str) -> None:
    with pytest.raises(CommandError) as err:
        parse_options(EVERY_TYPE, {**GOOD, option: value}, PLATFORM)
    assert message in err.value.message
    assert err.value.option == option


def test_missing_required_and_unknown_options() -> None:
    with pytest.raises(CommandError, match="'count' is required"):
        parse_options(EVERY_TYPE, {k: v for k, v in GOOD.items() if k != "count"})
    with pytest.raises(CommandError, match="no option 'colour'"):
        parse_options(EVERY_TYPE, {**GOOD, "colour": "red"})


def test_names_resolve_through_the_adapter() -> None:
    resolver = Resolver(member=lambda n: "u1" if n == "amira" else None)
    cmd = _command(Option("who", OptionType.MEMBER, "who"))
    assert parse_options(cmd, {"who": "@amira"}, resolver) == {"who": "u1"}
    with pytest.raises(CommandError, match="no member called @nobody"):
        parse_options(cmd, {"who": "@nobody"}, resolver)


def test_durations() -> None:
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("1w2d") == timedelta(weeks=1, days=2)
    assert parse_duration("45") == timedelta(minutes=45)
    for bad in ("", "h", "2x", "1h 2", "-3h"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def _registry() -> CommandRegistry:
    reg = CommandRegistry()
    reg.group("prompt", "Prompts")
    reg.add(
        Command(
            ("prompt", "schedule"),
            "Schedule",
            _noop,
            (
                Option("channel", OptionType.CHANNEL, "where"),
                Option("when", OptionType.STRING, "when"),
                Option("note", OptionType.STRING, "note", required=False),
            ),
            Permission.ORGANIZER,
        )
    )
    return reg


def test_command_lines_with_named_positional_and_quoted_values() -> None:
    reg = _registry()
    cmd, raw = reg.resolve_line('/prompt schedule channel:#general when:"every monday 19:00"')
    assert cmd.path == ("prompt", "schedule")
    assert raw == {"channel": "#general", "when": "every monday 19:00"}
    _, raw = reg.resolve_line("prompt schedule #general 'first sunday' a note with words")
    assert raw == {"channel": "#general", "when": "first sunday", "note": "a note with words"}


def test_command_line_errors_are_helpful() -> None:
    reg = _registry()
    with pytest.raises(CommandError, match="'prompt' needs one of: schedule"):
        reg.resolve_line("prompt")
    with pytest.raises(CommandError, match="did you mean prompt"):
        reg.resolve_line("promt schedule")
    with pytest.raises(CommandError, match="couldn't read"):
        reg.resolve_line('prompt schedule when:"unclosed')


def test_registry_rejects_what_platforms_reject() -> None:
    reg = _registry()
    with pytest.raises(ValueError, match="registered twice"):
        reg.add(Command(("prompt", "schedule"), "again", _noop))
    with pytest.raises(ValueError, match="bad command name"):
        reg.add(Command(("Bad Name",), "x", _noop))
    with pytest.raises(ValueError, match="must be declared"):
        reg.add(Command(("mod", "warn"), "x", _noop))
    with pytest.raises(ValueError, match="required option after an optional"):
        reg.add(
            Command(
                ("x",),
                "x",
                _noop,
                (
                    Option("a", OptionType.STRING, "a", required=False),
                    Option("b", OptionType.STRING, "b"),
                ),
            )
        )


raw_values = st.one_of(st.text(max_size=80), st.integers(), st.booleans(), st.none())


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from([*GOOD, "extra"]), raw_values, max_size=12))
def test_arbitrary_options_only_ever_raise_command_error(raw: dict[str, object]) -> None:
    try:
        parse_options(EVERY_TYPE, raw, PLATFORM)
    except CommandError as exc:
        assert exc.message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_arbitrary_command_lines_only_ever_raise_command_error(line: str) -> None:
    reg = _registry()
    try:
        cmd, raw = reg.resolve_line(line)
        parse_options(cmd, raw)
    except CommandError as exc:
        assert exc.message
