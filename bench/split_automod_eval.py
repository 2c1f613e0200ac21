"""Split the automod evaluation set once into train, dev and test (run once; the split is frozen).

    python bench/split_automod_eval.py

Stratified by (language, expect) so every language keeps flag and pass messages in every split.
Refuses to overwrite an existing split: the test split must never be redrawn after tuning began.
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

SEED = 18
FRACTIONS = (("train", 0.5), ("dev", 0.2), ("test", 0.3))
EVAL_DIR = Path(__file__).resolve().parent.parent / "content" / "automod" / "eval"


def split(rows: list[dict[str, str]], seed: int = SEED) -> dict[str, list[dict[str, str]]]:
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[(row["lang"], row["expect"])].append(row)
    rng = random.Random(seed)
    out: dict[str, list[dict[str, str]]] = {name: [] for name, _ in FRACTIONS}
    for key in sorted(groups):
        group = groups[key]
        rng.shuffle(group)
        n_train = round(len(group) * FRACTIONS[0][1])
        n_dev = round(len(group) * FRACTIONS[1][1])
        out["train"] += group[:n_train]
        out["dev"] += group[n_train : n_train + n_dev]
        out["test"] += group[n_train + n_dev :]
    return out


def main() -> int:
    if any((EVAL_DIR / f"{name}.jsonl").exists() for name, _ in FRACTIONS):
        print("the split already exists and is frozen; not redrawing it", file=sys.stderr)
        return 1
    lines = (EVAL_DIR / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    for name, part in split(rows).items():
        part.sort(key=lambda r: r["id"])
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part)
        (EVAL_DIR / f"{name}.jsonl").write_text(text, encoding="utf-8")
        print(f"{name}: {len(part)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
