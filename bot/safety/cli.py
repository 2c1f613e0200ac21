"""`crossings safety eval FILE.jsonl [--json]` and `crossings safety train`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.safety.model import HEAD


def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    safety = sub.add_parser("safety", help="crisis detection: evaluate and train").add_subparsers(
        dest="safety", required=True
    )
    ev = safety.add_parser("eval", help="precision/recall of the detector on a labelled JSONL file")
    ev.add_argument("file", type=Path, help="lines of {text, lang, level, category?}")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument(
        "--layers",
        choices=("both", "lexicon", "model"),
        default="both",
        help="judge one layer alone (comparison); default: the detector as it runs",
    )
    ev.set_defaults(handler=_eval)
    tr = safety.add_parser(
        "train", help="fit the learned layer on the train split, tune on dev, write the head"
    )
    tr.add_argument("--out", type=Path, default=HEAD, help=f"where to write (default {HEAD})")
    tr.set_defaults(handler=_train)


def _eval(args: argparse.Namespace, settings: Any) -> int:
    from bot.safety.detector import SafetyDetector
    from bot.safety.evaluate import evaluate, load_labelled, render
    from bot.safety.model import load_model

    try:
        rows = load_labelled(args.file)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    model = None if args.layers == "lexicon" else load_model()
    if args.layers == "model" and model is None:
        print("error: the learned layer could not load", file=sys.stderr)
        return 2
    detector = SafetyDetector(model=model)
    if args.layers == "model" and model is not None:
        assess = model.predict
        report = evaluate(rows, lambda text: assess(text).level)
    else:
        report = evaluate(rows, lambda text: detector.assess_sync(text).level)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(f"detector: {args.layers if args.layers == 'model' else detector.layers}")
        print(render(report))
    return 0


def _train(args: argparse.Namespace, settings: Any) -> int:
    from bot.safety.train import train

    for choice in train(args.out):
        o = choice.report.overall.figures()
        hard = choice.report.hard.figures()["false_alarm_rate"]
        print(
            f"{choice.name:16} dev: precision {o['precision']:.3f} recall {o['recall']:.3f} "
            f"hard false alarms {hard:.3f} (threshold {choice.threshold}, "
            f"with a cue {choice.cue_threshold})"
        )
    print(f"wrote {args.out}")
    return 0
