"""The audit log on the web: moderators only, filtered, and a CSV whose cells never run as
spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.emulators.discord.server import GUILD_ID
from tests.web.conftest import needs_chromium, sign_in_discord
from tests.web.world import MEMBER, MODERATOR, ORGANIZER, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]
AUDIT = f"/c/discord/{GUILD_ID}/audit"


def test_organizers_and_members_cannot_read_the_audit_log(world: WebWorld, new_page: Any) -> None:
    for who in (ORGANIZER, MEMBER):
        page = new_page()
        sign_in_discord(world, page, who)
        assert page.goto(world.base + AUDIT).status == 403
        assert page.request.get(world.base + AUDIT + ".csv").status == 403


def test_filter_by_member_and_download_csv_with_formulas_neutralised(
    world: WebWorld, page: Any
) -> None:
    number = world.report(MEMBER, "A report to take notes on")
    target = world.reported_last
    formula = '=HYPERLINK("https://evil.example","open me")'
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + f"/c/discord/{GUILD_ID}/queue")
    card = page.locator(f"#case-{number}")
    card.get_by_label("Action").select_option("note")
    card.get_by_label("Reason").fill(formula)
    card.get_by_role("button", name=f"Apply to case {number}").click()
    expect(page.locator(".notice.ok")).to_be_visible()
    page.goto(world.base + AUDIT)
    page.get_by_label("Member (id)").fill(target)
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)  # the report and the note, newest first
    expect(rows.first).to_contain_text("card.note")
    expect(rows.first).to_contain_text(formula)
    with page.expect_download() as done:
        page.get_by_role("link", name="Download these entries as CSV").click()
    with open(done.value.path(), encoding="utf-8") as f:
        table = list(csv.reader(io.StringIO(f.read())))
    assert table[0] == ["at_utc", "actor", "action", "target", "case", "reason"]
    assert [r[2] for r in table[1:]] == ["card.note", "report"]
    assert table[1][5] == "'" + formula  # shown as text by a spreadsheet, never run
    assert all(not c.startswith(("=", "+", "-", "@")) for r in table for c in r)
