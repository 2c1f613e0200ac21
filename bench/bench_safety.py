"""Crisis detection as it runs: load time, throughput, latency and memory, on the cores the
process may use (the embedding engine takes up to two) and again on one core, on
writer w2's 600 lines (code-switching and romanised writing in 24 languages, 44% with a sign;
content/safety/eval/writers/),
as one JSON object. How well it detects is measured apart, by leave-one-writer-out
cross-validation (`crossings safety crossval`, docs/safety.md).

Wall-clock figures depend on who else shares the cores, so the CPU time per message
(time.process_time) and the machine's load average are printed next to them."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from bot.safety.corpus import EVAL_DIR
from bot.safety.detector import SafetyDetector, needs_model
from bot.safety.evaluate import load_labelled
from bot.safety.model import load_model

ROUNDS = 2  # passes over the test split for the latency figures


ONE_CORE = "--one-core"


def one_core() -> None:
    """Pin this process to one core and give the engine one thread (read when it loads)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    os.environ["CROSSINGS_EMBEDDING_THREADS"] = "1"


def timings(detector: SafetyDetector, texts: list[str]) -> dict[str, Any]:
    lat, own = [], []  # wall time, and CPU time of this thread (the model runs on it)
    cpu0 = time.process_time()
    for _ in range(ROUNDS):
        for text in texts:
            t, c = time.perf_counter(), time.thread_time()
            detector.assess_sync(text)
            lat.append(time.perf_counter() - t)
            own.append(time.thread_time() - c)
    cpu = time.process_time() - cpu0
    lat.sort()
    own.sort()
    return {
        "messages": len(lat),
        "per_s": round(len(lat) / sum(lat), 1),
        "p50_ms": round(statistics.median(lat) * 1000, 2),
        "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 2),
        "cpu_ms_per_message": round(cpu / len(lat) * 1000, 2),
        "p99_cpu_ms": round(own[int(len(own) * 0.99)] * 1000, 2),  # latency on an idle core
        "cpu_per_s": round(len(lat) / cpu, 1),  # throughput if the core were ours alone
    }


def long_messages(texts: list[str], count: int = 20, chars: int = 2000) -> list[str]:
    """Discord-length messages (about 2,000 characters) made of the split's own lines, to time
    the windows long messages are read in (every labelled line is short). Given lines with no
    sign in them, the lexicon settles nothing and the model reads every message."""
    out = []
    for i in range(count):
        parts: list[str] = []
        j = i * 37
        while sum(len(p) + 2 for p in parts) < chars:
            parts.append(texts[j % len(texts)])
            j += 1
        out.append(". ".join(parts))
    return out


def long_cpu_p99(detector: SafetyDetector, texts: list[str]) -> float:
    own = []
    for text in long_messages(texts):
        c = time.thread_time()
        detector.assess_sync(text)
        own.append(time.thread_time() - c)
    own.sort()
    return round(own[int(len(own) * 0.99)] * 1000, 2)


def main() -> None:
    pinned = ONE_CORE in sys.argv
    if pinned:
        one_core()
    rows = load_labelled(EVAL_DIR / "writers" / "w2.jsonl")
    texts = [row["text"] for row in rows]
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    detector = SafetyDetector(model=load_model())
    detector.load()
    detector.assess_sync("warm up")
    load_s = time.perf_counter() - t0
    speed = timings(detector, texts)
    read = sum(needs_model(detector.lexicon.scan(t)) for t in texts) / len(texts)
    print(
        json.dumps(
            {
                "bench": "safety.scan.one_core" if pinned else "safety.scan",
                "layers": detector.layers,
                "engine": detector.model.embedder.engine if detector.model else "none",
                "engine_threads": detector.model.embedder.threads if detector.model else 0,
                **speed,
                "model_share": round(read, 3),  # messages the lexicon left to the model
                "long_2000_chars_p99_cpu_ms": long_cpu_p99(
                    detector, [r["text"] for r in rows if r.get("category") == "none.everyday"]
                ),
                "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "load_s": round(load_s, 2),
                # others sharing the cores: 1, 5 and 15 minute load averages, before and after
                "machine_load_before": [round(x, 2) for x in load_before],
                "machine_load_after": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )
    if not pinned:  # the same on one core, in a fresh process (the engine's threads are fixed)
        subprocess.run([sys.executable, __file__, ONE_CORE], check=True)


if __name__ == "__main__":
    main()
