"""What Discord refuses in a bulk command upsert beyond the JSON shape the OpenAPI description
checks: names outside the naming rules, unknown locales, and siblings that share a name in the
default or in any locale (Discord answers 400, code 50035, and keeps the old commands)."""

from __future__ import annotations

import unicodedata
from typing import Any

# The locales Discord accepts in `name_localizations` and `description_localizations`.
LOCALES = frozenset(
    [
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    ]
)
CHAT_INPUT, SUBCOMMAND, SUBCOMMAND_GROUP = 1, 1, 2


def _name_char(ch: str) -> bool:
    """One character of ^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]$."""
    if ch in "-_'" or unicodedata.category(ch)[0] in "LN":
        return True
    return "\u0900" <= ch <= "\u097f" or "\u0e00" <= ch <= "\u0e7f"


def name_problem(name: str) -> str | None:
    """Why a chat-input command or option name is refused, or None."""
    if not 1 <= len(name) <= 32:
        return f"{name!r}: must be 1-32 characters"
    if not all(_name_char(ch) for ch in name):
        return f"{name!r}: only letters, digits, '-', '_' and apostrophes are allowed"
    if name != name.lower():
        return f"{name!r}: must be lower case"
    return None


def _own_problems(item: dict[str, Any], where: str, chat_input: bool) -> list[str]:
    problems = []
    localized = item.get("name_localizations") or {}
    for field in ("name_localizations", "description_localizations"):
        for locale in item.get(field) or {}:
            if locale not in LOCALES:
                problems.append(f"{where}.{field}: {locale!r} is not a valid locale")
    if chat_input:
        for name in [item.get("name", ""), *localized.values()]:
            problem = name_problem(name)
            if problem:
                problems.append(f"{where}.name: {problem}")
    return problems


def _sibling_problems(items: list[dict[str, Any]], where: str) -> list[str]:
    """Siblings must differ by name in the default and in every locale they are shown in."""
    problems = []
    seen: dict[tuple[str, str], str] = {}
    for item in items:
        names = {"": item.get("name", ""), **(item.get("name_localizations") or {})}
        key_type = str(item.get("type", CHAT_INPUT)) if where == "commands" else ""
        for locale, name in names.items():
            key = (locale + key_type, name)
            if key in seen:
                shown = locale or "default"
                problems.append(f"{where}: {name!r} is used twice ({shown}: {seen[key]})")
            seen[key] = item.get("name", "")
    return problems


def _option_problems(options: list[dict[str, Any]], where: str) -> list[str]:
    problems = _sibling_problems(options, where)
    for i, opt in enumerate(options):
        here = f"{where}.{i}"
        problems += _own_problems(opt, here, chat_input=True)
        if opt.get("type") in (SUBCOMMAND, SUBCOMMAND_GROUP):
            problems += _option_problems(opt.get("options") or [], f"{here}.options")
    return problems


def upsert_problems(body: list[dict[str, Any]]) -> list[str]:
    """Every reason Discord would refuse this list of application commands."""
    problems = _sibling_problems(body, "commands")
    for i, command in enumerate(body):
        chat_input = command.get("type", CHAT_INPUT) == CHAT_INPUT
        problems += _own_problems(command, str(i), chat_input)
        problems += _option_problems(command.get("options") or [], f"{i}.options")
    return problems
