"""Nobody changes another community's help. Written as an attacker would, in chromium against
the dashboard on loopback, with a Discord server and a Slack workspace on the project's own
emulators: the owner of the Discord server imports through the dashboard's HSDS import an
invented "safety line" (domestic abuse, crisis, intercultural couples) and a changed phone
number for a shipped national hotline, then tries to reach the Slack workspace's entries; the
Slack workspace's administrator tries the same the other way. Each test is one attempt."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from bot.support import entries, layers
from bot.support.models import SupportHidden, SupportOrganization, SupportService
from tests.emulators.discord.server import GUILD_ID, OWNER_ID
from tests.emulators.slack.server import TEAM_ID
from tests.security.directory_world import (
    DISCORD,
    SHIPPED,
    SLACK,
    attribute,
    audit,
    csrf,
    import_through_the_dashboard,
    operator_log,
    preview,
    rows,
    shipped,
    slack_command,
)
from tests.web.conftest import needs_chromium, sign_in_discord, sign_in_slack
from tests.web.world import MODERATOR, WebWorld

pytestmark = [pytest.mark.security, pytest.mark.web, needs_chromium]

HOTLINE = shipped("National Domestic Violence Hotline")
GB_LINE = shipped("National Domestic Abuse Helpline")
REAL_NUMBER = "+1 800-799-7233"
FAKE_NUMBER = "+1 202-555-0199"
SAFETY_ID = "7d0f3c52-58a4-4d0c-9a51-5e0d1f0c2a11"
MISSING_ID = "00000000-0000-4000-8000-000000000000"


def safety_line() -> dict[str, Any]:
    """The attacker's invented line: no country, so it would match everywhere."""
    return {
        "id": SAFETY_ID,
        "name": "Safety line",
        "status": "active",
        "description": "Call us first.",
        "organization": {"id": "org-safety", "name": "Safety", "description": "invented"},
        "phones": [{"id": "ph-safety", "number": "+1 202-555-0147"}],
        "languages": [{"id": "l-en", "code": "en"}, {"id": "l-ja", "code": "ja"}],
        "attributes": [
            attribute(code) for code in ("domestic-abuse", "crisis", "intercultural-couples")
        ],
    }


def changed_hotline() -> dict[str, Any]:
    doc = json.loads(json.dumps(HOTLINE))
    doc["phones"][0]["number"] = FAKE_NUMBER
    return doc


