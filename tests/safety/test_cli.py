"""`crossings safety eval`: figures an operator can trust on any labelled file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crossings.cli import main

pytestmark = pytest.mark.safety

ROWS = [
    {"text": "he choked me last night", "lang": "en", "level": "urgent", "category": "danger.strangulation"},
    {"text": "she took my passport and hides it", "lang": "en", "level": "concern", "category": "control.documents"},
    {"text": "I could kill for a coffee", "lang": "en", "level": "none", "category": "none.idiom"},
    {"text": "we had a lovely dinner with his parents", "lang": "en", "level": "none", "category": "none.everyday"},
    {"text": "mi marido me amenazo con matarme", "lang": "es", "level": "urgent", "category": "danger.threat_to_kill"},
    {"text": "this line is ambiguous on purpose", "lang": "en", "level": "either"},
]  # fmt: skip


def write(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["safety", "eval", *argv, "--json", "--layers", "lexicon"]) == 0
    return json.loads(capsys.readouterr().out)


def test_eval_json_shape_and_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, str(write(tmp_path, ROWS)))
    assert set(out) == {"overall", "by_language", "by_category", "by_level"}
    overall = out["overall"]
    assert set(overall) == {"precision", "recall", "f1", "false_alarm_rate", "n"}
    assert overall == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "false_alarm_rate": 0.0, "n": 5}
    assert set(out["by_language"]) == {"en", "es"}
    assert out["by_level"]["urgent"]["recall"] == 1.0
    assert out["by_category"]["none.idiom"]["false_alarm_rate"] == 0.0


def test_eval_counts_misses_and_false_alarms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {"text": "he choked me", "lang": "en", "level": "none"},  # labelled wrong on purpose
        {"text": "the weather is nice", "lang": "en", "level": "urgent"},
        {"text": "she strangled me", "lang": "en", "level": "urgent"},
        {"text": "hello there", "lang": "en", "level": "none"},
    ]
    overall = run_json(capsys, str(write(tmp_path, rows)))["overall"]
    assert overall == {
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "false_alarm_rate": 0.5,
        "n": 4,
    }


def test_eval_prints_a_table_for_people(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["safety", "eval", str(write(tmp_path, ROWS)), "--layers", "lexicon"]) == 0
    out = capsys.readouterr().out
    assert "-- by language" in out and "-- by category" in out
    assert "left out (level either): 1" in out


def test_eval_rejects_a_malformed_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "x", "level": "maybe"}\n', encoding="utf-8")
    assert main(["safety", "eval", str(path)]) == 2
    assert "level" in capsys.readouterr().err


def test_eval_by_writer_adds_figures_per_writer_and_keeps_the_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{**r, "writer": "a" if i % 2 else "b"} for i, r in enumerate(ROWS)]
    out = run_json(capsys, str(write(tmp_path, rows)), "--by", "writer")
    assert {"overall", "by_language", "by_category", "by_level"} <= set(out)
    assert set(out["by_writer"]) == {"a", "b"}
    b = out["by_writer"]["b"]  # lines 0, 2, 4: two urgent signs and an idiom
    assert b["n"] == 3 and b["urgent_recall"] == 1.0 and b["hard_false_alarm_rate"] == 0.0
    plain = run_json(capsys, str(write(tmp_path, rows)))
    assert "by_writer" not in plain  # without --by, the shape is the one it always was


def test_automod_eval_by_writer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"text": "send the gift card codes to me tonight", "expect": "flag", "writer": "a"},
        {"text": "we sent money to my mum for her surgery", "expect": "pass", "writer": "b"},
    ]
    path = tmp_path / "automod.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["automod", "eval", str(path), "--json", "--by", "writer"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["by_writer"]["a"]["recall"] == 1.0
    assert out["by_writer"]["b"]["false_alarm_rate"] == 0.0
    assert {"overall", "by_rule", "by_category", "by_lang"} <= set(out)
