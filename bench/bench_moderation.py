"""Automod throughput and latency: 5,000 keywords and 20 regex rules plus the default rules
(scam requests and pitches in nine languages, lookalike and shortened links) over a realistic
message mix, next to better-profanity loaded with the same words on the same messages (one
core). The mix holds links, money talk in several languages and scam requests.

The machine may be shared: next to wall-clock rate and latency each figure gives the CPU time per
message (time.process_time, what this process alone spent) and the load average before and after
the run, so a figure taken on a busy machine can be read for what it is. `verdicts_sha256` is a
digest of every hit (rule, words, reason, evidence) on the mix: equal digests, equal decisions."""

from __future__ import annotations

import hashlib
import json
import random
import statistics
import string
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from better_profanity import Profanity

from bot.moderation.automod import Message, Rule, RuleSet, load_rules

SEED = 7
N_MESSAGES = 20_000
WARM_UP = 5_000
ROUNDS = 3

SENTENCES = [
    "We finally told both families about the wedding date",
    "My partner still doesn't get why I call my mum every day",
    "Does anyone know a counsellor in Madrid who speaks Japanese?",
    "I made my mother-in-law's dumplings and she approved!",
    "Money talks are hard for us, we grew up so differently",
    "Our kids answer in English when I speak Spanish to them",
    "Visa appointment next week, wish me luck",
    "Sometimes I feel lonely here, even with my partner around",
    "How do you handle holidays when both families expect you?",
    "Thank you all for the kind replies yesterday",
    "I send money to my parents every month through Wise, the fee was lower this time",
    "Mi suegra nos regaló una tarjeta de regalo y le mandamos flores",
    "我每个月给爸妈转两千块，手续费不高",
    "our photos are at https://www.flickr.com/photos/x, the wedding was lovely",
    "add me on whatsapp so we can talk privately",
    "check out https://example.org/article about bilingual kids",
]
# What automod is there for; one message in ten in this mix (far more than real traffic).
BAD = [
    "buy me a g1ft c4rd and send the code",
    "go back to your country",
    "here is my new number +44 7700 900123",
    "can you send me 200 on cash app tonight, it's urgent",
    "guaranteed 20% weekly returns, dm me on telegram @fastprofit",
    "free nitro here https://dlscord-gift.com/claim",
    "our photos are at https://bit.ly/3abcd and https://www.flickr.com/photos/x",
]


def words(n: int, rng: random.Random) -> list[str]:
    vocab: set[str] = set()
    while len(vocab) < n:
        vocab.add("".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 10))))
    return sorted(vocab)


def messages(rng: random.Random, keywords: list[str]) -> list[str]:
    # Sentence templates, each with a few tokens nobody has written before (names, places,
    # typos), so per-word caching doesn't flatter the figure.
    fresh = ["".join(rng.choices(string.ascii_letters, k=rng.randint(3, 9))) for _ in range(20_000)]
    out = []
    for _ in range(N_MESSAGES):
        pool = BAD if rng.random() < 0.1 else SENTENCES
        text = rng.choice(pool) + " " + " ".join(rng.choices(fresh, k=3))
        if rng.random() < 0.05:  # some messages carry a listed word
            text += " " + rng.choice(keywords)
        out.append(text)
    return out


def measure(check: Callable[[Any], object], texts: Sequence[Any]) -> dict[str, Any]:
    lat = []
    cpu0, began = time.process_time(), time.perf_counter()
    for t in texts:
        t0 = time.perf_counter()
        check(t)
        lat.append(time.perf_counter() - t0)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu0
    lat.sort()
    return {
        "messages_per_second": round(len(texts) / elapsed),
        "p50_ms": round(statistics.median(lat) * 1000, 4),
        "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 4),
        "cpu_us_per_message": round(cpu / len(texts) * 1e6, 2),
        "cpu_messages_per_second": round(len(texts) / cpu) if cpu else None,
    }


def loadavg() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (Linux), to read a figure from a busy machine."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return None


def digest(ruleset: RuleSet, texts: Sequence[str]) -> tuple[int, str]:
    """How many messages the rules flag, and a digest of every hit on every message."""
    h, flagged = hashlib.sha256(), 0
    for i, t in enumerate(texts):
        hits = [x.explain() for x in ruleset.check(Message(t, f"again-{i}"))]
        flagged += bool(hits)
        h.update(json.dumps(hits, sort_keys=True, ensure_ascii=False).encode() + b"\n")
    return flagged, h.hexdigest()


