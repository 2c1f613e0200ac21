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
from bot.moderation.labelled import EvalError, Tally, read_labelled
from bot.moderation.scam_model import HEAD, RULE_ID, ScamModel, load_model


@dataclass
class Report:
    overall: Tally = field(default_factory=Tally)
    by_rule: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_category: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_lang: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_writer: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self, by_writer: bool = False) -> dict[str, Any]:
        out = {
            "overall": self.overall.figures(),
            "by_rule": {k: v.figures() for k, v in sorted(self.by_rule.items())},
            "by_category": {k: v.figures() for k, v in sorted(self.by_category.items())},
            "by_lang": {k: v.figures() for k, v in sorted(self.by_lang.items())},
        }
        if by_writer:
            out["by_writer"] = {k: v.figures() for k, v in sorted(self.by_writer.items())}
        return out


def evaluate(
    rows: Iterable[dict[str, Any]], ruleset: RuleSet, model: ScamModel | None = None
) -> Report:
    """Every message from its own author, so flood and duplicate windows never mix them. With
    `model`, a message no rule flagged is read by the learned layer, as automod does."""
    report = Report()
    rule_ids = list(dict.fromkeys([r.id for r in ruleset.rules] + ([RULE_ID] if model else [])))
    for i, row in enumerate(rows):
        hits = ruleset.check(Message(row["text"], f"eval-{i}"))
        expected, fired = row["expect"] == "flag", {h.rule.id for h in hits}
        if not fired and model and (verdict := model.assess_sync(row["text"])) and verdict.flagged:
            fired = {RULE_ID}
        report.overall.add(expected, bool(fired))
        report.by_category[str(row.get("category") or "(none)")].add(expected, bool(fired))
        report.by_lang[str(row.get("lang") or "(none)")].add(expected, bool(fired))
        if row.get("writer"):
            report.by_writer[str(row["writer"])].add(expected, bool(fired))
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


def render(report: Report, by_writer: bool = False) -> str:
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
    if by_writer:
        lines.append("\nby writer:")
        lines += [f"  {k:<24} {_line(v)}" for k, v in sorted(report.by_writer.items())]
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
    ev.add_argument("--by", choices=("writer",), help="add figures per writer of the lines")
    ev.add_argument(
        "--layers",
        choices=("both", "rules"),
        default="both",
        help="the rules alone, or with the learned layer as automod runs (default)",
    )
    ev.set_defaults(handler=cmd_eval)
    tr = group.add_parser("train", help="fit the learned layer on the development writers")
    tr.set_defaults(handler=cmd_train)
    cv = group.add_parser("crossval", help="leave-one-writer-out figures (needs the train extra)")
    cv.add_argument("--json", action="store_true", help="print the figures as JSON")
    cv.add_argument("--release", action="store_true", help="test on the release writer (once)")
    cv.set_defaults(handler=cmd_crossval)


def cmd_eval(args: argparse.Namespace, settings: object) -> int:
    try:
        rows = read_labelled(args.file)
    except (OSError, EvalError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    model = load_model() if args.layers == "both" else None
    report = evaluate(rows, RuleSet(load_rules(args.rules)), model)
    by_writer = args.by == "writer"
    if args.json:
        print(json.dumps(report.as_dict(by_writer), indent=2))
    else:
        print(render(report, by_writer))
    if args.misses:
        for miss in report.misses:
            print(
                json.dumps(miss, ensure_ascii=False), file=sys.stderr if args.json else sys.stdout
            )
    return 0


def cmd_train(args: argparse.Namespace, settings: object) -> int:
    from bot.moderation.scam_train import train

    print(f"threshold {train()}; wrote {HEAD}")
    return 0


def cmd_crossval(args: argparse.Namespace, settings: object) -> int:
    from bot.moderation import scam_train as t

    data = t.prepare(t.load_rows())
    writers = (
        [t.RELEASE_WRITER]
        if args.release
        else sorted(w for w in set(data.writer) if w != t.RELEASE_WRITER)
    )
    results = t.crossval(data, ["rules", *t.CANDIDATES], writers)
    out = {r.name: r.as_dict() for r in results}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    for name, figures in out.items():
        print(f"== {name} (held out: {', '.join(writers)}; thresholds {figures['thresholds']})")
        print(f"  overall {figures['overall']}")
        for w, f in figures["by_writer"].items():
            print(f"  {w:<6} {f}")
    return 0
