"""Sessions end for good: a stolen or copied cookie is worth nothing after sign-out, after "sign
out everywhere", after an idle hour or the absolute lifetime, and a session planted in a victim's
browser before they sign in is not theirs afterwards. The session store and its migration are
checked on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from playwright.sync_api import expect
from sqlalchemy import inspect

from bot.kernel import signins
from bot.kernel.events import Actor
from bot.kernel.store import Store
from bot.kernel.store.models import SignInSession
from crossings.migrate import alembic_config, upgrade
from tests.emulators.discord.server import GUILD_ID
from tests.security.attack import active, age, cookie_of, sessions_of
from tests.web.conftest import needs_chromium, sign_in_discord, sign_in_slack
from tests.web.world import MODERATOR, SECRET, WebWorld

pytestmark = pytest.mark.security
QUEUE = f"/c/discord/{GUILD_ID}/queue"


def signed_out(world: WebWorld, page: Any) -> bool:
    """The page is the sign-in page, and nobody is named as signed in."""
    return (
        page.url.rstrip("/") == world.base
        and page.get_by_role("link", name="Sign in with Discord").is_visible()
        and page.locator(".who").count() == 0
    )


def replay(world: WebWorld, new_page: Any, cookie: dict[str, Any], path: str = QUEUE) -> Any:
    """Open `path` in a fresh browser holding only a copy of `cookie`."""
    thief = new_page()
    thief.context.add_cookies([cookie])
    thief.goto(world.base + path)
    return thief


@pytest.mark.web
@needs_chromium
def test_a_session_cookie_replayed_after_logout_gets_the_sign_in_page(
    world: WebWorld, new_page: Any
) -> None:
    victim = new_page()
    sign_in_discord(world, victim, MODERATOR)
    stolen = cookie_of(victim)
    before = replay(world, new_page, stolen)
    assert before.url.endswith(QUEUE)  # the copy works while the session lives
    victim.get_by_role("button", name="Sign out", exact=True).click()
    expect(victim.get_by_role("link", name="Sign in with Discord")).to_be_visible()
    after = replay(world, new_page, stolen)
    assert signed_out(world, after)
    # Nor can the copy post anything.
    answer = after.request.post(world.base + QUEUE + "/1/claim", form={"csrf": "x"})
    assert answer.status == 403


@pytest.mark.web
@needs_chromium
def test_sign_out_everywhere_ends_every_session_of_that_member_only(
    world: WebWorld, new_page: Any
) -> None:
    laptop, phone, bystander = new_page(), new_page(), new_page()
    sign_in_discord(world, laptop, MODERATOR)
    sign_in_discord(world, phone, MODERATOR)
    copied = cookie_of(phone)
    sign_in_slack(world, bystander, "UMOD")
    laptop.get_by_role("button", name="Sign out everywhere").click()
    expect(laptop.get_by_role("link", name="Sign in with Discord")).to_be_visible()
    phone.goto(world.base + QUEUE)
    assert signed_out(world, phone)
    assert signed_out(world, replay(world, new_page, copied))
    assert not active(world, "discord", MODERATOR)
    assert bystander.goto(world.base + "/c/slack/T0001/queue").status == 200


@pytest.mark.web
@needs_chromium
@pytest.mark.parametrize(
    ("aged", "why"),
    [
        ({"seen_at": timedelta(minutes=61)}, "idle"),
        ({"created_at": timedelta(hours=8, minutes=1), "seen_at": timedelta(0)}, "expired"),
    ],
    ids=["idle-hour", "absolute-8h"],
)
def test_an_old_stolen_cookie_is_worth_nothing(
    world: WebWorld, new_page: Any, aged: dict[str, timedelta], why: str
) -> None:
    victim = new_page()
    sign_in_discord(world, victim, MODERATOR)
    stolen = cookie_of(victim)
    (row,) = [r for r in active(world, "discord", MODERATOR) if r.id == _newest(world)]
    assert row.id is not None
    age(world, row.id, **aged)
    assert signed_out(world, replay(world, new_page, stolen))
    ended = [r for r in sessions_of(world, "discord", MODERATOR) if r.id == row.id]
    assert ended[0].ended_why == why
    victim.goto(world.base + QUEUE)  # the owner too must sign in again
    assert signed_out(world, victim)


def _newest(world: WebWorld) -> int:
    return max(r.id or 0 for r in sessions_of(world, "discord", MODERATOR))


@pytest.mark.web
@needs_chromium
def test_the_cookie_holds_a_random_id_and_the_database_only_its_keyed_hash(
    world: WebWorld, page: Any
) -> None:
    sign_in_discord(world, page, MODERATOR)
    value = cookie_of(page)["value"]
    assert MODERATOR not in value and len(value) >= 40
    rows = sessions_of(world, "discord", MODERATOR)
    assert all(r.key != value for r in rows)
    key = signins.digest(hashlib.sha256(SECRET.encode()).digest(), value)
    assert [r for r in rows if r.key == key and r.ended_at is None]


@pytest.mark.web
@needs_chromium
def test_a_session_planted_before_sign_in_is_not_the_victims_afterwards(
    world: WebWorld, new_page: Any
) -> None:
    attacker = new_page()
    world.discord.oauth.next_login = None  # the attacker stops at the provider's own page
    attacker.goto(world.base + "/")
    attacker.get_by_role("link", name="Sign in with Discord").click()
    planted = cookie_of(attacker)
    victim = new_page()
    victim.context.add_cookies([planted])  # e.g. through a sibling subdomain
    sign_in_discord(world, victim, MODERATOR)
    assert cookie_of(victim)["value"] != planted["value"]
    assert signed_out(world, replay(world, new_page, planted, "/"))


# --- the store itself, on both databases ----------------------------------------------------

LIFE = signins.Lifetimes(idle=timedelta(hours=1), absolute=timedelta(hours=8))
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ADMIN = {"platform": "slack", "id": "UA", "name": "A", "team": "T1"}


def test_sessions_end_and_states_are_spent_once(any_store: Store) -> None:
    row = signins.create(any_store, "k1", {"oauth": {"state": "s" * 64}}, NOW)
    assert signins.take_state(any_store, row, "s" * 64)
    assert not signins.take_state(any_store, row, "s" * 64)  # a replay spends nothing
    signed_in = signins.create(any_store, "k2", {"user": ADMIN}, NOW)
    other_team = signins.create(any_store, "k3", {"user": {**ADMIN, "team": "T2"}}, NOW)
    found = signins.find(any_store, "k2", NOW + timedelta(minutes=59), LIFE)
    assert found is not None and found.ended is None
    assert signins.end_all(any_store, "slack", "UA", "T1", "signed-out-all", NOW) == 1
    gone = signins.find(any_store, "k2", NOW, LIFE)
    assert gone is not None and gone.ended == "signed-out-all"
    still = signins.find(any_store, "k3", NOW, LIFE)
    assert still is not None and still.ended is None and other_team != signed_in
    assert signins.find(any_store, "k1", NOW + timedelta(minutes=11), LIFE).ended == "expired"  # type: ignore[union-attr]
    assert signins.prune(any_store, NOW + timedelta(days=3), LIFE) == 3
    assert signins.find(any_store, "k2", NOW, LIFE) is None


def test_only_sessions_used_with_other_roles_end_on_a_role_change(any_store: Store) -> None:
    boss = Actor("UA", "A", is_admin=True)
    seen = {"slack:T1": [signins.fingerprint(boss), 3]}
    signins.create(any_store, "admin", {"user": ADMIN, "seen": seen}, NOW)
    member_seen = {"slack:T1": [signins.fingerprint(Actor("UA", "A")), 0]}
    signins.create(any_store, "member", {"user": ADMIN, "seen": member_seen}, NOW)
    # A profile change (same flags) ends nothing; a demotion ends the privileged session.
    assert signins.member_changed(any_store, "slack", "T1", "UA", boss, NOW) == 0
    assert signins.member_changed(any_store, "slack", "T1", "UA", Actor("UA", "A"), NOW) == 1
    assert signins.find(any_store, "admin", NOW, LIFE).ended == "roles"  # type: ignore[union-attr]
    # Deactivated: nobody, every session for the workspace ends.
    assert signins.member_changed(any_store, "slack", "T1", "UA", None, NOW) == 1
    assert signins.sign_ins_since(any_store, "slack", "UA", NOW - timedelta(minutes=1)) == 2


def test_the_migration_makes_and_removes_the_sessions_table(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/m.db")
    upgrade(store, "0007_web_sessions")
    assert "web_sessions" in inspect(store.engine).get_table_names()
    signins.create(store, "k", {"user": ADMIN}, NOW)
    with store.session() as s:
        assert s.get(SignInSession, 1) is not None
    command.downgrade(alembic_config(store), "-1")
    assert "web_sessions" not in inspect(store.engine).get_table_names()
    store.dispose()


@pytest.mark.postgres
def test_the_migration_on_postgresql() -> None:
    from tests.conftest import drop_postgres_store, fresh_postgres_store

    store = fresh_postgres_store(create=False)
    try:
        upgrade(store, "0007_web_sessions")
        assert "web_sessions" in inspect(store.engine).get_table_names()
        command.downgrade(alembic_config(store), "-1")
        assert "web_sessions" not in inspect(store.engine).get_table_names()
    finally:
        drop_postgres_store(store)