def build(rules: list[Rule], keywords: list[str], regexes: list[str]) -> tuple[RuleSet, float]:
    t0 = time.perf_counter()
    ruleset = RuleSet(
        [
            *rules,
            Rule("words", "keywords", words=tuple(keywords), actions=("hold",)),
            *[
                Rule(f"rx{i}", "regex", patterns=(p,), actions=("alert",))
                for i, p in enumerate(regexes)
            ],
        ]
    )
    return ruleset, time.perf_counter() - t0


def run(name: str, ruleset: RuleSet, keywords: list[str], texts: list[str]) -> dict[str, Any]:
    # A running bot has seen messages before: warm the regex engines' lazily built automata on
    # a separate sample first, as they would be after the first minutes in production.
    for t in messages(random.Random(SEED + 1), keywords)[:WARM_UP]:
        ruleset.check(Message(t, "warm-up", at=-1e9))
    # Many members, twenty messages a second across the community (a busy one): each member
    # posts every 100 s, as flood and duplicate windows are per member.
    # The machine is shared: the best of a few rounds is the figure least disturbed by others.
    rounds, load_before = [], loadavg()
    for r in range(ROUNDS):
        cases = [(t, f"member-{i % 2000}", r * 10_000 + i * 0.05) for i, t in enumerate(texts)]
        rounds.append(measure(lambda c: ruleset.check(Message(c[0], c[1], at=c[2])), cases))
    figures = max(rounds, key=lambda f: f["messages_per_second"])
    cpu_best = min(f["cpu_us_per_message"] for f in rounds)
    load_after = loadavg()
    flagged, verdicts = digest(ruleset, texts)
    return {
        "bench": name,
        "rules": len(ruleset.rules),
        "flagged": flagged,
        "verdicts_sha256": verdicts,
        "rounds": ROUNDS,
        **figures,
        "cpu_us_per_message_best_round": cpu_best,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
    }


def learned_layer_gate(texts: list[str]) -> dict[str, Any]:
    """What the learned layer adds to a message no rule flagged: undoing disguises and looking
    for a cue (messages without one stop there), and the embedding a cue message costs."""
    from bot.moderation.scam_model import Cues, load_model, model_text

    cues = Cues()
    clean = [t for t in texts if not cues.present(model_text(t))]
    figures = measure(lambda t: cues.present(model_text(t)), clean)
    cued = [t for t in texts if cues.present(model_text(t))][:200]
    model = load_model()
    scored = measure(model.score, cued) if model else {}
    return {
        "bench": "moderation.learned_layer",
        "messages_without_cue": len(clean),
        "share_with_cue": round(1 - len(clean) / len(texts), 3),
        "gate_without_cue": figures,
        "model_on_cue_messages": scored,
    }


def main() -> None:
    rng = random.Random(SEED)
    keywords = words(5_000, rng)
    regexes = [rf"\b{w}\d{{2,}}\b" for w in keywords[:18]] + [
        r"\+?\d[\d ().-]{8,}\d",
        r"(add|text|message) me (on|at) (whatsapp|telegram|signal)",
    ]
    texts = messages(rng, keywords)
    defaults = load_rules()
    # The figure the README quotes: keywords, regexes and the scam and link rules; then every
    # default rule (flood, duplicates, mentions, doxxing... as well).
    new_rules = [r for r in defaults if r.kind in ("pitch", "lookalikes", "shorteners")]
    for name, rules in (
        ("moderation.automod", new_rules),
        ("moderation.automod_every_default_rule", defaults),
    ):
        ruleset, build_s = build(rules, keywords, regexes)
        figures = run(name, ruleset, keywords, texts)
        extra = {"keywords": len(keywords), "regex_rules": len(regexes), "messages": len(texts)}
        print(json.dumps({**figures, **extra, "build_seconds": round(build_s, 3)}))

    print(json.dumps(learned_layer_gate(texts)))

    profanity = Profanity()
    bp_t0 = time.perf_counter()
    profanity.load_censor_words(keywords)
    bp_build_s = time.perf_counter() - bp_t0
    sample = texts[:500]  # better-profanity is far slower; a slice keeps the run short
    load_before = loadavg()
    theirs = measure(profanity.contains_profanity, sample)
    print(
        json.dumps(
            {
                "bench": "moderation.better_profanity_same_words",
                "keywords": len(keywords),
                "messages": len(sample),
                "build_seconds": round(bp_build_s, 3),
                **theirs,
                "loadavg_before": load_before,
                "loadavg_after": loadavg(),
            }
        )
    )


if __name__ == "__main__":
    main()
