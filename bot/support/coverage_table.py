"""`crossings directory stats` as tables in the terminal (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from bot.support import coverage

YES, NO = "yes", "-"


def _summary(report: dict[str, Any]) -> Table:
    table = Table(title="Coverage", show_header=False)
    table.add_row("services", str(report["services"]))
    table.add_row("countries with a service", str(report["countries"]))
    table.add_row(
        "countries with a crisis line and a domestic-violence line",
        str(report["countries_with_crisis_and_dv_lines"]),
    )
    table.add_row(
        f"member cities with {coverage.WANTED_LOCAL}+ local services",
        f"{report['cities_with_3_local_services']} of {len(report['cities'])}",
    )
    if report["inactive"]:
        table.add_row("inactive entries (not shown to members)", str(report["inactive"]))
    return table


def _countries(report: dict[str, Any]) -> Table:
    table = Table(title="By country")
    for column in ("country", "", "services", "national", "local", "crisis line", "DV line"):
        table.add_column(
            column, justify="right" if column in ("services", "national", "local") else "left"
        )
    table.add_column("topics")
    for code, row in report["by_country"].items():
        topics = ", ".join(f"{t} {n}" for t, n in sorted(row["topics"].items()))
        table.add_row(
            code,
            row["name"],
            str(row["services"]),
            str(row["national"]),
            str(row["local"]),
            YES if row["crisis_line"] else NO,
            YES if row["dv_line"] else NO,
            topics,
        )
    return table


def _counts(title: str, first: str, counts: dict[str, int]) -> Table:
    table = Table(title=title)
    table.add_column(first)
    table.add_column("services", justify="right")
    for key, n in counts.items():
        table.add_row(key, str(n))
    return table


def _cities(report: dict[str, Any]) -> Table:
    table = Table(title="Member cities: local services")
    table.add_column("city")
    table.add_column("found as")
    table.add_column("local", justify="right")
    table.add_column("topics")
    for c in report["cities"]:
        mark = "" if c["local_services"] >= coverage.WANTED_LOCAL else "  (too few)"
        topics = ", ".join(f"{t} {n}" for t, n in c["topics"].items())
        found = c["found"] or "not in the gazetteer"
        table.add_row(f"{c['name']}, {c['country']}", found, f"{c['local_services']}{mark}", topics)
    return table


def show(report: dict[str, Any], console: Console | None = None) -> None:
    """Print the report: the summary, then by country, topic, language and city."""
    out = console or Console()
    if not out.is_terminal:
        out = Console(width=170)  # a file or a pipe: wide enough for the topics column
    out.print(_summary(report))
    out.print(_countries(report))
    out.print(_counts("By topic", "topic", report["by_topic"]))
    out.print(_counts("By language", "language", report["by_language"]))
    out.print(_cities(report))
    missing = report["countries_missing_a_line"]
    if missing:
        out.print("Countries missing a national line:")
        for code, kinds in missing.items():
            out.print(f"  {code}: no {' and no '.join(kinds)} line")