@pytest.fixture(scope="module")
def attacked(world: WebWorld, browser: Any) -> Iterator[dict[str, Any]]:
    """The attack, replayed once for this module: the Discord owner's dashboard import."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_discord(world, page, OWNER_ID)
    page.goto(world.base + DISCORD + "/directory?topic=crisis")  # the shipped layer is loaded
    before = {
        "slack_audit": len(audit(world, "slack", TEAM_ID)),
        "operator_log": len(operator_log(world)),
    }
    report = import_through_the_dashboard(page, world, [safety_line(), changed_hotline()])
    context.close()
    yield {"report": report, **before}


@pytest.fixture
def slack_admin(new_page: Any, world: WebWorld) -> Any:
    page = new_page()
    sign_in_slack(world, page, "UADMIN")
    return page


@pytest.fixture
def discord_owner(new_page: Any, world: WebWorld) -> Any:
    page = new_page()
    sign_in_discord(world, page, OWNER_ID)
    return page


# --- the attack, replayed ----------------------------------------------------------------------


def test_the_import_lands_in_the_importing_community_only(
    world: WebWorld, attacked: dict[str, Any]
) -> None:
    assert "2 services would be added" in attacked["report"]
    assert "take the place of shipped or operator entries" in attacked["report"]
    assert set(rows(world, "discord", GUILD_ID)) == {SAFETY_ID, HOTLINE["id"]}
    assert rows(world, "slack", TEAM_ID) == {}
    assert not any(SAFETY_ID in rows(world, "", layer) for layer in ("shipped", "operator"))


def test_the_other_communitys_search_is_unchanged(
    world: WebWorld, attacked: dict[str, Any]
) -> None:
    answer = slack_command(world, "UMEMBER", "support find topic:domestic-abuse country:US")
    found = answer.split("Support that may fit", 1)[1]
    assert found.lstrip(" *\n").startswith("National Domestic Violence Hotline")
    assert REAL_NUMBER in found and FAKE_NUMBER not in found
    assert "Shipped with Crossings" in found and "Safety line" not in found
    crisis_ja = slack_command(world, "UMEMBER", "support find topic:crisis language:ja")
    assert "Safety line" not in crisis_ja and "202-555" not in crisis_ja
    lines = slack_command(world, "UMEMBER", "support helplines country:US")
    assert "Safety line" not in lines and "202-555" not in lines


def test_the_other_communitys_export_is_unchanged(
    world: WebWorld, attacked: dict[str, Any], new_page: Any
) -> None:
    page = new_page()
    sign_in_slack(world, page, "UMOD")
    docs = page.request.get(world.base + SLACK + "/directory/export.json").json()
    by_id = {d["id"]: d for d in docs}
    assert SAFETY_ID not in by_id
    assert by_id[HOTLINE["id"]]["phones"][0]["number"] == REAL_NUMBER
    assert page.request.get(world.base + SLACK + "/directory/own.json").json() == []


def test_the_shipped_entries_are_unchanged(world: WebWorld, attacked: dict[str, Any]) -> None:
    shipped = rows(world, "", "shipped")
    assert set(shipped) == {s["id"] for s in SHIPPED}
    for doc in SHIPPED:
        stored = [p["number"] for p in shipped[doc["id"]].phones]
        assert stored == [p["number"] for p in doc.get("phones", [])], doc["name"]


def test_the_audit_shows_the_import_where_it_happened(
    world: WebWorld, attacked: dict[str, Any]
) -> None:
    entry = [e for e in audit(world, "discord", GUILD_ID) if e.action == "web directory import"]
    assert entry and entry[-1].actor_id == OWNER_ID
    assert SAFETY_ID in (entry[-1].reason or "") and HOTLINE["id"] in (entry[-1].reason or "")
    assert "stand in for shipped or operator entries" in (entry[-1].reason or "")
    assert len(audit(world, "slack", TEAM_ID)) == attacked["slack_audit"]
    # Nothing the operator owns changed, so the operator log has nothing new.
    assert len(operator_log(world)) == attacked["operator_log"]


def test_the_importing_community_sees_whose_its_entries_are(
    world: WebWorld, attacked: dict[str, Any], discord_owner: Any
) -> None:
    found = preview(discord_owner, world, DISCORD, topic="crisis", language="ja")
    assert "Safety line" in found and "Added by this community's moderators" in found
    us = preview(discord_owner, world, DISCORD, topic="domestic-abuse", country="US")
    first = us.split("\n\n")[0]
    assert FAKE_NUMBER in us and "Added by this community's moderators" in us, first


# --- reaching the other community's entries by id ---------------------------------------------


def test_another_communitys_entry_is_the_same_404_as_a_missing_one(
    world: WebWorld, attacked: dict[str, Any], slack_admin: Any
) -> None:
    request = slack_admin.request
    for suffix in ("", "/export.json"):
        theirs = request.get(f"{world.base}{SLACK}/directory/own/{SAFETY_ID}{suffix}")
        missing = request.get(f"{world.base}{SLACK}/directory/own/{MISSING_ID}{suffix}")
        assert theirs.status == missing.status == 404
        assert theirs.text() == missing.text()
        assert "Safety line" not in theirs.text() and "202-555" not in theirs.text()


def test_another_communitys_entry_cannot_be_edited_or_deleted(
    world: WebWorld, attacked: dict[str, Any], slack_admin: Any
) -> None:
    token = csrf(slack_admin, world, SLACK)
    form = {"csrf": token, "name": "Taken over", "phone": "+1 202 555 0100", "status": "active"}
    for target in (SAFETY_ID, MISSING_ID):
        for path, data in (("", form), ("/delete", {"csrf": token})):
            url = f"{world.base}{SLACK}/directory/own/{target}{path}"
            answer = slack_admin.request.post(url, form=data, max_redirects=0)
            assert answer.status == 404, (target, path)
    mine = rows(world, "discord", GUILD_ID)[SAFETY_ID]
    assert mine.name == "Safety line" and mine.phones[0]["number"] == "+1 202-555-0147"


def test_hide_cannot_reach_another_communitys_entry(
    world: WebWorld, attacked: dict[str, Any], slack_admin: Any
) -> None:
    token = csrf(slack_admin, world, SLACK)
    answers = [
        slack_admin.request.post(
            f"{world.base}{SLACK}/directory/hide",
            form={"csrf": token, "service": target, "op": "hide"},
            max_redirects=0,
        )
        for target in (SAFETY_ID, MISSING_ID)
    ]
    assert [a.status for a in answers] == [404, 404]
    assert answers[0].text() == answers[1].text()
    with Session(world.app.store.engine) as s:
        assert layers.hidden_ids(s, ("slack", TEAM_ID)) == frozenset()


def test_a_shipped_entry_is_read_only_through_a_communitys_entry_pages(
    world: WebWorld, attacked: dict[str, Any], discord_owner: Any
) -> None:
    token = csrf(discord_owner, world, DISCORD)
    url = f"{world.base}{DISCORD}/directory/own/{GB_LINE['id']}"
    assert discord_owner.request.get(url).status == 404
    form = {"csrf": token, "name": "Changed", "phone": "+44 20 7946 0000", "status": "active"}
    assert discord_owner.request.post(url, form=form, max_redirects=0).status == 404
    assert discord_owner.request.post(url + "/delete", form={"csrf": token}).status == 404
    shipped = rows(world, "", "shipped")[GB_LINE["id"]]
    assert shipped.name == GB_LINE["name"]
    assert [p["number"] for p in shipped.phones] == [p["number"] for p in GB_LINE["phones"]]


# --- hiding, importing and editing stay in one community -----------------------------------------


def test_hiding_a_shipped_entry_affects_only_that_community(
    world: WebWorld, attacked: dict[str, Any], slack_admin: Any, discord_owner: Any
) -> None:
    slack_admin.goto(world.base + SLACK + "/directory?find=National Domestic Abuse")
    slack_admin.get_by_role("button", name=f"Hide {GB_LINE['name']} from your members").click()
    expect(slack_admin.locator(".notice.ok")).to_contain_text("hidden from your members")
    try:
        gb = "support find topic:domestic-abuse country:GB"
        # Not in the members' answer any more (other national lines may still be).
        answer = slack_command(world, "UMEMBER", gb)
        found = (
            answer.split("Support that may fit", 1)[1] if "Support that may fit" in answer else ""
        )
        assert GB_LINE["name"] not in found
        assert GB_LINE["name"] in preview(
            discord_owner, world, DISCORD, topic="domestic-abuse", country="GB"
        )
        docs = slack_admin.request.get(world.base + SLACK + "/directory/export.json").json()
        assert GB_LINE["id"] not in {d["id"] for d in docs}
        hides = [e for e in audit(world, "slack", TEAM_ID) if e.action == "web directory hide"]
        assert hides and hides[-1].target_id == GB_LINE["id"]
        assert not [e for e in audit(world, "discord", GUILD_ID) if "hide" in e.action]
        assert GB_LINE["id"] in rows(world, "", "shipped")  # hidden, not removed
    finally:
        slack_admin.goto(world.base + SLACK + "/directory?find=National Domestic Abuse")
        slack_admin.get_by_role("button", name=f"Show {GB_LINE['name']} to your members").click()
        expect(slack_admin.locator(".notice.ok")).to_contain_text("shown to your members again")
    found = slack_command(world, "UMEMBER", gb).split("Support that may fit", 1)[1]
    assert GB_LINE["name"] in found


def test_a_feed_cannot_name_another_community(
    world: WebWorld, attacked: dict[str, Any], discord_owner: Any
) -> None:
    """Fields that look like the layer's own columns are not HSDS: they never reach a row."""
    doc = safety_line()
    doc.update(
        id=str(uuid.uuid4()), name="Smuggled", platform="slack", community_id=TEAM_ID,
        added_by="UADMIN",
    )  # fmt: skip
    discord_owner.goto(world.base + DISCORD + "/directory")
    discord_owner.get_by_label("Feed file").set_input_files(
        {"name": "feed.json", "mimeType": "application/json", "buffer": json.dumps([doc]).encode()}
    )
    discord_owner.get_by_role("button", name="Check this file").click()
    if discord_owner.get_by_role("button", name="Import these changes").count():
        discord_owner.get_by_role("button", name="Import these changes").click()
        expect(discord_owner.locator(".notice.ok")).to_be_visible()
    assert rows(world, "slack", TEAM_ID) == {}
    smuggled = rows(world, "discord", GUILD_ID).get(doc["id"])
    if smuggled is not None:
        assert smuggled.added_by == OWNER_ID
        with Session(world.app.store.engine) as s:
            row = layers.find(s, ("discord", GUILD_ID), doc["id"])
            assert row is not None
            s.delete(row)
            layers.bump(s, ("discord", GUILD_ID), world.app.clock.now())
            s.commit()


