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
    ev.add_argument("--by", choices=("writer",), help="add figures per writer of the lines")
    ev.set_defaults(handler=_eval)
    tr = safety.add_parser(
        "train",
        help="fit the learned layer on the development writers, thresholds by cost, write it",
    )
    tr.add_argument("--out", type=Path, default=HEAD, help=f"where to write (default {HEAD})")
    tr.set_defaults(handler=_train)
    cv = safety.add_parser(
        "crossval", help="leave-one-writer-out figures of every candidate (needs the train extra)"
    )
    cv.add_argument("--json", action="store_true", help="print one JSON object")
    cv.add_argument("--candidates", nargs="*", help="names (default: all, and the lexicon)")
    cv.add_argument(
        "--release",
        action="store_true",
        help="train on every development writer and test on the release writer (once)",
    )
    cv.add_argument("--window", type=int, help="window size in bytes (default: the detector's)")
    cv.add_argument(
        "--no-augment",
        action="store_true",
        help="train on the lines alone (no plainly typed copies, no windows of negatives)",
    )
    cv.set_defaults(handler=_crossval)


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
    by_writer = args.by == "writer"
    if args.json:
        print(json.dumps(report.as_dict(by_writer), ensure_ascii=False))
    else:
        print(f"detector: {args.layers if args.layers == 'model' else detector.layers}")
        print(render(report, by_writer))
    return 0


def _crossval(args: argparse.Namespace, settings: Any) -> int:
    from bot.safety import train as t
    from bot.safety.evaluate import render

    window = args.window or t.WINDOW_BYTES
    data = t.prepare(t.load_writers(), t.Embeddings(), window, not args.no_augment)
    names = args.candidates or ["lexicon", *t.CANDIDATES]
    unknown = [n for n in names if n != "lexicon" and n not in t.CANDIDATES]
    if unknown:
        print(f"error: unknown candidates {unknown}; known: {list(t.CANDIDATES)}", file=sys.stderr)
        return 2
    writers = (
        [t.RELEASE_WRITER]
        if args.release
        else sorted(w for w in set(data.writer) if w not in (t.RELEASE_WRITER, t.SIGNS_WRITER))
    )
    results = t.crossval(data, names, writers)
    if args.json:
        print(json.dumps({r.name: r.as_dict() for r in results}, ensure_ascii=False))
        return 0
    for r in results:
        print(f"== {r.name} (held out: {', '.join(writers)}; thresholds {r.thresholds})")
        print(render(r.report(), by_writer=True))
    return 0


def _train(args: argparse.Namespace, settings: Any) -> int:
    from bot.safety.train import train

    threshold, urgent_threshold = train(args.out)
    print(f"threshold {threshold}, urgent threshold {urgent_threshold}")
    print(f"wrote {args.out}")
    return 0
