"""The directory's layers, who owns each, and who vouches for each entry.

- **shipped** (`""`, `"shipped"`): `content/directory/services.json` as this release ships it,
  brought up to date when the bot starts. Nobody edits it but a new release.
- **operator** (`""`, `"operator"`): what whoever runs the bot imports with
  `crossings directory import`. Read-only to every community; changes go to the operator log.
- **a community's own** (its platform and id): what its administrators import or edit on the
  dashboard. Only its members see it; changes go to that community's audit log.

A community's members see their own layer, then the operator's, then the shipped one. An entry
with the same id in a nearer layer stands in for the one below it (for that community only, when
the nearer layer is the community's), and an administrator may hide a shipped or operator entry
from their own members. `unclaimed` holds rows the layers migration could not attribute (see
`crossings directory claim`); nobody sees them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.support.models import (
    OperatorLogEntry,
    SupportHidden,
    SupportLayer,
    SupportOrganization,
    SupportService,
)

LayerKey = tuple[str, str]
SHIPPED: LayerKey = ("", "shipped")
OPERATOR: LayerKey = ("", "operator")
UNCLAIMED: LayerKey = ("", "unclaimed")
BASE: tuple[LayerKey, ...] = (OPERATOR, SHIPPED)  # nearest first
STALE_AFTER = timedelta(days=365)
Origin = Literal["shipped", "operator", "community", "unclaimed"]


def of(owner: Any) -> LayerKey:
    """The layer of a community: a Context, a Place, a Community row or a Subject."""
    place = getattr(owner, "place", owner)
    community = getattr(place, "community_id", None) or place.community
    return str(place.platform), str(community)


def is_community(key: LayerKey) -> bool:
    return key[0] != ""


def label(key: LayerKey) -> str:
    return f"{key[0]}:{key[1]}" if is_community(key) else key[1]


def parse(text: str) -> LayerKey | None:
    """ "operator", "shipped" or "PLATFORM:COMMUNITY" (as `label` writes them)."""
    text = text.strip()
    if text in ("operator", "shipped", "unclaimed"):
        return "", text
    platform, sep, community = text.partition(":")
    if sep and platform and community and len(platform) <= 16 and len(community) <= 64:
        return platform, community
    return None


def origin(service: SupportService) -> Origin:
    if is_community((service.platform, service.community_id)):
        return "community"
    if service.community_id in ("shipped", "operator", "unclaimed"):
        return service.community_id  # type: ignore[return-value]
    return "operator"  # a row built outside the store (tests, `hsds.load`)


def checked_on(service: SupportService) -> date | None:
    """When the entry was last checked against its source: HSDS `assured_date`."""
    value = (service.extra or {}).get("assured_date")
    return as_date(value)


def as_date(value: Any) -> date | None:
    """A date from a YAML or JSON value (a date, a datetime or "YYYY-MM-DD..."); None if not."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def is_stale(checked: date | None, today: date) -> bool:
    """Not checked for over a year (an entry with no date at all is reported apart)."""
    return checked is not None and today - checked > STALE_AFTER


# --- revisions: every process knows when its copy of a layer is stale ------------------------


def _where(model: Any, key: LayerKey) -> tuple[Any, Any]:
    return model.platform == key[0], model.community_id == key[1]


def revisions(session: Session, keys: list[LayerKey]) -> dict[LayerKey, int]:
    wanted = set(keys)
    rows = session.exec(
        select(SupportLayer).where(SupportLayer.community_id.in_({k[1] for k in wanted}))  # type: ignore[attr-defined]
    ).all()
    return {
        (r.platform, r.community_id): r.revision
        for r in rows
        if (r.platform, r.community_id) in wanted
    }


