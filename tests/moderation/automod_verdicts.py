"""The default rules' verdicts on the train and dev splits of the automod evaluation set, every
hit with its rule, matched words, reason and evidence, as stored in data/automod_verdicts.json.

The stored file pins what the rules decide, so that work on speed cannot change a single verdict
unnoticed (test_automod_verdicts.py). After a deliberate change to the rules or the signals,
write it again and review the difference:

    .venv/bin/python -m tests.moderation.automod_verdicts
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.kernel.paths import CONTENT_DIR
from bot.moderation.automod import Message, RuleSet, load_rules

EVAL = CONTENT_DIR / "automod" / "eval"
SPLITS = ("train.jsonl", "dev.jsonl")  # never the frozen test split
STORED = Path(__file__).parent / "data" / "automod_verdicts.json"


def verdicts(rules: RuleSet) -> dict[str, list[list[Any]]]:
    """Message id -> its hits: [rule, matched, why, [[signal, words], ...]] (empty: it passes)."""
    out: dict[str, list[list[Any]]] = {}
    for split in SPLITS:
        for line in (EVAL / split).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            hits = rules.check(Message(row["text"], f"verdict-{row['id']}"))
            out[str(row["id"])] = [
                [
                    i["rule"],
                    i["matched"],
                    i["why"],
                    [[e["signal"], e["words"]] for e in i["evidence"]],
                ]
                for i in (h.explain() for h in hits)
            ]
    return out


def main() -> None:
    found = verdicts(RuleSet(load_rules()))
    STORED.write_text(
        json.dumps(found, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"{STORED}: {len(found)} messages, {sum(1 for v in found.values() if v)} flagged")


if __name__ == "__main__":
    main()