def test_moderators_may_look_but_not_change_the_directory(
    world: WebWorld, attacked: dict[str, Any], new_page: Any
) -> None:
    for sign_in, here, who in (
        (sign_in_slack, SLACK, "UMOD"),
        (sign_in_discord, DISCORD, MODERATOR),
    ):
        page = new_page()
        sign_in(world, page, who)
        token = csrf(page, world, here)
        assert page.request.get(world.base + here + "/directory/export.json").status == 200
        attempts = [
            ("/directory/hide", {"service": HOTLINE["id"], "op": "hide"}),
            ("/directory/confirm", {"token": "x"}),
            (f"/directory/own/{SAFETY_ID}", {"name": "x", "status": "active"}),
            (f"/directory/own/{SAFETY_ID}/delete", {}),
        ]
        for path, form in attempts:
            answer = page.request.post(
                world.base + here + path, form={**form, "csrf": token}, max_redirects=0
            )
            assert answer.status == 403, (who, path)
    assert SAFETY_ID in rows(world, "discord", GUILD_ID)
    with Session(world.app.store.engine) as s:
        assert not s.exec(select(SupportHidden)).all()


def test_a_dry_run_checked_in_one_community_cannot_be_confirmed_in_another(
    world: WebWorld, attacked: dict[str, Any], new_page: Any
) -> None:
    """The confirm imports the very file checked, for the community that checked it: a token
    carried to the other community's form is out of date there."""
    owner = new_page()
    sign_in_discord(world, owner, OWNER_ID)
    owner.goto(world.base + DISCORD + "/directory")
    doc = {**safety_line(), "id": str(uuid.uuid4()), "name": "Carried over"}
    owner.get_by_label("Feed file").set_input_files(
        {"name": "feed.json", "mimeType": "application/json", "buffer": json.dumps([doc]).encode()}
    )
    owner.get_by_role("button", name="Check this file").click()
    token = owner.locator("input[name=token]").get_attribute("value")
    admin = new_page()
    sign_in_slack(world, admin, "UADMIN")
    form = {"csrf": csrf(admin, world, SLACK), "token": token or ""}
    admin.request.post(world.base + SLACK + "/directory/confirm", form=form)
    admin.goto(world.base + SLACK + "/directory")
    assert rows(world, "slack", TEAM_ID) == {}
    assert doc["id"] not in rows(world, "discord", GUILD_ID)


