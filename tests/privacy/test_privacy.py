"""Members' data: show, export, delete, retention, and logs that keep secrets out."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from bot.kernel.feature import Feature
from bot.kernel.logs import RedactingFilter, redact
from bot.kernel.personal import PersonalData, Subject
from bot.moderation.models import ModCase
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.privacy
SECRET_WORDS = "Zanzibarquokka"  # something only this member ever wrote


async def fill(c: RecordingConsole) -> None:
    """Amira leaves data in every feature."""
    await c.type("/as Admin admin", "/settings queue #moderators")
    await c.type("/as Sam", "/in #general", "hello all")
    await c.type(
        "/as Amira",
        "/me timezone Europe/Madrid",
        "/support location city:Valencia country:ES",
        '/peers join tags:"long-distance" languages:"es, en"',
        f'/prompt suggest theme:red-flags text:"How do we talk about {SECRET_WORDS} with family?"',
    )
    await c.type(
        "/on ^ report-message",
        "/click harassment",
        f'/submit details:"{SECRET_WORDS} was in the message"',
    )
    await c.type("/in #general", f"buy me a gift card {SECRET_WORDS}")  # automod keeps an excerpt


async def test_export_contains_everything_show_lists(community: RecordingConsole) -> None:
    await fill(community)
    shown = await community.type("/as Amira", "/privacy show")
    await community.type("/privacy export")
    files = [
        m for m in community.platform.log if getattr(m, "message", None) and m.message.attachments
    ]  # type: ignore[attr-defined]
    data = json.loads(files[-1].message.attachments[0].content)  # type: ignore[attr-defined]
    for name, rows in data["data"].items():
        noun = "record" if len(rows) == 1 else "records"
        assert f"{name}: {len(rows)} {noun}" in shown
    assert set(data["data"]) == {e.name for e in community.app.personal_data}
    assert data["data"]["support"][0]["city"] == "Valencia"
    assert any(SECRET_WORDS in (r.get("details") or "") for r in data["data"]["moderation"])
    assert "only Amira sees this" in shown


def all_text(session: Session) -> str:
    """Every value in every table, as one string."""
    bind = session.get_bind()
    out = []
    for table in inspect(bind).get_table_names():
        for row in session.execute(text(f'SELECT * FROM "{table}"')):
            out.append(" ".join(str(v) for v in row))
    return "\n".join(out)


async def test_after_delete_no_table_holds_the_members_free_text(
    community: RecordingConsole,
) -> None:
    await fill(community)
    with community.app.store.session() as s:
        assert SECRET_WORDS in all_text(s)
    await community.type("/as Amira", "/privacy delete", '/click "Delete my data"')
    with community.app.store.session() as s:
        everything = all_text(s)
        cases = s.exec(select(ModCase)).all()
    # The outbox keeps delivered messages' payloads; they were the bot's own words to moderators
    # and are purged with the rest below. Feature tables must be clean right away:
    feature_text = "\n".join(line for line in everything.splitlines() if '"__t"' not in line)
    assert SECRET_WORDS not in feature_text
    assert all(c.reporter_id != "amira" for c in cases)  # reports stay, pseudonymous
    assert any(c.kind == "report" for c in cases)


async def test_deletion_needs_the_member_themselves(community: RecordingConsole) -> None:
    await fill(community)
    await community.type("/as Amira", "/privacy delete", "/as Sam")
    assert "Only the member who asked" in await community.type('/click "Delete my data"')


async def test_a_feature_registering_data_is_exported_and_erased(
    community: RecordingConsole,
) -> None:
    calls: list[str] = []

    def export(session: Session, who: Subject) -> list[dict[str, object]]:
        return [{"note": "kept by a plugin"}]

    def erase(session: Session, who: Subject) -> int:
        calls.append(who.user_id)
        return 1

    plugin = Feature("plugin")
    plugin.personal_data(PersonalData("plugin", export, erase))
    plugin.install(community.app)
    assert "plugin: 1 record" in await community.type("/as Amira", "/privacy show")
    await community.type("/privacy delete", '/click "Delete my data"')
    assert calls == ["amira"]


async def test_retention_purges_old_free_text_and_dry_run_changes_nothing(
    community: RecordingConsole, tmp_path: Path
) -> None:
    await fill(community)
    await community.type("/as Noor moderator", "/mod queue")
    with community.app.store.session() as s:
        for case in s.exec(select(ModCase)):
            case.status, case.closed_at = "closed", community.app.clock.now()
            s.add(case)
    from bot.privacy import purge

    later = community.app.clock.now() + timedelta(days=31)
    dry = purge(community.app, later, dry_run=True)
    assert dry["moderation"] >= 1
    with community.app.store.session() as s:
        assert any(c.details or c.excerpt for c in s.exec(select(ModCase)))
    done = purge(community.app, later, dry_run=False)
    assert done == dry
    with community.app.store.session() as s:
        assert not any(c.details or c.excerpt for c in s.exec(select(ModCase)))


def test_purge_command_line_dry_run(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    url = f"sqlite:///{tmp_path}/p.db"
    from bot.kernel.store import Store

    Store(url).create_all()
    done = subprocess.run(
        [sys.executable, "-m", "crossings.cli", "privacy", "purge", "--dry-run"],
        cwd=root,
        env={"PYTHONPATH": str(root), "CROSSINGS_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dry_run"] is True


def test_secrets_are_redacted() -> None:
    for secret in (
        "xoxb-123456789012-abcdefghijkl",
        "xapp-1-A0001-abcdefghijklmnop",
        "MTA5ODc2NTQzMjEwOTg3NjU0.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789ab",
        "Authorization: Bot abcdefghijklmnopqrstuvwxyz",
        "token=supersecretvalue1",
    ):
        assert "[redacted]" in redact(f"calling with {secret} now")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token=%s", ("abcdef123456",), None)
    RedactingFilter().filter(record)
    assert "abcdef123456" not in record.getMessage()


async def test_info_logs_never_contain_message_text(
    community: RecordingConsole, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await community.type(
            "/as Admin admin", "/settings queue #moderators", "/as Amira", "/in #general"
        )
        await community.type(
            f"I want to kill myself {SECRET_WORDS}", f"buy me a gift card {SECRET_WORDS}"
        )
        await community.type("/dm", f"please help {SECRET_WORDS}")
    assert caplog.records  # something was logged
    assert all(
        SECRET_WORDS not in r.getMessage() for r in caplog.records if r.levelno >= logging.INFO
    )


async def test_privacy_retention_days_clears_declined_suggestions_and_unsent_reports(
    community: RecordingConsole,
) -> None:
    from bot.moderation.models import ReportDraft
    from bot.privacy import purge
    from bot.prompts.models import PromptSuggestion

    community.app.settings.privacy.retention_days = 10
    await community.type("/as Amira", '/prompt suggest theme:red-flags text:"Who holds the keys?"')
    await community.type("/report @amira harassment")  # a report started, never sent
    await community.type("/as Lucia organizer", "/prompt suggestions", "/click Reject")
    now = community.app.clock.now()
    assert purge(community.app, now + timedelta(days=9), dry_run=False)["prompts"] == 0
    done = purge(community.app, now + timedelta(days=11), dry_run=False)
    assert done["prompts"] == 1 and done["moderation"] >= 1
    with community.app.store.session() as s:
        suggestion = s.exec(select(PromptSuggestion)).one()
        assert suggestion.text is None and suggestion.user_id == "erased"
        assert s.exec(select(ReportDraft)).all() == []
