"""Helplines by country from content/helplines/, with the international fallback."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import yaml

from bot.message import Field, escape
from bot.paths import CONTENT_DIR

FALLBACK = "XX"


@cache
def _data() -> dict[str, Any]:
    return yaml.safe_load(
        (CONTENT_DIR / "helplines" / "helplines.yaml").read_text(encoding="utf-8")
    )


def for_country(
    country: str | None, topics: tuple[str, ...] = ()
) -> tuple[str, list[dict[str, Any]]]:
    """(the country used, its lines), filtered by topic; the fallback when there are none.
    When none of a country's lines serves the topics (a country with an abuse line but no
    crisis line, asked for crisis), its lines are kept and the international lines that do
    serve them come first: a suicidal member is never left with an abuse line alone."""
    lines = _data()["lines"]
    code = (country or "").upper()
    found = lines.get(code, [])
    if not found:
        return FALLBACK, list(lines[FALLBACK])
    if topics:
        matching = [x for x in found if _serves(x, topics)]
        if not matching:
            return code, [x for x in lines[FALLBACK] if _serves(x, topics)] + list(found)
        found = matching
    return code, list(found)


def _serves(line: dict[str, Any], topics: tuple[str, ...]) -> bool:
    return bool(set(line.get("topics", [])) & set(topics))


def all_lines() -> dict[str, list[dict[str, Any]]]:
    """Every country's lines, the fallback included, as shipped (for audits and exports)."""
    return {country: list(lines) for country, lines in _data()["lines"].items()}


def countries() -> list[str]:
    return sorted(c for c in _data()["lines"] if c != FALLBACK)


def as_fields(
    lines: list[dict[str, Any]], vouch: Callable[[dict[str, Any]], str] | None = None
) -> tuple[Field, ...]:
    """Up to six lines as fields; `vouch` adds who vouches for each line and when it was
    checked (what a member is shown: `/support helplines`)."""
    fields = []
    for line in lines[:6]:
        contact = " · ".join(
            f"{k.replace('_alt', '')}: {escape(str(v))}" for k, v in line["contact"].items()
        )
        extra = f"{line.get('hours', '')} · {', '.join(line.get('languages', []))}"
        # The note carries what a caller must know to get through (an option to press, a keyword).
        note = f"\n{escape(line['note'])}" if line.get("note") else ""
        checked = f"\n{vouch(line)}" if vouch else ""
        fields.append(Field(escape(line["name"]), f"{contact}\n{escape(extra)}{note}{checked}"))
    return tuple(fields)
