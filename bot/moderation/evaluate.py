"""`crossings automod eval FILE.jsonl [--json]`: how the rules do on a labelled set.

Each line: {"text": ..., "expect": "flag" | "pass", "category": optional, "lang": optional}.
A message counts as flagged when any rule would act on it, dry-run rules included. Figures:
precision, recall and false-alarm rate overall, per rule, per category and per language.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.moderation.automod import DEFAULT_RULES, Message, RuleSet, load_rules

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


@dataclass
class Report:
    overall: Tally = field(default_factory=Tally)
    by_rule: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_category: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_lang: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.figures(),
            "by_rule": {k: v.figures() for k, v in sorted(self.by_rule.items())},
            "by_category": {k: v.figures() for k, v in sorted(self.by_category.items())},
            "by_lang": {k: v.figures() for k, v in sorted(self.by_lang.items())},
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


def evaluate(rows: Iterable[dict[str, Any]], ruleset: RuleSet) -> Report:
    """Every message from its own author, so flood and duplicate windows never mix them."""
    report = Report()
    rule_ids = [r.id for r in ruleset.rules]
    for i, row in enumerate(rows):
        hits = ruleset.check(Message(row["text"], f"eval-{i}"))
        expected, fired = row["expect"] == "flag", {h.rule.id for h in hits}
        report.overall.add(expected, bool(fired))
        report.by_category[str(row.get("category") or "(none)")].add(expected, bool(fired))
        report.by_lang[str(row.get("lang") or "(none)")].add(expected, bool(fired))
        for rule_id in fired:
            report.by_rule[rule_id].add(expected, True)
        if expected != bool(fired):
            report.misses.append({**row, "hits": [h.describe() for h in hits]})
    return _fill_rules(report, rule_ids)


def _fill_rules(report: Report, rule_ids: list[str]) -> Report:
    """Every rule is judged on every message: what it missed and what it rightly let pass."""
    pos = report.overall.tp + report.overall.fn
    neg = report.overall.fp + report.overall.tn
    for rule_id in rule_ids:
        t = report.by_rule[rule_id]
        t.fn, t.tn = pos - t.tp, neg - t.fp
    return report


def render(report: Report) -> str:
    lines = ["overall " + _line(report.overall)]
    for title, table in (("rule", report.by_rule), ("category", report.by_category)):
        lines.append(f"\nby {title}:")
        lines += [
            f"  {k:<24} {_line(v)}"
            for k, v in sorted(table.items())
            if v.tp + v.fp or title != "rule"
        ]
    lines.append("\nby language:")
    lines += [f"  {k:<24} {_line(v)}" for k, v in sorted(report.by_lang.items())]
    return "\n".join(lines)


def _line(t: Tally) -> str:
    f = t.figures()
    shown = {
        k: "-" if f[k] is None else f"{f[k]:.3f}"
        for k in ("precision", "recall", "false_alarm_rate")
    }
    return (
        f"n={f['n']:<4} flagged={f['flagged']:<4} precision={shown['precision']} "
        f"recall={shown['recall']} false_alarms={shown['false_alarm_rate']}"
    )


def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("automod", help="automod tools").add_subparsers(
        dest="automod", required=True
    )
    ev = group.add_parser(
        "eval", help="precision, recall and false alarms on a labelled JSONL file"
    )
    ev.add_argument("file", type=Path, help="JSONL: text, expect (flag|pass), optional category")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.add_argument("--rules", type=Path, default=DEFAULT_RULES, help="rule file (YAML)")
    ev.add_argument("--misses", action="store_true", help="also list what it got wrong")
    ev.set_defaults(handler=cmd_eval)


def cmd_eval(args: argparse.Namespace, settings: object) -> int:
    try:
        rows = read_labelled(args.file)
    except (OSError, EvalError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = evaluate(rows, RuleSet(load_rules(args.rules)))
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(render(report))
    if args.misses:
        for miss in report.misses:
            print(
                json.dumps(miss, ensure_ascii=False), file=sys.stderr if args.json else sys.stdout
            )
    return 0
