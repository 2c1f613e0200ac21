"""The published warning signs, written as members would type them in each of the 24
languages (content/safety/eval/warning_signs/, with the page each comes from): every one of
them must reach the crisis pathway."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.kernel.paths import CONTENT_DIR
from bot.safety.detector import safety_detector
from bot.safety.language import SAFETY_LANGUAGES

pytestmark = pytest.mark.safety
SIGNS = CONTENT_DIR / "safety" / "eval" / "warning_signs"


def signs(lang: str) -> list[dict[str, str]]:
    path = SIGNS / f"{lang}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_every_language_has_published_signs_with_their_source() -> None:
    assert {p.stem for p in Path(SIGNS).glob("*.jsonl")} == set(SAFETY_LANGUAGES)
    for lang in SAFETY_LANGUAGES:
        rows = signs(lang)
        assert len(rows) >= 10, lang
        assert all(r["source"].startswith("http") and r["level"] != "none" for r in rows), lang


@pytest.mark.parametrize("lang", SAFETY_LANGUAGES)
def test_every_warning_sign_is_caught(lang: str) -> None:
    detector = safety_detector()
    missed = [r["text"] for r in signs(lang) if not detector.assess_sync(r["text"]).flagged]
    assert missed == []
