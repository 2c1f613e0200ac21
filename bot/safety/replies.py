"""The member-facing safety texts in the 24 languages of content/safety/replies/.

Each family of signs has its own reply: suicide and self-harm (crisis lines first), danger
from a partner (the emergency number and a safety-planning line), coercive control and
immigration threats (abuse and immigrant services).

They live apart from the locale catalogs on purpose: a member in crisis is answered in the
language they wrote in, which may not be the community's or the one their client reports, and
a language with only these texts must not count as a full translation of the bot.
"""

from __future__ import annotations

from functools import cache

import yaml

from bot.kernel.paths import CONTENT_DIR

REPLIES_DIR = CONTENT_DIR / "safety" / "replies"
FAMILIES = ("suicide", "danger", "control")
KEYS = (
    *FAMILIES,
    "suicide_directory",  # the suicide reply where no crisis line is verified for the country
    "suicide_unknown",  # the suicide reply when the member's country is not known
    "always",  # only when every listed line answers round the clock
    "hours",  # otherwise: each line shows its hours
    "told",  # the moderators were told; "{button}" names the don't-contact button
    "footer",
    "talk_button",
    "dont_contact_button",
    "dont_contact_done",
    "open_now",  # beside a line whose stated schedule is open at the moment of the reply
    "help_now",
    "preview",  # the neutral first line: all a notification or a lock screen shows
    "clear_button",
    "cleared",
    "discreet_button",
    "discreet_done",
)
FALLBACK = "en"
NO_SPACES = {"ja", "zh"}  # sentences follow each other without a space


def family_of(categories: tuple[str, ...]) -> str:
    """The reply family of a set of categories ("suicide.plan", "danger.weapon",
    "control.money", "self_harm"); suicide first, then danger, when a message shows several."""
    heads = {c.split(".")[0] for c in categories}
    if heads & {"suicide", "self_harm"}:
        return "suicide"
    if "danger" in heads:
        return "danger"
    return "control" if "control" in heads else "suicide"


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


def opening(family: str, *, crisis_line: bool, country_known: bool) -> str:
    """The key of a reply's first words: its family's, unless a suicide signal's lines hold no
    crisis line (the directory stands in), which the text says as it is: no line checked for
    the member's country, or a country the member never gave."""
    if family != "suicide" or crisis_line:
        return family
    return "suicide_directory" if country_known else "suicide_unknown"


def compose(opening: str, *, always_open: bool, told: bool, language: str) -> str:
    """A reply's text: its opening, what it may promise about the listed lines' hours (round
    the clock only when every one is), and, when the moderators were told, that they were
    and how to ask not to be contacted."""
    parts = [opening, text("always" if always_open else "hours", language)]
    if told:
        button = text("dont_contact_button", language)
        parts.append(text("told", language).format(button=button))
    return ("" if pick_language(language) in NO_SPACES else " ").join(parts)
