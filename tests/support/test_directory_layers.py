"""The directory's layers: the migration that moves today's rows (SQLite and PostgreSQL), what
each community sees, who vouches for each entry, country before language for national services,
`crossings directory check`, the operator log and `crossings directory claim`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlmodel import select

from bot.kernel.events import Place
from bot.kernel.store import Store
from bot.support import directory, layers
from bot.support.models import OperatorLogEntry, SupportOrganization, SupportService
from crossings.migrate import alembic_config, upgrade
from tests.conftest import (
    START,
    RecordingConsole,
)

pytestmark = pytest.mark.support

SHIPPED = json.loads(directory.DIRECTORY_DIR.read_text(encoding="utf-8"))
US_HOTLINE = next(s for s in SHIPPED if s["name"] == "National Domestic Violence Hotline")
DISCORD = ("discord", "guild-1")
SLACK = ("slack", "T0001")


def feed(tmp_path: Path, name: str, services: list[dict[str, Any]]) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(services), encoding="utf-8")
    return path


def service(
    sid: str,
    name: str,
    topics: list[str],
    *,
    number: str = "+1 202 555 0147",
    countries: list[str] = (),  # type: ignore[assignment]
    languages: list[str] = ("en",),  # type: ignore[assignment]
    assured: str | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": sid,
        "name": name,
        "status": "active",
        "organization": {"id": f"org-{sid}", "name": f"{name} (org)", "description": "invented"},
        "phones": [{"id": f"ph-{sid}", "number": number}],
        "languages": [{"id": f"lang-{sid}-{c}", "code": c} for c in languages],
        "attributes": [
            {
                "id": f"a-{sid}-{t}",
                "taxonomy_term": {"id": f"t-{t}", "code": t, "name": t, "description": t},
            }
            for t in topics
        ],
        "service_areas": [
            {"id": f"area-{sid}-{c}", "extent": c, "extent_type": "iso3166-1-alpha-2"}
            for c in countries
        ],
    }
    if assured:
        doc["assured_date"] = assured
    return doc


def tampered_hotline() -> dict[str, Any]:
    doc = json.loads(json.dumps(US_HOTLINE))
    doc["phones"][0]["number"] = "+1 202 555 0199"
    return doc


# --- the migration ---------------------------------------------------------------------------


def _old_rows(store: Store, *, dashboard_import: bool) -> None:
    """The directory as 0005 kept it: one shared table, a shipped entry changed by someone."""
    with store.engine.begin() as conn:
        org = "INSERT INTO support_organizations (id, name, extra) VALUES (:id, :name, '{}')"
        svc = (
            "INSERT INTO support_services (id, organization_id, name, free, delivery, status,"
            " topics, languages, phones, schedules, locations, extra) VALUES (:id, :org, :name,"
            " false, 'online', 'active', '[\"domestic-abuse\"]', '[]', :phones, '[]', '[]', '{}')"
        )
        shipped_org = US_HOTLINE["organization"]["id"]
        conn.execute(text(org), {"id": shipped_org, "name": "The Hotline"})
        conn.execute(text(org), {"id": "org-local", "name": "Local org"})
        changed = json.dumps([{"id": "p", "number": "+1 202 555 0199"}])
        conn.execute(
            text(svc),
            {"id": US_HOTLINE["id"], "org": shipped_org, "name": "Hotline", "phones": changed},
        )
        conn.execute(
            text(svc), {"id": "local-1", "org": "org-local", "name": "Local", "phones": "[]"}
        )
        # The same organization named by a row of the other layer too: copied, not moved.
        conn.execute(
            text(svc), {"id": "local-2", "org": shipped_org, "name": "Local 2", "phones": "[]"}
        )
        if dashboard_import:
            conn.execute(
                text(
                    "INSERT INTO mod_audit (platform, community_id, actor_id, action, at)"
                    " VALUES ('discord', 'g', 'u', 'web directory import', :at)"
                ),
                {"at": START},
            )


def _layer_of(store: Store) -> dict[str, set[str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, platform, community_id FROM support_services"))
        out: dict[str, set[str]] = {}
        for sid, platform, community in rows:
            out.setdefault(sid, set()).add(f"{platform}:{community}")
        return out


@pytest.mark.parametrize("dashboard_import", [False, True])
def test_the_migration_moves_todays_rows_to_their_layers(
    empty_store: Store, dashboard_import: bool
) -> None:
    upgrade(empty_store, "0007_web_sessions")
    _old_rows(empty_store, dashboard_import=dashboard_import)
    upgrade(empty_store, "0008_directory_layers")
    rest = ":unclaimed" if dashboard_import else ":operator"
    assert _layer_of(empty_store) == {
        US_HOTLINE["id"]: {":shipped"},
        "local-1": {rest},
        "local-2": {rest},
    }
    pk = inspect(empty_store.engine).get_pk_constraint("support_services")
    assert pk["constrained_columns"] == ["platform", "community_id", "id"]
    with empty_store.session() as s:
        orgs = {(o.community_id, o.id) for o in s.exec(select(SupportOrganization))}
        shipped_org = US_HOTLINE["organization"]["id"]
        assert orgs == {("shipped", shipped_org), (rest[1:], shipped_org), (rest[1:], "org-local")}
        entry = s.exec(select(OperatorLogEntry)).one()
        assert entry.action == "layers migration" and "1 entries to the shipped layer" in (
            entry.summary
        )
        assert ("claim them" in entry.summary) is dashboard_import
    # Back to one shared table: every row once, the key on the id alone.
    command.downgrade(alembic_config(empty_store), "0007_web_sessions")
    assert inspect(empty_store.engine).get_pk_constraint("support_services")[
        "constrained_columns"
    ] == ["id"]
    with empty_store.engine.connect() as conn:
        ids = sorted(r[0] for r in conn.execute(text("SELECT id FROM support_services")))
        orgs_left = sorted(r[0] for r in conn.execute(text("SELECT id FROM support_organizations")))
    assert ids == sorted([US_HOTLINE["id"], "local-1", "local-2"])
    assert orgs_left == sorted([US_HOTLINE["organization"]["id"], "org-local"])
    upgrade(empty_store)  # and up again
    assert _layer_of(empty_store)[US_HOTLINE["id"]] == {":shipped"}


def test_a_changed_shipped_entry_is_brought_back_to_what_ships(tmp_path: Path) -> None:
    from crossings import build_app
    from crossings.settings import Settings

    store = Store(f"sqlite:///{tmp_path}/old.db")
    upgrade(store, "0007_web_sessions")
    _old_rows(store, dashboard_import=True)
    upgrade(store)
    app = build_app(store, Settings(database_url=store.url))
    with store.session() as s:
        view = directory.view(app, s, DISCORD)
        hotline = layers.find(s, layers.SHIPPED, US_HOTLINE["id"])
    assert hotline is not None and hotline.phones[0]["number"] == "+1 800-799-7233"
    assert {s.id for s in view.visible()} >= {x["id"] for x in SHIPPED}
    assert not {"local-1", "local-2"} & {s.id for s in view.visible()}  # unclaimed: nobody
    with store.session() as s:
        actions = [e.action for e in s.exec(select(OperatorLogEntry))]
    assert actions == ["layers migration", "shipped update"]


def test_unclaimed_entries_are_claimed_into_one_layer(tmp_path: Path) -> None:
    from bot.support.operator import claim

    store = Store(f"sqlite:///{tmp_path}/claim.db")
    upgrade(store, "0007_web_sessions")
    _old_rows(store, dashboard_import=True)
    upgrade(store)
    with store.session() as s:
        moved, refused = claim(s, DISCORD, ["local-1", "nope"], "cli:root")
    assert moved == ["local-1"] and refused == {"nope": "no such unclaimed entry"}
    with store.session() as s:
        assert layers.find(s, DISCORD, "local-1") is not None
        assert [o.id for o in layers.organizations(s, DISCORD)] == ["org-local"]
        assert [x.id for x in layers.services(s, layers.UNCLAIMED)] == ["local-2"]
        assert layers.operator_log(s)[0].action == "claim"


# --- what each community sees ------------------------------------------------------------


def test_a_community_import_lands_in_its_own_layer_only(app: Any, tmp_path: Path) -> None:
    safety = service(
        "safety-line",
        "Safety line (invented)",
        ["domestic-abuse", "crisis", "intercultural-couples"],
        languages=["en", "ja"],
    )
    path = feed(tmp_path, "attack", [safety, tampered_hotline()])
    with app.store.session() as s:
        directory.view(app, s, None)  # the shipped layer is loaded
        changes = directory.import_feed(s, path, mode="upsert", layer=DISCORD, actor="owner")
    assert sorted(changes.added) == sorted(["safety-line", US_HOTLINE["id"]])
    assert changes.stands_in_for == [US_HOTLINE["id"]]
    us = directory.Query(topic="domestic-abuse", country="US", languages=("en",), limit=5)
    ja = directory.Query(topic="crisis", languages=("ja",), limit=5)
    with app.store.session() as s:
        mine, theirs = directory.view(app, s, DISCORD), directory.view(app, s, SLACK)
        shipped = layers.find(s, layers.SHIPPED, US_HOTLINE["id"])
    assert shipped is not None and shipped.phones[0]["number"] == "+1 800-799-7233"
    top = theirs.search(us)[0].service
    assert (top.id, top.community_id, top.phones[0]["number"]) == (
        US_HOTLINE["id"],
        "shipped",
        "+1 800-799-7233",
    )
    assert "safety-line" not in {m.service.id for m in theirs.search(ja)}
    assert "safety-line" not in {s.id for s in theirs.visible()}
    # The importing community sees its own copy in place of the shipped one, and its line.
    found = mine.search(us)
    assert found[0].service.community_id == "guild-1"
    assert found[0].service.phones[0]["number"] == "+1 202 555 0199"
    assert "safety-line" in {m.service.id for m in mine.search(ja)}


def test_hiding_a_shipped_entry_hides_it_for_that_community_alone(app: Any) -> None:
    us = directory.Query(topic="domestic-abuse", country="US", languages=("en",))
    with app.store.session() as s:
        directory.view(app, s, None)
        assert layers.hide(s, DISCORD, US_HOTLINE["id"], "owner", START)
        assert not layers.hide(s, DISCORD, US_HOTLINE["id"], "owner", START)  # once
        assert not layers.hide(s, DISCORD, "no-such-entry", "owner", START)
    with app.store.session() as s:
        assert directory.view(app, s, DISCORD).search(us) == []
        assert directory.view(app, s, SLACK).search(us)[0].service.id == US_HOTLINE["id"]
        assert layers.show(s, DISCORD, US_HOTLINE["id"], START)
    with app.store.session() as s:
        assert directory.view(app, s, DISCORD).search(us)[0].service.id == US_HOTLINE["id"]


def test_a_change_made_by_another_process_counts_on_the_next_search(
    app: Any, tmp_path: Path
) -> None:
    """Each process keeps its indexes; the layer's revision in the database tells them apart."""
    from crossings import build_app

    other = build_app(app.store, app.settings, app.clock)  # another process, same database
    q = directory.Query(topic="crisis", languages=("ja",))
    with app.store.session() as s:
        assert directory.view(app, s, DISCORD).search(q) == []
    path = feed(tmp_path, "f", [service("x1", "Line", ["crisis"], languages=["ja"])])
    with other.store.session() as s:
        directory.import_feed(s, path, mode="upsert", layer=DISCORD)
    with app.store.session() as s:
        assert [m.service.id for m in directory.view(app, s, DISCORD).search(q)] == ["x1"]


