"""The catalog checks behind `crossings content validate` and `crossings content catalogs`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot.kernel.catalog_check import check_catalogs
from bot.kernel.paths import CONTENT_DIR, ROOT
from crossings.content import validate_summary

pytestmark = pytest.mark.i18n

CATALOG_LOCALES = ["en", "es", "pt", "fr", "de", "ja", "zh-Hans", "ko", "vi", "tl", "id", "ar"]


def write_catalog(root: Path, locale: str, entries: dict[str, str]) -> Path:
    """A one-file catalog with Babel's header for `locale`, written the way Babel writes it."""
    cat = Catalog(locale=locale.replace("-", "_"), fuzzy=False)
    for key, text in entries.items():
        cat.add(key, text)
    path = root / locale / "core.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, cat, width=0)
    return path


def line_of(path: Path, key: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line == f'msgid "{key}"')


@pytest.fixture
def catalogs(tmp_path: Path) -> Path:
    root = tmp_path / "locales"
    write_catalog(
        root,
        "en",
        {
            "demo.hello": "Hello {name}, you have {count} new replies.",
            "demo.bye": "See you soon.",
            "mod.btn.demo": "Claim",
        },
    )
    return root


def test_missing_key_is_reported_with_the_english_file_and_line(catalogs: Path) -> None:
    write_catalog(
        catalogs,
        "es",
        {"demo.hello": "Hola {name}, tienes {count} respuestas.", "mod.btn.demo": "Tomar"},
    )
    report = check_catalogs(catalogs, code_dirs=[])
    english = catalogs / "en" / "core.po"
    assert report.missing["es"] == ["demo.bye"]
    hits = [w for w in report.warnings if "es is missing demo.bye" in w.message]
    assert len(hits) == 1
    assert hits[0].source.endswith("en/core.po") and hits[0].line == line_of(english, "demo.bye")
    assert not report.errors


def test_wrong_placeholder_is_an_error_at_its_line(catalogs: Path) -> None:
    path = write_catalog(
        catalogs,
        "es",
        {
            "demo.hello": "Hola {nombre}, tienes {count} respuestas.",
            "demo.bye": "Hasta pronto.",
            "mod.btn.demo": "Tomar",
        },
    )
    report = check_catalogs(catalogs, code_dirs=[])
    assert [e.message for e in report.errors] == [
        "demo.hello (es): placeholders ['nombre'] are not in English",
        "demo.hello (es): placeholders ['name'] are missing",
    ]
    for error in report.errors:
        assert error.source.endswith("es/core.po") and error.line == line_of(path, "demo.hello")
        assert str(error).startswith(f"{error.source}:{error.line}: demo.hello (es)")


def test_dropped_placeholder_is_an_error(catalogs: Path) -> None:
    write_catalog(
        catalogs,
        "es",
        {"demo.hello": "Hola, tienes respuestas.", "demo.bye": "Adiós.", "mod.btn.demo": "Tomar"},
    )
    messages = [e.message for e in check_catalogs(catalogs, code_dirs=[]).errors]
    assert messages == ["demo.hello (es): placeholders ['count', 'name'] are missing"]


def test_over_long_button_label_is_an_error_per_platform(catalogs: Path) -> None:
    label = "Tomar este caso y avisar a todo el equipo de moderación de que ya está en manos"
    assert 75 < len(label) <= 80
    path = write_catalog(
        catalogs,
        "es",
        {"demo.hello": "Hola {name} ({count})", "demo.bye": "Adiós.", "mod.btn.demo": label},
    )
    [error] = check_catalogs(catalogs, code_dirs=[]).errors
    assert error.line == line_of(path, "mod.btn.demo")
    assert "a Slack button label shows 75" in error.message
    assert f"is {len(label)} characters" in error.message


def test_key_unknown_to_english_is_an_error(catalogs: Path) -> None:
    path = write_catalog(
        catalogs,
        "es",
        {
            "demo.hello": "Hola {name} ({count})",
            "demo.bye": "Adiós.",
            "mod.btn.demo": "Tomar",
            "demo.helo": "typo",
        },
    )
    [error] = check_catalogs(catalogs, code_dirs=[]).errors
    assert error.line == line_of(path, "demo.helo") and "not an English key" in error.message


def test_plural_header_that_disagrees_with_babel_is_an_error(catalogs: Path) -> None:
    path = write_catalog(
        catalogs,
        "ja",
        {"demo.hello": "{name}さん、{count}件", "demo.bye": "またね", "mod.btn.demo": "担当"},
    )
    text = path.read_text(encoding="utf-8").replace(
        "nplurals=1; plural=0;", "nplurals=2; plural=(n != 1);"
    )
    path.write_text(text, encoding="utf-8")
    [error] = check_catalogs(catalogs, code_dirs=[]).errors
    assert "ja needs 2 in every file, at most 1 (its CLDR categories)" in error.message


