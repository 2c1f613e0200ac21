"""A command's options are its handler's parameters: written once, so they cannot disagree."""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta
from typing import Annotated, Any

import pytest

from bot.kernel.app import App
from bot.kernel.commands import (
    ChannelId,
    Choice,
    CommandRegistry,
    MemberId,
    Opt,
    Option,
    OptionType,
    ZoneName,
    option_name,
)
from bot.kernel.context import Context
from bot.kernel.feature import Feature
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.core

KINDS = (Choice("Weekly", "7"), Choice("Monthly", "28"))


async def every_type(
    ctx: Context,
    text: Annotated[str, Opt("Some text", min_length=2, max_length=20)],
    count: Annotated[int, Opt("How many", min_value=1, max_value=10)],
    flag: Annotated[bool, Opt("Yes or no")],
    who: Annotated[MemberId, Opt("Who")],
    where: Annotated[ChannelId, Opt("Where")],
    every: Annotated[str, Opt("How often", choices=KINDS)],
    for_: Annotated[timedelta, Opt("How long", max_duration=timedelta(days=28))],
    at: Annotated[datetime | None, Opt("When")] = None,
    zone: Annotated[ZoneName | None, Opt("Time zone")] = None,
    follow_up: Annotated[str, Opt("Then")] = "nothing",
) -> None:
    return None


def test_the_signature_is_the_option_list() -> None:
    registry = CommandRegistry()
    registry.command("every", "Every type")(every_type)
    assert registry.commands[("every",)].options == (
        Option("text", OptionType.STRING, "Some text", min_length=2, max_length=20),
        Option("count", OptionType.INT, "How many", min_value=1, max_value=10),
        Option("flag", OptionType.BOOL, "Yes or no"),
        Option("who", OptionType.MEMBER, "Who"),
        Option("where", OptionType.CHANNEL, "Where"),
        Option("every", OptionType.CHOICE, "How often", choices=KINDS),
        Option("for", OptionType.DURATION, "How long", max_duration=timedelta(days=28)),
        Option("at", OptionType.DATETIME, "When", required=False),
        Option("zone", OptionType.TIMEZONE, "Time zone", required=False),
        Option("follow-up", OptionType.STRING, "Then", required=False, default="nothing"),
    )


async def test_each_option_reaches_its_own_parameter(community: RecordingConsole) -> None:
    seen: dict[str, object] = {}

    @community.app.registry.command("plan", "Plan something")
    async def plan(
        ctx: Context,
        who: Annotated[MemberId, Opt("Who")],
        for_: Annotated[timedelta, Opt("How long", max_duration=timedelta(days=7))],
        follow_up: Annotated[str | None, Opt("Then what")] = None,
        loud: Annotated[bool, Opt("Say it loudly")] = False,
    ) -> None:
        seen.update(who=who, for_=for_, follow_up=follow_up, loud=loud)
        ctx.reply("planned")

    out = await community.type('/plan who:U123 for:2d follow-up:"tea after"')
    assert "planned" in out
    assert seen == {
        "who": "U123",
        "for_": timedelta(days=2),
        "follow_up": "tea after",
        "loud": False,
    }
    seen.clear()
    out = await community.type("/plan U123 9d")
    assert "'for' can be at most 7d" in out and not seen


async def typo_no_annotation(ctx: Context, shedule) -> None:  # type: ignore[no-untyped-def]
    return None


async def typo_plain_type(ctx: Context, shedule: int) -> None:
    return None


async def typo_in_the_type(ctx: Context, schedule: Annotated[itn, Opt("n")]) -> None:  # noqa: F821
    return None


async def options_in_a_bag(ctx: Context, **options: Any) -> None:
    return None


async def limit_of_another_type(
    ctx: Context, count: Annotated[int, Opt("n", max_length=5)]
) -> None:
    return None


async def no_such_option_type(ctx: Context, ratio: Annotated[float, Opt("n")]) -> None:
    return None


async def none_without_default(ctx: Context, note: Annotated[str | None, Opt("n")]) -> None:
    return None


async def default_none_not_allowed(ctx: Context, note: Annotated[str, Opt("n")] = None) -> None:  # noqa: RUF013
    return None


async def not_a_name(ctx: Context, _hidden: Annotated[str, Opt("n")]) -> None:
    return None


async def no_context() -> None:
    return None


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        (typo_no_annotation, "/t: parameter 'shedule' has no annotation"),
        (typo_plain_type, "/t: parameter 'shedule' is not an option: annotate it `Annotated["),
        (typo_in_the_type, "/t: parameter 'schedule': cannot read its annotation"),
        (options_in_a_bag, "/t: parameter 'options': every option is a named parameter"),
        (limit_of_another_type, "/t: parameter 'count': an option of type int takes no max_length"),
        (no_such_option_type, "/t: parameter 'ratio': an option's type is one of str, int"),
        (none_without_default, "/t: parameter 'note' may be None, so it needs a default"),
        (default_none_not_allowed, "/t: parameter 'note' defaults to None, so its type must"),
        (not_a_name, "/t: parameter '_hidden': '-hidden' is no option name"),
        (no_context, "/t: the handler no_context must take the context first"),
    ],
)
def test_a_parameter_that_cannot_be_an_option_fails_at_registration(
    handler: Any, message: str
) -> None:
    """On a feature the decorator itself refuses, so the module that declares it fails to
    import: the mistake never waits for a member to run the command."""
    with pytest.raises(ValueError) as err:
        Feature("t").command("t", "A test")(handler)
    assert message in str(err.value)
    with pytest.raises(ValueError, match="/t: "):
        CommandRegistry().command("t", "A test")(handler)


def test_every_command_takes_its_options_from_its_handler(app: App) -> None:
    for command in app.registry.slash_commands():
        params = list(inspect.signature(command.handler).parameters)[1:]
        assert [o.name for o in command.options] == [option_name(p) for p in params]
