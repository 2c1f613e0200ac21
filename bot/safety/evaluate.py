"""Precision, recall and false alarms of a detector on a labelled JSONL file.

Each line: {"text", "lang", "level": urgent|concern|none|either, "category"?}. Lines marked
`either` are ambiguous and left out. A message counts as flagged at any level but none.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.safety.corpus import EASY_NEGATIVES

VALID_LEVELS = ("urgent", "concern", "none", "either")


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    level_right: int = 0  # positives given exactly their labelled level

    def add(self, expected: bool, flagged: bool, same_level: bool = False) -> None:
        if expected and flagged:
            self.tp += 1
            self.level_right += same_level
        elif expected:
            self.fn += 1
        elif flagged:
            self.fp += 1
        else:
            self.tn += 1

    def figures(self) -> dict[str, Any]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        fa = self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0
        n = self.tp + self.fp + self.fn + self.tn
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f1, 4),
            "false_alarm_rate": round(fa, 4),
            "n": n,
        }


@dataclass
class Report:
    overall: Tally = field(default_factory=Tally)
    hard: Tally = field(default_factory=Tally)  # hard negatives only (plus nothing positive)
    by_language: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_category: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_level: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_writer: dict[str, Report] = field(default_factory=dict)  # lines that name a writer
    skipped: int = 0

    def as_dict(self, by_writer: bool = False) -> dict[str, Any]:
        def group(d: dict[str, Tally]) -> dict[str, Any]:
            return {k: d[k].figures() for k in sorted(d)}

        out = {
            "overall": self.overall.figures(),
            "by_language": group(self.by_language),
            "by_category": group(self.by_category),
            "by_level": group(self.by_level),
        }
        if by_writer:
            out["hard_false_alarm_rate"] = self.hard.figures()["false_alarm_rate"]
            out["by_writer"] = {w: r.summary() for w, r in sorted(self.by_writer.items())}
        return out

    def summary(self) -> dict[str, Any]:
        """Overall figures with urgent and concern recall and hard false alarms."""
        return {
            **self.overall.figures(),
            "urgent_recall": self.by_level["urgent"].figures()["recall"],
            "concern_recall": self.by_level["concern"].figures()["recall"],
            "hard_false_alarm_rate": self.hard.figures()["false_alarm_rate"],
        }


def load_labelled(path: Path) -> list[dict[str, str]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row.get("text"), str) or row.get("level") not in VALID_LEVELS:
            raise ValueError(f"{path}:{number}: needs text and level ({'|'.join(VALID_LEVELS)})")
        rows.append(row)
    return rows


def evaluate(rows: Iterable[dict[str, str]], assess: Callable[[str], str]) -> Report:
    """`assess` maps a text to its level. Per-level figures count recall of that level's lines
    (and, for none, how many were wrongly flagged)."""
    report = Report()
    for row in rows:
        if row["level"] == "either":
            report.skipped += 1
            continue
        level = assess(row["text"])
        expected, flagged = row["level"] != "none", level != "none"
        same = level == row["level"]
        report.overall.add(expected, flagged, same)
        report.by_language[row.get("lang") or "?"].add(expected, flagged, same)
        if row.get("category"):
            report.by_category[row["category"]].add(expected, flagged, same)
        report.by_level[row["level"]].add(expected, flagged, same)
        hard = not expected and row.get("category", "") not in EASY_NEGATIVES
        if hard:
            report.hard.add(expected, flagged)
        if row.get("writer"):
            mine = report.by_writer.setdefault(row["writer"], Report())
            mine.overall.add(expected, flagged, same)
            mine.by_level[row["level"]].add(expected, flagged, same)
            if hard:
                mine.hard.add(expected, flagged)
    return report


def render(report: Report, by_writer: bool = False) -> str:
    """A plain-text table for people."""
    lines = [f"{'':28} {'prec':>6} {'recall':>6} {'f1':>6} {'false+':>6} {'n':>5}"]

    def row(name: str, t: Tally) -> None:
        f = t.figures()
        lines.append(
            f"{name:28} {f['precision']:6.3f} {f['recall']:6.3f} {f['f1']:6.3f} "
            f"{f['false_alarm_rate']:6.3f} {f['n']:5d}"
        )

    row("overall", report.overall)
    for title, group in (
        ("level", report.by_level),
        ("language", report.by_language),
        ("category", report.by_category),
    ):
        lines.append(f"-- by {title}")
        for key in sorted(group):
            row(f"  {key}", group[key])
    hard = report.hard.figures()
    lines.append(f"false alarms on hard negatives: {hard['false_alarm_rate']:.3f} (n={hard['n']})")
    if report.skipped:
        lines.append(f"left out (level either): {report.skipped}")
    if by_writer and report.by_writer:
        lines.append("-- by writer (precision, recall, urgent recall, hard false alarms)")
        for w, r in sorted(report.by_writer.items()):
            f = r.summary()
            lines.append(
                f"  {w:26} {f['precision']:6.3f} {f['recall']:6.3f} {f['urgent_recall']:6.3f} "
                f"{f['hard_false_alarm_rate']:6.3f} {f['n']:5d}"
            )
    return "\n".join(lines)