def bump(session: Session, key: LayerKey, now: datetime) -> None:
    """One more change to this layer (in the caller's transaction)."""
    table = SupportLayer.__table__  # type: ignore[attr-defined]
    raise_it = (
        update(table)
        .where(table.c.platform == key[0], table.c.community_id == key[1])
        .values(revision=table.c.revision + 1, changed_at=now)
    )
    if session.execute(raise_it).rowcount:  # type: ignore[attr-defined]
        return
    try:
        with session.begin_nested():
            session.add(
                SupportLayer(platform=key[0], community_id=key[1], revision=1, changed_at=now)
            )
    except IntegrityError:  # another process made the row first
        session.execute(raise_it)


# --- rows of one layer, looked up through the layer first --------------------------------------


def services(session: Session, key: LayerKey) -> list[SupportService]:
    query = select(SupportService).where(*_where(SupportService, key))
    return list(session.exec(query.order_by(SupportService.id)).all())  # type: ignore[arg-type]


def organizations(session: Session, key: LayerKey) -> list[SupportOrganization]:
    return list(session.exec(select(SupportOrganization).where(*_where(SupportOrganization, key))))


def find(session: Session, key: LayerKey, service_id: str) -> SupportService | None:
    """The service with this id in this layer: another layer's id is as missing as no id."""
    return session.exec(
        select(SupportService).where(*_where(SupportService, key), SupportService.id == service_id)
    ).first()


def ids(session: Session, keys: tuple[LayerKey, ...]) -> set[str]:
    found: set[str] = set()
    for key in keys:
        found.update(session.exec(select(SupportService.id).where(*_where(SupportService, key))))
    return found


def count(session: Session, key: LayerKey) -> int:
    query = select(func.count()).select_from(SupportService).where(*_where(SupportService, key))
    return int(session.exec(query).one())


# --- hidden entries -----------------------------------------------------------------------------


def hidden_ids(session: Session, key: LayerKey) -> frozenset[str]:
    query = select(SupportHidden.service_id).where(*_where(SupportHidden, key))
    return frozenset(session.exec(query).all())


def hidden_rows(session: Session, key: LayerKey) -> list[SupportHidden]:
    query = select(SupportHidden).where(*_where(SupportHidden, key))
    return list(session.exec(query.order_by(SupportHidden.hidden_at)).all())  # type: ignore[arg-type]


def hide(session: Session, key: LayerKey, service_id: str, actor: str, now: datetime) -> bool:
    """Hide a shipped or operator entry from this community's members; False if it is hidden
    already or is no such entry."""
    if not is_community(key) or service_id not in ids(session, BASE):
        return False
    if service_id in hidden_ids(session, key):
        return False
    session.add(
        SupportHidden(
            platform=key[0],
            community_id=key[1],
            service_id=service_id,
            hidden_by=actor,
            hidden_at=now,
        )
    )
    bump(session, key, now)
    return True


def show(session: Session, key: LayerKey, service_id: str, now: datetime) -> bool:
    row = session.exec(
        select(SupportHidden).where(
            *_where(SupportHidden, key), SupportHidden.service_id == service_id
        )
    ).first()
    if row is None:
        return False
    session.delete(row)
    bump(session, key, now)
    return True


# --- the operator log -----------------------------------------------------------------------------


def log(
    session: Session,
    now: datetime,
    actor: str,
    action: str,
    key: LayerKey,
    summary: str,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        OperatorLogEntry(
            at=now,
            actor=actor[:64],
            action=action[:40],
            layer=label(key)[:82],
            summary=summary,
            details=details or {},
        )
    )


def operator_log(
    session: Session, limit: int = 50, key: LayerKey | None = None
) -> list[OperatorLogEntry]:
    """Newest first; with `key`, only the operator's changes to that layer (entries claimed
    into a community's own, which that community's administrators are shown)."""
    query = select(OperatorLogEntry)
    if key is not None:
        query = query.where(OperatorLogEntry.layer == label(key))
    query = query.order_by(OperatorLogEntry.id.desc()).limit(limit)  # type: ignore[union-attr]
    return list(session.exec(query).all())
