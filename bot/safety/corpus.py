"""The labelled safety corpus: hand-written source files per language, split once into
train / dev / test JSONL files.

Most source lines are written as parallel sets across languages (the k-th "strangulation"
line in every language says roughly the same thing), so a random split by message would put
the translation of a test message in the training data and flatter any multilingual model.
The split is therefore by *group* (category, k): every translation of one message lands in
the same split.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.kernel.paths import CONTENT_DIR

EVAL_DIR = CONTENT_DIR / "safety" / "eval"
SOURCE_DIR = EVAL_DIR / "source"
# Written after the first test measurement, to teach the learned layer what is *not* a crisis
# (idioms, complaints about other people, retold stories...) and new phrasings of what is.
# These lines only ever go to train and dev: the frozen test split is made from source/ alone.
SUPPLEMENT_DIR = EVAL_DIR / "supplement"
SPLIT_SEED = 20261201  # fixed once; changing it would unfreeze the test split
SPLITS = (("train", 0.5), ("dev", 0.7), ("test", 1.0))  # cumulative share of each category
SUPPLEMENT_SPLITS = (("train", 0.6), ("dev", 1.0))

LEVELS = {"U": "urgent", "C": "concern", "N": "none"}
CATEGORIES = {
    "wish": "suicide.wish_dead",
    "thoughts": "suicide.thoughts",
    "method": "suicide.method",
    "intent": "suicide.intent",
    "plan": "suicide.plan",
    "prep": "suicide.preparatory",
    "selfharm": "self_harm",
    "strangle": "danger.strangulation",
    "killthreat": "danger.threat_to_kill",
    "weapon": "danger.weapon",
    "violence": "danger.escalating_violence",
    "sexual": "danger.forced_sex",
    "children": "danger.threat_to_children",
    "stalking": "danger.stalking",
    "documents": "control.documents",
    "immigration": "control.immigration_threat",
    "money": "control.money",
    "isolation": "control.isolation",
    "monitoring": "control.monitoring",
    "abduction": "control.child_abduction_threat",
    # Negatives: every kind but "everyday" is a hard negative.
    "idiom": "none.idiom",
    "complaint": "none.complaint",  # about someone else's rudeness, a boss, a neighbour
    "quote": "none.quote",
    "news": "none.news",
    "theme": "none.theme",
    "resolved": "none.resolved",
    "joke": "none.joke",
    "question": "none.question",
    "everyday": "none.everyday",
}
EASY_NEGATIVES = frozenset({"none.everyday"})


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    level: str
    category: str
    group: str = ""

    @property
    def flagged(self) -> bool:
        return self.level != "none"

    @property
    def hard_negative(self) -> bool:
        return self.level == "none" and self.category not in EASY_NEGATIVES

    def as_json(self) -> str:
        row = asdict(self)
        row.pop("group")
        return json.dumps(row, ensure_ascii=False)


def parse_source(path: Path, prefix: str = "") -> Iterator[Example]:
    """Lines read `L short | text`; L is U, C or N; `#` starts a comment line."""
    lang = path.stem
    seen: dict[str, int] = defaultdict(int)
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, sep, text = line.partition(" | ")
        parts = head.split()
        if not sep or len(parts) != 2 or parts[0] not in LEVELS or parts[1] not in CATEGORIES:
            raise ValueError(f"{path.name}:{number}: expected 'L category | text'")
        short = parts[1]
        group = f"{prefix}{short}#{seen[short]}"
        seen[short] += 1
        yield Example(text.strip(), lang, LEVELS[parts[0]], CATEGORIES[short], group)


def load_sources(directory: Path = SOURCE_DIR, prefix: str = "") -> list[Example]:
    return [ex for path in sorted(directory.glob("*.txt")) for ex in parse_source(path, prefix)]


def split(
    examples: Iterable[Example],
    seed: int = SPLIT_SEED,
    splits: tuple[tuple[str, float], ...] = SPLITS,
    pooled: bool = False,
) -> dict[str, list[Example]]:
    """Assign whole groups to splits, per category, so each split sees most categories.
    `pooled` shuffles all groups together instead: a category with a single group then
    lands in one split or the other rather than always in the first."""
    rows = list(examples)
    groups: dict[str, set[str]] = defaultdict(set)
    for ex in rows:
        groups["*" if pooled else ex.category].add(ex.group)
    rng = random.Random(seed)
    where: dict[tuple[str, str], str] = {}
    for category in sorted(groups):
        names = sorted(groups[category])
        rng.shuffle(names)
        for i, name in enumerate(names):
            position = (i + 0.5) / len(names)
            where[(category, name)] = next(s for s, edge in splits if position < edge)
    out: dict[str, list[Example]] = {name: [] for name, _ in splits}
    for ex in rows:
        out[where[("*" if pooled else ex.category, ex.group)]].append(ex)
    return out


def write_splits(directory: Path = EVAL_DIR, seed: int = SPLIT_SEED) -> dict[str, int]:
    """test.jsonl from source/ alone; train and dev also get the supplement's lines, after."""
    parts = split(load_sources(directory / "source"), seed)
    extra = split(load_sources(directory / "supplement", "s:"), seed, SUPPLEMENT_SPLITS, True)
    for name, rows in extra.items():
        parts[name] += rows
    for name, rows in parts.items():
        lines = "".join(ex.as_json() + "\n" for ex in rows)
        (directory / f"{name}.jsonl").write_text(lines, encoding="utf-8")
    return {name: len(rows) for name, rows in parts.items()}


def read_jsonl(path: Path) -> list[dict[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return rows


def load_split(name: str, directory: Path = EVAL_DIR) -> list[Example]:
    return [
        Example(r["text"], r["lang"], r["level"], r.get("category", ""))
        for r in read_jsonl(directory / f"{name}.jsonl")
    ]
