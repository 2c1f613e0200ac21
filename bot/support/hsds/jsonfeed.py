"""HSDS 3 JSON: one file or a folder of files, each a service, an organization with its
services, a service_at_location, a list of any of these, or an API page (`contents`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.support.hsds import schemas, tabular
from bot.support.hsds.mapping import Feed
from bot.support.hsds.problems import Problem, Where


def read(path: Path) -> Feed:
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    files = [f for f in files if f.name != "datapackage.json"]
    feed = Feed(str(path), "3.0")
    for file in files:
        try:
            doc = json.loads(file.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            feed.problems.append(Problem(file.name, "/", "(file)", "", f"not JSON: {exc}"))
            continue
        if isinstance(doc, dict) and any(str(k).endswith(".csv") for k in doc):
            _tabular_json(doc, file.name, feed)  # the tabular form written as JSON
            continue
        for pointer, item in _items(doc):
            _add(item, Where(file.name, pointer), feed)
    return feed


def _items(doc: Any) -> list[tuple[str, Any]]:
    if isinstance(doc, dict) and isinstance(doc.get("contents"), list):
        return [(f"/contents/{i}", x) for i, x in enumerate(doc["contents"])]
    if isinstance(doc, list):
        return [(f"/{i}", x) for i, x in enumerate(doc)]
    return [("/", doc)]


def kind_of(item: dict[str, Any]) -> str:
    """What an HSDS 3 object is, from the fields only that object has."""
    if "service" in item and ("location" in item or "service_id" in item):
        return "service_at_location"
    if "status" in item:
        return "service"
    if "location_type" in item or "latitude" in item:
        return "location"
    if "organization" in item or "organization_id" in item:
        return "service"  # one missing its status, which the schema then asks for
    if "openapi_url" in item or "profile" in item:
        return "api"
    if "taxonomy_detail" in item or "term_uri" in item or "code" in item:
        return "taxonomy_term"
    if "version" in item and "uri" in item and "name" in item:
        return "taxonomy"
    return "organization"


def _add(item: Any, w: Where, feed: Feed) -> None:
    if not isinstance(item, dict):
        feed.problems.append(w.at("(object)", "", "not an HSDS object"))
        return
    _timezones(item)
    kind = kind_of(item)
    if kind == "api":
        return  # an API's root document describes the API, it holds no services
    feed.problems.extend(schemas.check(item, kind, w))
    if kind == "service":
        feed.services.append({**item, "_where": w})
    elif kind == "organization":
        org = {k: v for k, v in item.items() if k != "services"}
        feed.organizations[str(item.get("id"))] = {**org, "_where": w}
        for i, svc in enumerate(item.get("services") or []):
            sw = w.child(f"services/{i}")
            feed.problems.extend(schemas.check(svc, "service", sw))
            feed.services.append({**svc, "organization_id": item.get("id"), "_where": sw})
    elif kind == "service_at_location":
        svc = item.get("service") or {}
        sal = {k: v for k, v in item.items() if k != "service"}
        feed.problems.extend(schemas.check(svc, "service", w.child("service")))
        sal_where = {**sal, "_where": w}
        feed.services.append(
            {**svc, "service_at_locations": [sal_where], "_where": w.child("service")}
        )
    elif kind == "location":
        feed.locations.append({"location": item, "_where": w})


def _timezones(obj: Any) -> None:
    """A schedule's `timezone` written as an IANA name ("Europe/Madrid") is read as the zone."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "schedules" and isinstance(value, list):
                for sched in value:
                    if isinstance(sched, dict) and isinstance(sched.get("timezone"), str):
                        sched["timezone_name"] = sched.pop("timezone")
            _timezones(value)
    elif isinstance(obj, list):
        for value in obj:
            _timezones(value)


def _tabular_json(doc: dict[str, Any], name: str, feed: Feed) -> None:
    tables = {k: v for k, v in doc.items() if k in tabular.READ["3.0"] and isinstance(v, list)}
    got = tabular.assemble(name, "3.0", tables, lambda table, i: Where(name, f"/{table}/{i}"))
    feed.problems += got.problems
    feed.organizations.update(got.organizations)
    feed.services += got.services