# --- country first for national and online services --------------------------------------------


async def test_a_us_domestic_abuse_search_lists_the_us_national_line_first(
    community: RecordingConsole,
) -> None:
    await community.type("/as Amira")
    out = await community.type("/support find topic:domestic-abuse country:US")
    found = out.split("Support that may fit", 1)[1]
    assert found.strip().startswith("National Domestic Violence Hotline: online")
    assert "+1 800-799-7233" in found and "serves your country" in found
    # National lines of other countries, shown before for any online search, are not.
    for other in ("Gender-Based Violence", "3919", "Shakti", "Women's Refuge", "Women's Aid"):
        assert other not in found


def test_national_services_match_their_own_country_and_rank_above_international_ones(
    tmp_path: Path, app: Any
) -> None:
    path = feed(
        tmp_path,
        "mix",
        [
            service("intl", "International line", ["domestic-abuse", "intercultural-couples"]),
            service("us", "US line", ["domestic-abuse"], countries=["US"]),
            service("fr", "French line", ["domestic-abuse"], countries=["FR"]),
        ],
    )
    with app.store.session() as s:
        directory.import_feed(s, path, layer=DISCORD)
    with app.store.session() as s:
        view = directory.View(((DISCORD, directory.load_index(s, DISCORD)),))
    q = directory.Query(topic="domestic-abuse", country="US", languages=("en",), limit=5)
    found = view.search(q)
    assert [m.service.id for m in found] == ["us", "intl"]  # not France; international below
    assert "country" in found[0].reasons and "country" not in found[1].reasons
    q_fr = directory.Query(topic="domestic-abuse", country="FR", languages=("en",), limit=5)
    assert [m.service.id for m in view.search(q_fr)] == ["fr", "intl"]
    # No country known (none given, none saved, no default): no national line is a guess.
    q_none = directory.Query(topic="domestic-abuse", languages=("en",), limit=5)
    assert [m.service.id for m in view.search(q_none)] == ["intl"]


