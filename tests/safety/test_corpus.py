"""The labelled corpus and its split: large enough, varied, frozen, kept apart from the rules."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from bot.safety.corpus import EVAL_DIR, load_sources, load_split, write_splits
from bot.safety.language import SAFETY_LANGUAGES
from bot.safety.lexicon import CATEGORY_LEVEL, Lexicon, normalise

pytestmark = pytest.mark.safety
# sha256 of test.jsonl when it was split; a change here means the test split was touched.
FROZEN_TEST_SHA256 = "8b7556d4956d0f4e1731d2da68376e38ae579aaab05b64825ffb50dd217a1a42"


def test_corpus_size_languages_and_hard_negatives() -> None:
    rows = load_sources()
    assert len(rows) >= 1200
    per_lang = Counter(r.lang for r in rows)
    assert set(per_lang) == set(SAFETY_LANGUAGES[:20])  # the first corpus predates fa ur bn sw
    assert min(per_lang.values()) >= 40
    assert sum(r.hard_negative for r in rows) / len(rows) >= 0.40
    assert {r.category for r in rows if r.flagged} == set(CATEGORY_LEVEL)
    for r in rows:
        assert r.level in {"urgent", "concern", "none"}
        if r.flagged:
            assert CATEGORY_LEVEL[r.category] == r.level, r


def test_split_is_reproducible_from_its_seed(tmp_path: Path) -> None:
    (tmp_path / "source").symlink_to(EVAL_DIR / "source")
    (tmp_path / "supplement").symlink_to(EVAL_DIR / "supplement")
    write_splits(tmp_path)
    for name in ("train", "dev", "test"):
        assert (tmp_path / f"{name}.jsonl").read_bytes() == (
            EVAL_DIR / f"{name}.jsonl"
        ).read_bytes()


def test_test_split_is_frozen() -> None:
    digest = hashlib.sha256((EVAL_DIR / "test.jsonl").read_bytes()).hexdigest()
    assert digest == FROZEN_TEST_SHA256


def test_no_test_text_in_the_lexicon_or_training_data() -> None:
    held_out = [r.text for r in load_split("test")]
    held_out += [json.loads(line)["text"] for line in (EVAL_DIR / "fresh.jsonl").open()]
    test = {normalise(t) for t in held_out}
    train_dev = {normalise(r.text) for name in ("train", "dev") for r in load_split(name)}
    assert not test & train_dev
    patterns = [normalise(p) for p in Lexicon().patterns()]
    assert not [t for t in test if any(t in p for p in patterns)]


def test_translations_of_one_message_stay_in_one_split() -> None:
    where: dict[tuple[str, str], set[str]] = {}
    from bot.safety.corpus import split

    for name, rows in split(load_sources()).items():
        for r in rows:
            where.setdefault((r.category, r.group), set()).add(name)
    assert all(len(s) == 1 for s in where.values())
