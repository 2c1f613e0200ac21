"""A community's own entries, edited one at a time (the dashboard's edit form): the fields a
moderator is likely to correct, checked as an import would check them. Anything else changes
by importing the entry again (an export of it re-imports to the same row)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from bot.support import directory, layers, places
from bot.support.hsds import rules
from bot.support.layers import LayerKey
from bot.support.models import SupportOrganization, SupportService

STATUSES = ("active", "inactive")


@dataclass
class Form:
    """The edit form's values, as text."""

    name: str = ""
    description: str = ""
    url: str = ""
    phone: str = ""
    topics: list[str] = field(default_factory=list)
    countries: str = ""
    languages: str = ""
    status: str = "active"

    @classmethod
    def of(cls, s: SupportService) -> Form:
        number = next((str(p.get("number", "")) for p in s.phones), "")
        areas = [a.get("extent") or a.get("name") or "" for a in _areas(s)]
        return cls(
            name=s.name,
            description=s.description or "",
            url=s.url or "",
            phone=number,
            topics=list(s.topics),
            countries=", ".join(a for a in areas if a),
            languages=", ".join(directory.language_tags(s)),
            status=s.status if s.status in STATUSES else "inactive",
        )


def _areas(s: SupportService) -> list[dict[str, Any]]:
    return list((s.extra or {}).get("service_areas", []))


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


def apply(s: SupportService, form: Form, now: datetime) -> dict[str, str]:
    """Check the form; when nothing is wrong, change the entry. Returns problems by field."""
    errors: dict[str, str] = {}
    name = " ".join(form.name.split())
    if not name:
        errors["name"] = "An entry needs a name."
    elif len(name) > 200:
        errors["name"] = "At most 200 characters."
    url = form.url.strip()
    if url and (not url.startswith(("https://", "http://")) or len(url) > 300 or " " in url):
        errors["url"] = "A web address starting with https:// (at most 300 characters)."
    countries: list[str] = []
    for part in _split(form.countries):
        code = places.country_code(part)
        if code is None:
            errors["countries"] = f"'{part[:40]}' is not a country (use codes such as US, ES)."
            break
        countries.append(code)
    tags: list[str] = []
    for part in _split(form.languages):
        tag = rules.language_tag(part, None) or rules.language_tag(None, part)
        if tag is None:
            errors["languages"] = f"'{part[:40]}' is not a language (use codes such as es, ja)."
            break
        tags.append(tag)
    number = form.phone.strip()
    if number:
        why = rules.phone_problem(number, countries[0] if len(countries) == 1 else None)
        if why:
            errors["phone"] = f"{why}."
    topics = [t for t in form.topics if t in directory.TOPICS]
    if form.status not in STATUSES:
        errors["status"] = "Active or inactive."
    if errors:
        return errors
    s.name, s.description, s.url = name, form.description.strip() or None, url or None
    s.topics = list(dict.fromkeys(topics))
    s.status = form.status
    s.phones = _phones(s.phones, number)
    s.languages = _languages(s.languages, tags)
    extra = dict(s.extra or {})
    areas = _service_areas(_areas(s), countries)
    if areas:
        extra["service_areas"] = areas
    else:
        extra.pop("service_areas", None)
    s.extra = extra
    s.updated_at = now
    return {}


def _new_id() -> str:
    return str(uuid.uuid4())


def _phones(old: list[Any], number: str) -> list[Any]:
    rest = list(old[1:])
    if not number:
        return rest
    first = dict(old[0]) if old else {"id": _new_id(), "type": "voice"}
    first["number"] = number
    return [first, *rest]


def _languages(old: list[Any], tags: list[str]) -> list[Any]:
    by_tag = {x.get("tag"): x for x in old if isinstance(x, dict)}
    return [by_tag.get(t) or {"id": _new_id(), "code": t, "tag": t} for t in tags]


def _service_areas(old: list[dict[str, Any]], codes: list[str]) -> list[dict[str, Any]]:
    by_code = {str(a.get("extent") or a.get("name") or "").upper(): a for a in old}
    return [
        by_code.get(c)
        or {"id": _new_id(), "name": c, "extent": c, "extent_type": "iso3166-1-alpha-2"}
        for c in dict.fromkeys(codes)
    ]


def save(session: Session, key: LayerKey, s: SupportService, now: datetime) -> None:
    session.add(s)
    layers.bump(session, key, now)


def remove(session: Session, key: LayerKey, service_id: str, now: datetime) -> bool:
    """Delete one of a community's own entries (and its organization, when no other entry of
    the layer names it). False when the layer has no such entry."""
    found = layers.find(session, key, service_id)
    if found is None or not layers.is_community(key):
        return False
    org = found.organization_id
    session.delete(found)
    session.flush()
    still = session.exec(
        select(SupportService.id).where(
            SupportService.platform == key[0],
            SupportService.community_id == key[1],
            SupportService.organization_id == org,
        )
    ).first()
    if still is None:
        table = SupportOrganization.__table__  # type: ignore[attr-defined]
        session.execute(
            delete(table).where(
                table.c.platform == key[0], table.c.community_id == key[1], table.c.id == org
            )
        )
    layers.bump(session, key, now)
    return True
