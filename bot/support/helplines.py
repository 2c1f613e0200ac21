"""Helplines by country from content/helplines/, with the international fallback."""

from __future__ import annotations

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
    """(the country used, its lines), filtered by topic; the fallback when there are none."""
    lines = _data()["lines"]
    code = (country or "").upper()
    found = lines.get(code, [])
    if topics:
        found = [x for x in found if set(x.get("topics", [])) & set(topics)] or found
    if not found:
        return FALLBACK, list(lines[FALLBACK])
    return code, list(found)


def all_lines() -> dict[str, list[dict[str, Any]]]:
    """Every country's lines, the fallback included, as shipped (for audits and exports)."""
    return {country: list(lines) for country, lines in _data()["lines"].items()}


def countries() -> list[str]:
    return sorted(c for c in _data()["lines"] if c != FALLBACK)


def as_fields(lines: list[dict[str, Any]]) -> tuple[Field, ...]:
    fields = []
    for line in lines[:6]:
        contact = " · ".join(
            f"{k.replace('_alt', '')}: {escape(str(v))}" for k, v in line["contact"].items()
        )
        extra = f"{line.get('hours', '')} · {', '.join(line.get('languages', []))}"
        # The note carries what a caller must know to get through (an option to press, a keyword).
        note = f"\n{escape(line['note'])}" if line.get("note") else ""
        fields.append(Field(escape(line["name"]), f"{contact}\n{escape(extra)}{note}"))
    return tuple(fields)
