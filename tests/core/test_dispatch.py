"""The dispatcher through the console community: permissions, errors, answers."""

from __future__ import annotations

from typing import Annotated

import pytest
from sqlmodel import select

from bot.kernel.app import App
from bot.kernel.commands import Opt, Permission
from bot.kernel.context import Context, level_of
from bot.kernel.events import Actor, CommandInvoked, Place
from bot.kernel.store.models import Community, MemberPrefs
from tests.conftest import START, RecordingConsole

pytestmark = pytest.mark.core

PLACE = Place("console", "home", "general")


def test_levels_follow_the_role_mapping() -> None:
    c = Community(
        platform="discord",
        community_id="g",
        moderator_roles=["mods"],
        organizer_roles=["orgs"],
        admin_roles=["owners"],
    )
    assert level_of(c, Actor("1")) is Permission.MEMBER
    assert level_of(c, Actor("1", roles=frozenset({"orgs"}))) is Permission.ORGANIZER
    assert level_of(c, Actor("1", roles=frozenset({"mods", "orgs"}))) is Permission.MODERATOR
    assert level_of(c, Actor("1", roles=frozenset({"owners"}))) is Permission.ADMIN
    assert level_of(c, Actor("1", is_admin=True)) is Permission.ADMIN
    c.moderator_roles = ["user:U42"]
    assert level_of(c, Actor("U42")) is Permission.MODERATOR


async def test_members_are_refused_admin_commands_whatever_they_claim(app: App) -> None:
    # The platform UI may show the command to anyone: the core decides.
    event = CommandInvoked(
        PLACE,
        Actor("eve", "Eve", roles=frozenset({"moderator"})),
        START,
        interaction="i1",
        path=("settings", "timezone"),
        options={"zone": "Asia/Tokyo"},
    )
    actions = await app.handle(event)
    assert len(actions) == 1
    assert actions[0].private  # type: ignore[attr-defined]
    assert "Only community admins" in actions[0].message.text  # type: ignore[attr-defined]
    with app.store.session() as s:
        assert app.community(s, PLACE).timezone == "UTC"


async def test_settings_and_member_preferences_persist(community: RecordingConsole) -> None:
    out = await community.type("/settings timezone Europe/Berlin", "/as Kenji", "/me language ja")
    assert "time zone is now Europe/Berlin" in out
    with community.app.store.session() as s:
        assert community.app.community(s, PLACE).timezone == "Europe/Berlin"
        prefs = s.exec(select(MemberPrefs).where(MemberPrefs.user_id == "kenji")).one()
        assert prefs.locale == "ja"


async def test_bad_options_get_a_private_error_and_change_nothing(
    community: RecordingConsole,
) -> None:
    out = await community.type("/settings timezone Mars/Olympus")
    assert "only Admin sees this" in out
    assert "no time zone 'Mars/Olympus'" in out
    out = await community.type("/settings nonsense")
    assert "'settings' needs one of" in out


async def test_a_failing_handler_answers_privately_and_rolls_back(app: App) -> None:
    @app.registry.command("explode", "fails")
    async def explode(ctx: Context, n: Annotated[int, Opt("n")]) -> None:
        ctx.community.timezone = "Asia/Tokyo"
        ctx.session.add(ctx.community)
        ctx.session.flush()
        raise RuntimeError("boom")

    event = CommandInvoked(
        PLACE, Actor("a"), START, interaction="i", path=("explode",), options={"n": "1"}
    )
    actions = await app.handle(event)
    assert "something went wrong" in actions[0].message.text  # type: ignore[attr-defined]
    with app.store.session() as s:
        assert app.community(s, PLACE).timezone == "UTC"


async def test_unknown_buttons_are_answered_not_crashed(community: RecordingConsole) -> None:
    from bot.kernel.events import ComponentClicked

    actions = await community.app.handle(
        ComponentClicked(PLACE, Actor("a"), START, interaction="i", custom_id="gone:1")
    )
    assert "no longer active" in actions[0].message.text  # type: ignore[attr-defined]


async def test_help_lists_only_what_the_member_may_use(community: RecordingConsole) -> None:
    member = await community.type("/as Lena", "/help")
    assert "/me language" in member and "/settings timezone" not in member
    admin = await community.type("/as Admin", "/help")
    assert "/settings timezone" in admin