# --- who vouches for an entry ------------------------------------------------------------------


async def test_every_result_says_who_vouches_for_it(
    community: RecordingConsole, tmp_path: Path
) -> None:
    app = community.app
    path = feed(
        tmp_path,
        "own",
        [
            service("own-1", "Our own line", ["domestic-abuse"], countries=["US"]),
            service(
                "old-1", "Old line", ["domestic-abuse"], countries=["US"], assured="2024-01-10"
            ),
        ],
    )
    with app.store.session() as s:
        directory.import_feed(s, path, layer=("console", "home"), actor="admin", now=START)
    await community.type("/as Amira")
    out = await community.type("/support find topic:domestic-abuse country:US")
    assert "Shipped with Crossings · last checked Dec 1, 2026" in out
    assert f"Added by this community's moderators · {START:%b} 2, 2026" in out
    helplines = await community.type("/support helplines country:US")
    assert "988 Suicide & Crisis Lifeline" in helplines
    assert "Shipped with Crossings · last checked Dec 1, 2026" in helplines
    assert "Our own line" in helplines and "Added by this community's moderators" in helplines
    # An operator entry last checked over a year ago is marked.
    other = feed(
        tmp_path, "op", [service("op-1", "Operator line", ["crisis"], assured="2024-01-10")]
    )
    with app.store.session() as s:
        directory.import_feed(s, other, layer=layers.OPERATOR)
    out = await community.type("/support find topic:crisis")
    assert "Listed by this bot's operator · last checked Jan 10, 2024" in out
    assert "⚠ not checked for over a year" in out


