"""Matching a round of 5,000 members (networkx maximum-weight matching)."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime

from bot.peers import TAGS
from bot.peers.matching import Candidate, pair_round

ZONES = [
    "Europe/Madrid",
    "Europe/Berlin",
    "Asia/Tokyo",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Sydney",
]
LANGS = ["en", "es", "ja", "de", "pt", "fr"]


def main() -> None:
    rng = random.Random(3)
    for n in (1_000, 5_000):
        people = [
            Candidate(
                f"u{i}",
                frozenset(rng.sample(list(TAGS), rng.randint(1, 3))),
                frozenset(rng.sample(LANGS, rng.randint(1, 2))),
                rng.choice(ZONES),
            )
            for i in range(n)
        ]
        forbidden = {frozenset((f"u{rng.randrange(n)}", f"u{rng.randrange(n)}")) for _ in range(n)}
        t0 = time.perf_counter()
        groups, left = pair_round(people, forbidden, datetime(2026, 3, 2, tzinfo=UTC))
        elapsed = time.perf_counter() - t0
        print(
            json.dumps(
                {
                    "bench": f"peers.match_round_{n}",
                    "members": n,
                    "groups": len(groups),
                    "left_over": len(left),
                    "seconds": round(elapsed, 2),
                }
            )
        )


if __name__ == "__main__":
    main()
