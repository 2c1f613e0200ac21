"""Open Referral HSDS feeds in and out of the support directory.

Reads HSDS 3 (JSON and tabular) and HSDS 1.1 (tabular), checks every record against the
vendored schemas and the search rules, and imports all or nothing; exports valid HSDS 3."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import insert
from sqlmodel import Session, col, delete, select

from bot.support.hsds import jsonfeed, tabular
from bot.support.hsds.mapping import Feed, Mapper
from bot.support.hsds.problems import ImportFailed, Problem
from bot.support.models import SupportOrganization, SupportService

__all__ = ["Changes", "ImportFailed", "Problem", "import_feed", "load", "read"]

Mode = Literal["replace", "upsert"]


def read(path: Path) -> Feed:
    """The feed at `path`: a folder of CSV files, a JSON file, or a folder of JSON files."""
    if path.is_dir() and any(path.glob("*.csv")):
        return tabular.read_folder(path)
    if path.is_dir() or path.suffix.lower() == ".json":
        return jsonfeed.read(path)
    if path.suffix.lower() == ".csv":
        return tabular.read_folder(path.parent)
    feed = Feed(str(path), "?")
    feed.problems.append(Problem(path.name, "", "(path)", "", "not an HSDS folder or JSON file"))
    return feed


def topic_names(topics: dict[str, str]) -> dict[str, str]:
    """Taxonomy term codes and names that mean each of the community's topics."""
    out = {code: code for code in topics}
    out.update({label.casefold(): code for code, label in topics.items()})
    return out


def load(
    path: Path, topics: dict[str, str], known_orgs: frozenset[str] = frozenset()
) -> tuple[list[SupportOrganization], list[SupportService]]:
    """Read and check a whole feed; ImportFailed lists every problem with its place.
    `known_orgs`: organizations already stored, which services of a partial feed may name."""
    if not path.exists():
        raise ImportFailed([Problem(str(path), "", "(path)", "", "no such file or folder")])
    mapper = Mapper(read(path), topic_names(topics), known_orgs)
    orgs, services = mapper.run()
    problems = list(dict.fromkeys(mapper.problems))  # one report per place, field and reason
    if problems:
        raise ImportFailed(problems)
    return orgs, services


@dataclass
class Changes:
    """What an import does (or would do, in a dry run), by id."""

    mode: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    organizations: dict[str, list[str]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "services": {
                "added": self.added,
                "updated": self.updated,
                "removed": self.removed,
                "unchanged": self.unchanged,
            },
            "organizations": self.organizations,
        }


def _diff(old: dict[str, Any], new: dict[str, Any], mode: Mode) -> tuple[list[str], ...]:
    added = sorted(k for k in new if k not in old)
    updated = sorted(k for k in new if k in old and old[k] != new[k])
    removed = sorted(k for k in old if k not in new) if mode == "replace" else []
    return added, updated, removed


def _dump(rows: Any) -> dict[str, dict[str, Any]]:
    return {r.id: r.model_dump() for r in rows}


def import_feed(
    session: Session,
    path: Path,
    topics: dict[str, str],
    *,
    mode: Mode = "replace",
    dry_run: bool = False,
) -> Changes:
    """Import in the caller's transaction: "replace" makes the directory the feed; "upsert"
    adds and updates by id and keeps what the feed does not mention."""
    old_orgs = _dump(session.exec(select(SupportOrganization)).all())
    known = frozenset(old_orgs) if mode == "upsert" else frozenset()
    orgs, services = load(path, topics, known)
    old_services = _dump(session.exec(select(SupportService)).all())
    new_services = {s.id: s.model_dump() for s in services}
    added, updated, removed = _diff(old_services, new_services, mode)
    o_added, o_updated, o_removed = _diff(old_orgs, {o.id: o.model_dump() for o in orgs}, mode)
    changes = Changes(
        mode,
        added,
        updated,
        removed,
        unchanged=len(new_services) - len(added) - len(updated),
        organizations={"added": o_added, "updated": o_updated, "removed": o_removed},
    )
    if dry_run:
        return changes
    if removed:
        session.exec(delete(SupportService).where(col(SupportService.id).in_(removed)))  # type: ignore[call-overload]
    if o_removed:
        session.exec(delete(SupportOrganization).where(col(SupportOrganization.id).in_(o_removed)))  # type: ignore[call-overload]
    _write(session, SupportOrganization, orgs, set(o_added), set(o_updated))
    _write(session, SupportService, services, set(added), set(updated))
    return changes


def _write(
    session: Session, model: Any, rows: list[Any], added: set[str], updated: set[str]
) -> None:
    """New rows in one multi-row insert (fast for large feeds), changed rows merged by id."""
    fresh = [r.model_dump() for r in rows if r.id in added]
    if fresh:
        session.execute(insert(model.__table__), fresh)
    for row in rows:
        if row.id in updated:
            session.merge(row)
