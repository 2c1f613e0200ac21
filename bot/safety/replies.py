"""The member-facing safety texts in the 20 languages of content/safety/replies/.

They live apart from the locale catalogs on purpose: a member in crisis is answered in the
language they wrote in, which may not be the community's or the one their client reports, and
a language with only these texts must not count as a full translation of the bot.
"""

from __future__ import annotations

from functools import cache

import yaml

from bot.paths import CONTENT_DIR

REPLIES_DIR = CONTENT_DIR / "safety" / "replies"
KEYS = ("urgent", "concern", "footer", "talk_button", "help_now")
FALLBACK = "en"


@cache
def catalog() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for path in sorted(REPLIES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        missing = [k for k in KEYS if not isinstance(data.get(k), str) or not data[k].strip()]
        if missing:
            raise ValueError(f"{path.name}: missing {', '.join(missing)}")
        out[path.stem] = {k: data[k] for k in KEYS}
    return out


def pick_language(*candidates: str | None) -> str:
    """The first candidate (a language or a locale such as pt-BR) that has safety texts."""
    texts = catalog()
    for candidate in candidates:
        if candidate:
            base = candidate.replace("_", "-").split("-")[0].lower()
            if base in texts:
                return base
    return FALLBACK


def text(key: str, language: str) -> str:
    return catalog()[pick_language(language)][key]
