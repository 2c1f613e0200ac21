"""Open Referral HSDS feeds in and out of the support directory.

Reads HSDS 3 (JSON and tabular) and HSDS 1.1 (tabular), checks every record against the
vendored schemas and the search rules, and imports all or nothing; exports valid HSDS 3."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from bot.support.hsds import jsonfeed, tabular
from bot.support.hsds.mapping import Feed, Mapper, Row
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


def load_rows(
    path: Path, topics: dict[str, str], known_orgs: frozenset[str] = frozenset()
) -> tuple[list[Row], list[Row]]:
    """Read and check a whole feed into the directory's column values; ImportFailed lists
    every problem with its place. `known_orgs`: stored organizations a partial feed may name."""
    if not path.exists():
        raise ImportFailed([Problem(str(path), "", "(path)", "", "no such file or folder")])
    mapper = Mapper(read(path), topic_names(topics), known_orgs)
    orgs, services = mapper.run()
    problems = list(dict.fromkeys(mapper.problems))  # one report per place, field and reason
    if problems:
        raise ImportFailed(problems)
    return orgs, services


def load(
    path: Path, topics: dict[str, str]
) -> tuple[list[SupportOrganization], list[SupportService]]:
    """The feed's organizations and services as directory rows (nothing is stored)."""
    orgs, services = load_rows(path, topics)
    return [SupportOrganization(**o) for o in orgs], [SupportService(**s) for s in services]


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


def _stored(session: Session, model: Any) -> dict[str, Row]:
    """The stored rows as plain values (no ORM objects: a directory may hold 50,000)."""
    table = model.__table__
    rows = session.execute(select(table)).mappings()  # type: ignore[call-overload]
    return {r["id"]: dict(r) for r in rows}


def _normal(rows: list[Row], model: Any) -> dict[str, Row]:
    """Feed rows with every column, as they will read back from the database."""
    defaults = {c.name: None for c in model.__table__.columns}
    return {r["id"]: {**defaults, **r} for r in rows}


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
    old_orgs = _stored(session, SupportOrganization)
    known = frozenset(old_orgs) if mode == "upsert" else frozenset()
    org_rows, service_rows = load_rows(path, topics, known)
    orgs, services = _normal(org_rows, SupportOrganization), _normal(service_rows, SupportService)
    old_services = _stored(session, SupportService)
    added, updated, removed = _diff(old_services, services, mode)
    o_added, o_updated, o_removed = _diff(old_orgs, orgs, mode)
    changes = Changes(
        mode,
        added,
        updated,
        removed,
        unchanged=len(services) - len(added) - len(updated),
        organizations={"added": o_added, "updated": o_updated, "removed": o_removed},
    )
    if dry_run:
        return changes
    _delete(session, SupportService, removed)
    _delete(session, SupportOrganization, o_removed)
    _write(session, SupportOrganization, orgs, o_added, o_updated)
    _write(session, SupportService, services, added, updated)
    return changes


def _delete(session: Session, model: Any, ids: list[str]) -> None:
    table = model.__table__
    for start in range(0, len(ids), 500):  # within every database's limit on bound values
        session.execute(delete(table).where(table.c.id.in_(ids[start : start + 500])))


def _write(
    session: Session, model: Any, rows: dict[str, Row], added: list[str], updated: list[str]
) -> None:
    """New rows in multi-row inserts, changed rows updated by id, without ORM objects."""
    table = model.__table__
    if added:
        session.execute(insert(table), [rows[i] for i in added])
    for rid in updated:
        session.execute(update(table).where(table.c.id == rid).values(**rows[rid]))