# --- the operator's commands --------------------------------------------------------------------


def test_directory_check_reports_entries_not_checked_for_a_year(
    tmp_path: Path, app: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crossings.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CROSSINGS_DATABASE_URL", app.store.url)
    path = feed(
        tmp_path,
        "op",
        [
            service("fresh", "Fresh", ["crisis"], assured="2026-11-01"),
            service("old", "Old", ["crisis"], assured="2025-06-01"),
            service("undated", "Undated", ["crisis"]),
        ],
    )
    assert main(["directory", "import", str(path)]) == 0
    assert "operator layer" in capsys.readouterr().out
    assert main(["directory", "check", "--today", "2026-12-07", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert sorted(r["id"] for r in report["unchecked"]) == ["old", "undated"]
    old = next(r for r in report["unchecked"] if r["id"] == "old")
    assert (old["layer"], old["checked_on"], old["days"]) == ("operator", "2025-06-01", 554)
    # A year after the shipped entries and helplines were checked, they are reported too.
    assert main(["directory", "check", "--today", "2028-01-01"]) == 1
    out = capsys.readouterr().out
    assert "[shipped]" in out and "helplines" in out and "National Domestic Violence" in out
    # The import is in the operator log, with who ran it.
    assert main(["directory", "log", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    imported = next(e for e in entries if e["action"] == "import")
    assert imported["layer"] == "operator" and imported["actor"].startswith("cli")
    assert sorted(imported["details"]["added"]) == ["fresh", "old", "undated"]


def test_directory_check_reads_the_shipped_entries_of_a_database_no_search_has_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crossings.cli import main

    store = Store(f"sqlite:///{tmp_path}/fresh.db")
    upgrade(store)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CROSSINGS_DATABASE_URL", store.url)
    assert main(["directory", "check", "--today", "2028-01-02", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    reported = {r["id"] for r in report["unchecked"] if r["kind"] == "directory"}
    assert reported == {s["id"] for s in SHIPPED}
    assert main(["directory", "check", "--today", "next week"]) == 2
    assert "not a date" in capsys.readouterr().out
    assert main(["directory", "check", "--days", "0"]) == 2
    assert "at least 1" in capsys.readouterr().out
    assert main(["directory", "log", "--limit", "-1"]) == 2
    assert "at least 1" in capsys.readouterr().out


def test_the_shipped_directory_can_be_turned_off(app: Any) -> None:
    with app.store.session() as s:
        directory.view(app, s, None)
        assert layers.count(s, layers.SHIPPED) == len(SHIPPED)
    app.settings.support.shipped_directory = False
    directory.forget_indexes(app)
    try:
        with app.store.session() as s:
            assert directory.view(app, s, None).visible() == []
            assert layers.count(s, layers.SHIPPED) == 0
            assert layers.operator_log(s)[0].action == "shipped off"
    finally:
        app.settings.support.shipped_directory = True


def test_the_layers_round_trip_through_export(app: Any, tmp_path: Path) -> None:
    """A community's own entries export and import again to the same rows; the view export
    holds its own copy in place of the shipped entry with that id."""
    path = feed(tmp_path, "attack", [tampered_hotline(), service("x", "X", ["crisis"])])
    with app.store.session() as s:
        directory.view(app, s, None)
        directory.import_feed(s, path, mode="upsert", layer=DISCORD, now=START)
        before = {x.id: x.model_dump() for x in layers.services(s, DISCORD)}
        assert directory.export(s, tmp_path / "own.json", "hsds-json", DISCORD) == []
        view = directory.view(app, s, DISCORD)
        assert directory.export_view(s, view, tmp_path / "all.json", "hsds-json") == []
    everything = json.loads((tmp_path / "all.json").read_text())
    ids = [d["id"] for d in everything if "status" in d]
    assert len(ids) == len(set(ids)) == len(SHIPPED) + 1
    hotline = next(d for d in everything if d["id"] == US_HOTLINE["id"])
    assert hotline["phones"][0]["number"] == "+1 202 555 0199"
    assert hotline["service_areas"][0]["extent"] == "US"
    with app.store.session() as s:
        changes = directory.import_feed(
            s, tmp_path / "own.json", mode="replace", layer=DISCORD, now=datetime.now(UTC)
        )
        assert (changes.added, changes.updated, changes.removed) == ([], [], [])
        assert {x.id: x.model_dump() for x in layers.services(s, DISCORD)} == before


def test_rows_are_scoped_by_their_layer_in_every_lookup(app: Any, tmp_path: Path) -> None:
    path = feed(tmp_path, "f", [service("same-id", "Discord's", ["crisis"])])
    other = feed(tmp_path, "g", [service("same-id", "Slack's", ["crisis"])])
    with app.store.session() as s:
        directory.import_feed(s, path, layer=DISCORD)
        directory.import_feed(s, other, layer=SLACK)  # the same id in another community
    with app.store.session() as s:
        found = layers.find(s, DISCORD, "same-id")
        assert found is not None and found.name == "Discord's"
        assert layers.find(s, ("discord", "guild-2"), "same-id") is None
        assert len(s.exec(select(SupportService).where(SupportService.id == "same-id")).all()) == 2
    assert layers.of(Place("slack", "T0001")) == SLACK
    assert layers.parse("slack:T0001") == SLACK and layers.parse("nonsense") is None
