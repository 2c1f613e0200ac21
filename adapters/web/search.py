"""Search filters shared by the cases and audit pages: member, moderator, action, a date range
read in the community's time zone, free text, and the page number. Every value is bounded, and
a date that does not parse is reported next to its field instead of being ignored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import func
from sqlmodel import Session, select

from bot.kernel.store import Store

PAGE_SIZE = 50
CSV_LIMIT = 10_000
_MENTION = re.compile(r"^<@[!&]?(\w{1,64})>$")


@dataclass
class Filters:
    member: str = ""
    moderator: str = ""
    action: str = ""
    since: str = ""  # YYYY-MM-DD, as typed
    until: str = ""
    text: str = ""
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)
    start: datetime | None = None  # UTC bounds made from since/until in the community's zone
    end: datetime | None = None

    def query(self, page: int | None = None) -> str:
        """The filters as a query string (for the CSV link and the pager)."""
        values = {
            k: getattr(self, k)
            for k in ("member", "moderator", "action", "since", "until", "text")
            if getattr(self, k)
        }
        if page is not None and page > 1:
            values["page"] = str(page)
        return urlencode(values)

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE


def _id(text: str) -> str:
    """A member id typed as is, or pasted as a mention (`<@123>`, `<@U123>`)."""
    text = text.strip()[:80]
    m = _MENTION.match(text)
    return (m.group(1) if m else text.lstrip("@"))[:64]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse(request: web.Request, zone: str) -> Filters:
    q = request.query
    page = q.get("page", "1")
    f = Filters(
        member=_id(q.get("member", "")),
        moderator=_id(q.get("moderator", "")),
        action=q.get("action", "").strip().lower()[:24],
        since=q.get("since", "").strip()[:10],
        until=q.get("until", "").strip()[:10],
        text=q.get("text", "").strip()[:100],
        page=min(int(page), 10_000) if page.isdigit() and int(page) > 0 else 1,
    )
    tz = ZoneInfo(zone)
    for name in ("since", "until"):
        raw = getattr(f, name)
        if not raw:
            continue
        day = _day(raw)
        if day is None:
            f.errors[name] = "Use a date like 2026-03-01."
            continue
        local = datetime.combine(day, time.min, tz)
        if name == "since":
            f.start = local.astimezone(ZoneInfo("UTC"))
        else:  # the whole day counts
            f.end = (local + timedelta(days=1)).astimezone(ZoneInfo("UTC"))
    if f.start and f.end and f.start >= f.end:
        f.errors["until"] = "The end date is before the start date."
    return f


def like(text: str) -> str:
    """A LIKE pattern that finds `text` as typed (its own % and _ match only themselves)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def pager(f: Filters, total: int) -> dict[str, Any]:
    pages = max(1, -(-total // PAGE_SIZE))
    return {
        "page": f.page,
        "pages": pages,
        "total": total,
        "prev": f.query(f.page - 1) if f.page > 1 else None,
        "next": f.query(f.page + 1) if f.page < pages else None,
    }


def page_of(
    store: Store, model: Any, where: list[Any], order: Any, limit: int, offset: int = 0
) -> tuple[list[Any], int]:
    """One page of `model` rows matching `where` in `order`, and how many match in all."""
    with Session(store.engine) as s:
        total = s.exec(select(func.count()).select_from(model).where(*where)).one()
        rows = s.exec(select(model).where(*where).order_by(order).offset(offset).limit(limit))
        return list(rows.all()), int(total)
