"""Labelled lines for automod's figures: reading a JSONL file of `text` + `expect` (flag|pass)
and counting hits, misses and false alarms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXPECT = ("flag", "pass")


class EvalError(ValueError):
    """A labelled file that cannot be read."""


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, expected: bool, flagged: bool) -> None:
        if expected:
            self.tp, self.fn = self.tp + flagged, self.fn + (not flagged)
        else:
            self.fp, self.tn = self.fp + flagged, self.tn + (not flagged)

    def figures(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "precision": ratio(self.tp, self.tp + self.fp),
            "recall": ratio(self.tp, self.tp + self.fn),
            "false_alarm_rate": ratio(self.fp, self.fp + self.tn),
            "n": self.tp + self.fp + self.fn + self.tn,
            "flagged": self.tp + self.fp,
        }


def read_labelled(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalError(f"{path}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise EvalError(f"{path}:{n}: needs a text")
        if row.get("expect") not in EXPECT:
            raise EvalError(f"{path}:{n}: expect must be flag or pass")
        rows.append(row)
    return rows