# --- the operator's claim after the layers migration ------------------------------------------


def test_entries_the_operator_claims_into_a_community_show_in_that_community_alone(
    world: WebWorld,
    attacked: dict[str, Any],
    new_page: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An entry from before the layers, whose owner the migration could not tell: nobody sees
    it until the operator claims it; then only that community does, and its administrators
    see the operator's change on their directory page."""
    from crossings.cli import main

    sid, key = str(uuid.uuid4()), ("discord", GUILD_ID)
    with Session(world.app.store.engine) as s:
        s.add(SupportOrganization(community_id="unclaimed", id=f"org-{sid}", name="Old group"))
        s.add(
            SupportService(
                community_id="unclaimed",
                id=sid,
                organization_id=f"org-{sid}",
                name="Imported before the layers",
                topics=["community-groups"],
                delivery="online",
                languages=[{"id": f"l-{sid}", "code": "en", "tag": "en"}],
            )
        )
        s.commit()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CROSSINGS_DATABASE_URL", world.app.store.url)
    try:
        assert main(["directory", "claim", f"discord:{GUILD_ID}", sid]) == 0
        owner = new_page()
        sign_in_discord(world, owner, OWNER_ID)
        owner.goto(world.base + DISCORD + "/directory")
        assert (
            "Imported before the layers"
            in owner.locator("[aria-labelledby=own-heading]").inner_text()
        )
        expect(owner.get_by_text("Changes by this bot's operator")).to_be_visible()
        expect(owner.locator("main")).to_contain_text(
            f"1 unclaimed entries moved to discord:{GUILD_ID}"
        )
        admin = new_page()
        sign_in_slack(world, admin, "UADMIN")
        admin.goto(world.base + SLACK + "/directory")
        expect(admin.locator("main")).not_to_contain_text("Imported before the layers")
        expect(admin.get_by_text("Changes by this bot's operator")).to_have_count(0)
        answer = slack_command(world, "UMEMBER", "support find topic:community-groups")
        assert "Imported before the layers" not in answer
    finally:
        with Session(world.app.store.engine) as s:
            entries.remove(s, key, sid, world.app.clock.now())  # and its organization
            old = s.get(SupportOrganization, ("", "unclaimed", f"org-{sid}"))
            if old is not None:
                s.delete(old)
            s.commit()
