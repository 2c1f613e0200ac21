"""Crisis detection as it runs: load time, throughput and latency on one core, memory, and the
figures on the frozen test split (content/safety/eval/test.jsonl), as one JSON object."""

from __future__ import annotations

import json
import os
import resource
import statistics
import time

from bot.safety.corpus import EVAL_DIR
from bot.safety.detector import SafetyDetector
from bot.safety.evaluate import evaluate, load_labelled
from bot.safety.model import load_model

ROUNDS = 2  # passes over the test split for the latency figures


def one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def main() -> None:
    one_core()
    rows = load_labelled(EVAL_DIR / "test.jsonl")
    t0 = time.perf_counter()
    detector = SafetyDetector(model=load_model(threads=1))
    detector.assess_sync("warm up")
    load_s = time.perf_counter() - t0
    lat = []
    for _ in range(ROUNDS):
        for row in rows:
            t = time.perf_counter()
            detector.assess_sync(row["text"])
            lat.append(time.perf_counter() - t)
    lat.sort()
    report = evaluate(rows, lambda text: detector.assess_sync(text).level).as_dict()
    hard = evaluate(
        [r for r in rows if r["level"] == "none" and r.get("category") != "none.everyday"],
        lambda text: detector.assess_sync(text).level,
    ).as_dict()["overall"]["false_alarm_rate"]
    print(
        json.dumps(
            {
                "bench": "safety.scan",
                "layers": detector.layers,
                "messages": len(lat),
                "per_s": round(len(lat) / sum(lat), 1),
                "p50_ms": round(statistics.median(lat) * 1000, 2),
                "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 2),
                "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "load_s": round(load_s, 2),
                "machine_load_1m": round(os.getloadavg()[0], 2),  # others sharing the cores
                "test_split": {
                    "overall": report["overall"],
                    "recall_urgent": report["by_level"]["urgent"]["recall"],
                    "recall_concern": report["by_level"]["concern"]["recall"],
                    "hard_negative_false_alarms": hard,
                    "recall_by_language": {
                        k: v["recall"] for k, v in report["by_language"].items()
                    },
                },
            }
        )
    )


if __name__ == "__main__":
    main()
