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
    ids: list[str] = field(default_factory=list)  # every service id in the feed
    # Ids the feed shares with an entry of a layer below it (a community's own copy of a
    # shipped entry, say): filled in by the caller, which knows the layers.
    stands_in_for: list[str] = field(default_factory=list)

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
            "stands_in_for": self.stands_in_for,
        }


# Columns that say whose a row is and when it came, not what it says: never compared.
LAYER_COLUMNS = ("platform", "community_id")
STAMP_COLUMNS = ("added_by", "added_at", "updated_at")
Layer = tuple[str, str]


def _content_columns(model: Any) -> list[Any]:
    skip = {*LAYER_COLUMNS, *STAMP_COLUMNS}
    return [c for c in model.__table__.columns if c.name not in skip]


def _in_layer(model: Any, layer: Layer) -> Any:
    table = model.__table__
    return (table.c.platform == layer[0]) & (table.c.community_id == layer[1])


def _diff(old: dict[str, Any], new: dict[str, Any], mode: Mode) -> tuple[list[str], ...]:
    added = sorted(k for k in new if k not in old)
    updated = sorted(k for k in new if k in old and old[k] != new[k])
    removed = sorted(k for k in old if k not in new) if mode == "replace" else []
    return added, updated, removed


def _stored(session: Session, model: Any, layer: Layer) -> dict[str, Row]:
    """The layer's stored rows as plain values (no ORM objects: a directory may hold 50,000)."""
    rows = session.execute(
        select(*_content_columns(model)).where(_in_layer(model, layer))
    ).mappings()
    return {r["id"]: dict(r) for r in rows}


def _normal(rows: list[Row], model: Any) -> dict[str, Row]:
    """Feed rows with every content column, as they will read back from the database."""
    defaults = {c.name: None for c in _content_columns(model)}
    return {r["id"]: {**defaults, **r} for r in rows}


def import_feed(
    session: Session,
    path: Path,
    topics: dict[str, str],
    *,
    layer: Layer,
    mode: Mode = "replace",
    dry_run: bool = False,
    stamp: dict[str, Any] | None = None,
) -> Changes:
    """Import into one layer in the caller's transaction: "replace" makes the layer the feed;
    "upsert" adds and updates by id and keeps what the feed does not mention. No other layer
    is read or written. `stamp`: added_by and the time, for the rows added or changed."""
    old_orgs = _stored(session, SupportOrganization, layer)
    known = frozenset(old_orgs) if mode == "upsert" else frozenset()
    org_rows, service_rows = load_rows(path, topics, known)
    orgs, services = _normal(org_rows, SupportOrganization), _normal(service_rows, SupportService)
    old_services = _stored(session, SupportService, layer)
    added, updated, removed = _diff(old_services, services, mode)
    o_added, o_updated, o_removed = _diff(old_orgs, orgs, mode)
    changes = Changes(
        mode,
        added,
        updated,
        removed,
        unchanged=len(services) - len(added) - len(updated),
        organizations={"added": o_added, "updated": o_updated, "removed": o_removed},
        ids=list(services),
    )
    if dry_run:
        return changes
    stamp = stamp or {}
    owner = dict(zip(LAYER_COLUMNS, layer, strict=True))
    _delete(session, SupportService, layer, removed)
    _delete(session, SupportOrganization, layer, o_removed)
    _write(session, SupportOrganization, layer, orgs, o_added, o_updated, owner, {}, {})
    added_stamp = {k: stamp.get(k) for k in ("added_by", "added_at")} | {
        "updated_at": stamp.get("added_at")
    }
    _write(
        session,
        SupportService,
        layer,
        services,
        added,
        updated,
        owner,
        added_stamp,
        {"updated_at": stamp.get("added_at")},
    )
    return changes


def _delete(session: Session, model: Any, layer: Layer, ids: list[str]) -> None:
    table = model.__table__
    for start in range(0, len(ids), 500):  # within every database's limit on bound values
        chunk = ids[start : start + 500]
        session.execute(delete(table).where(_in_layer(model, layer), table.c.id.in_(chunk)))


def _write(
    session: Session,
    model: Any,
    layer: Layer,
    rows: dict[str, Row],
    added: list[str],
    updated: list[str],
    owner: dict[str, str],
    on_add: dict[str, Any],
    on_update: dict[str, Any],
) -> None:
    """New rows in multi-row inserts, changed rows updated by id, without ORM objects."""
    table = model.__table__
    if added:
        session.execute(insert(table), [{**rows[i], **owner, **on_add} for i in added])
    for rid in updated:
        session.execute(
            update(table)
            .where(_in_layer(model, layer), table.c.id == rid)
            .values(**rows[rid], **on_update)
        )