def test_plural_header_whose_rule_disagrees_with_cldr_is_an_error(catalogs: Path) -> None:
    """Same number of forms, but Arabic's old rule swapped "many" (11-99) and "other" (100)."""
    path = write_catalog(
        catalogs,
        "ar",
        {"demo.hello": "مرحبًا {name}، {count}", "demo.bye": "إلى اللقاء", "mod.btn.demo": "تولَّ"},
    )
    text = path.read_text(encoding="utf-8")
    start = text.index("Plural-Forms:")
    end = text.index("\\n", start)
    old = "n%100>=3 && n%100<=10 ? 3 : n%100>=0 && n%100<=2 ? 4 : 5"
    path.write_text(
        text[:start]
        + f"Plural-Forms: nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : {old});"
        + text[end:],
        encoding="utf-8",
    )
    [error] = check_catalogs(catalogs, code_dirs=[]).errors
    assert "gives form 5 for 11; its CLDR category in ar takes form 4" in error.message


def test_english_keys_no_code_mentions_are_errors(catalogs: Path, tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "feature.py").write_text(
        'ctx.t("demo.hello", name=n)\nctx.t(f"mod.btn.{kind}")\n', encoding="utf-8"
    )
    report = check_catalogs(catalogs, code_dirs=[code])
    assert [e.message for e in report.errors] == ["demo.bye is not used in the code"]
    assert report.summary()["unused_keys"] == 1


def test_shipped_content_validates_with_every_language() -> None:
    summary = validate_summary()
    assert summary["errors"] == []
    assert set(CATALOG_LOCALES) <= set(summary["catalogs"]["languages"])
    assert summary["catalogs"]["missing"] == {} and summary["catalogs"]["unused"] == {}
    assert summary["catalogs"]["unused_keys"] == 0  # one source for every text: none unread
    assert len(summary["packs"]) == 15


def test_every_pack_reads_in_every_interface_language() -> None:
    validated = _crossings("content", "validate", "--json", content=CONTENT_DIR)
    assert validated.returncode == 0, validated.stdout
    summary = json.loads(validated.stdout)
    assert summary["errors"] == [] and summary["warnings"] == []
    assert summary["themes"] == 15 and summary["catalogs"]["unused_keys"] == 0
    interface = summary["catalogs"]["languages"]
    assert sorted(CATALOG_LOCALES) == interface
    assert {theme: info["languages"] for theme, info in summary["packs"].items()} == {
        theme: interface for theme in summary["packs"]
    }


def test_a_pack_missing_one_note_in_a_language_loses_that_language(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    pack = content / "prompts" / "red-flags.yaml"
    lines = pack.read_text(encoding="utf-8").splitlines(keepends=True)
    # the Tagalog content note of the third prompt, and nothing else
    notes = [
        i for i, line in enumerate(lines) if line.startswith("    tl: ") and "/help-now" in line
    ]
    del lines[notes[2]]
    pack.write_text("".join(lines), encoding="utf-8")
    validated = _crossings("content", "validate", "--json", content=content)
    assert validated.returncode == 0  # members read the English note there: a warning
    summary = json.loads(validated.stdout)
    assert "tl" not in summary["packs"]["red-flags"]["languages"]
    assert "tl" in summary["packs"]["money-transparency"]["languages"]
    assert summary["warnings"] == ["red-flags.yaml: 'tl' missing for red-03"]


def _crossings(*args: str, content: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CROSSINGS_CONTENT_DIR": str(content)}
    return subprocess.run(
        [sys.executable, "-m", "crossings.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_catalogs_check_shows_the_gap_when_english_gains_a_message(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    core = content / "locales" / "en" / "core.po"
    core.write_text(
        core.read_text(encoding="utf-8")
        + '\nmsgid "core.new_thing"\nmsgstr "A brand new message, {name}."\n',
        encoding="utf-8",
    )
    checked = _crossings("content", "catalogs", "--check", "--json", content=content)
    assert checked.returncode == 1
    coverage = json.loads(checked.stdout)
    assert {loc: row["missing"] for loc, row in coverage["locales"].items() if loc != "en"} == {
        loc: 1 for loc in CATALOG_LOCALES if loc != "en"
    }
    missing = _crossings("content", "catalogs", "--missing", "ja", content=content).stdout
    assert 'msgid "core.new_thing"' in missing and "A brand new message, {name}." in missing
    # A missing translation is only a warning (members read the English text until it is
    # translated); what fails validation is that no code reads the new key yet.
    validated = _crossings("content", "validate", "--json", content=content)
    assert validated.returncode == 1
    summary = json.loads(validated.stdout)
    assert summary["catalogs"]["unused_keys"] == 1
    assert [e for e in summary["errors"] if "core.new_thing" in e] == summary["errors"]
