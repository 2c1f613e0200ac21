"""`/support suggest`: a member tells the moderators of a service that is missing (its name,
place and link); the card in the moderator queue turns it into one of the community's own
directory entries with one click by an administrator, or dismisses it."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

from bot.kernel import i18n
from bot.kernel.commands import Choice, CommandError, Opt, Permission
from bot.kernel.message import Button, Field, Message, escape, mention
from bot.moderation import queue
from bot.moderation import service as moderation
from bot.support import directory, entries, gazetteer, layers, member_country, places
from bot.support.feature import feature
from bot.support.models import SupportOrganization, SupportService, SupportSuggestion

if TYPE_CHECKING:
    from bot.kernel.context import Context
    from bot.kernel.store.models import Community

TOPICS = tuple(Choice(label[:100], code) for code, label in directory.TOPICS.items())
BUTTON = "support-suggestion"


def _place(ctx: Context, text: str) -> tuple[gazetteer.City | None, str]:
    """(the city, its country) for what the member typed; a country alone for a national
    service. A name shared by several places must name its country."""
    code = places.country_code(text)
    if code is not None:
        return None, code
    found = places.cities(text, None)
    if not found:
        raise CommandError(ctx.t("support.suggest.no_place", place=escape(text, 60)), "place")
    city = places.most_likely(found, member_country(ctx))
    if city is None:
        raise CommandError(ctx.t("support.suggest.ambiguous", place=escape(text, 60)), "place")
    return city, city.country


def _link(ctx: Context, text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    url = text.strip()
    if not url.startswith(("https://", "http://")) or " " in url or "." not in url:
        raise CommandError(ctx.t("support.suggest.bad_link", link=escape(url, 60)), "link")
    return url


@feature.command("support suggest", "Tell the moderators about a service that is missing")
async def suggest(
    ctx: Context,
    name: Annotated[str, Opt("The service's name", min_length=2, max_length=200)],
    place: Annotated[
        str,
        Opt(
            "Its city (Madrid, or Madrid, ES), or its country for a national service", max_length=80
        ),
    ],
    link: Annotated[str | None, Opt("Its web page (https://...)", max_length=300)] = None,
    topic: Annotated[str | None, Opt("What kind of support", choices=TOPICS)] = None,
) -> None:
    city, country = _place(ctx, place)
    row = SupportSuggestion(
        platform=ctx.community.platform,
        community_id=ctx.community.community_id,
        user_id=ctx.actor_id,
        name=" ".join(name.split())[:200],
        place=city.label if city else country,
        city_id=city.id if city else None,
        country=country,
        url=_link(ctx, link),
        topic=topic,
        created_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    queue.post(ctx, card(ctx.community, row), kind="support.suggestion")
    ctx.reply(ctx.t("support.suggest.thanks", name=escape(row.name, 100)), private=True)


def _where_text(row: SupportSuggestion, language: str) -> str:
    country = places.country_name(row.country, language)
    return f"{row.place.split(',')[0]}, {country}" if row.city_id else country


def card(community: Community, row: SupportSuggestion) -> Message:
    """The moderators' card, in the community's language; buttons while it is open."""
    lang = community.language

    def t(key: str, **values: object) -> str:
        return i18n.t(key, lang, **values)

    fields = [
        Field(t("support.suggest.card_name"), escape(row.name, 200), inline=True),
        Field(t("support.suggest.card_place"), escape(_where_text(row, lang)), inline=True),
    ]
    if row.url:
        fields.append(Field(t("support.suggest.card_link"), escape(row.url)))
    if row.topic:
        fields.append(
            Field(t("support.suggest.card_topic"), directory.TOPICS.get(row.topic, row.topic))
        )
    fields.append(Field(t("support.suggest.card_by"), mention(row.user_id), inline=True))
    if row.status != "open":
        who = mention(row.decided_by or "")
        fields.append(
            Field(t("support.suggest.card_status"), t(f"support.suggest.{row.status}", who=who))
        )
    buttons = (
        Button(t("support.suggest.add"), f"{BUTTON}:add:{row.id}", "success"),
        Button(t("support.suggest.dismiss"), f"{BUTTON}:dismiss:{row.id}"),
    )
    return Message(
        title=t("support.suggest.card_title"),
        text=t("support.suggest.card_text"),
        fields=tuple(fields),
        rows=(buttons,) if row.status == "open" else (),
    )


def _open_row(ctx: Context, args: list[str]) -> SupportSuggestion:
    ident = args[1] if len(args) > 1 else ""
    row = ctx.session.get(SupportSuggestion, int(ident)) if ident.isdigit() else None
    if row is None or (row.platform, row.community_id) != layers.of(ctx):
        raise CommandError(ctx.t("core.error.stale_button"))
    if row.status != "open":
        raise CommandError(ctx.t("support.suggest.already", name=escape(row.name, 100)))
    return row


def _location(row: SupportSuggestion, city: gazetteer.City) -> dict[str, Any]:
    """A place at the city (its coordinates), shaped as an imported HSDS location."""
    return {
        "id": str(uuid.uuid4()),
        "name": row.name,
        "location_type": "physical",
        "addresses": [],
        "languages": [],
        "phones": [],
        "schedules": [],
        "sal": {"id": str(uuid.uuid4()), "phones": [], "schedules": []},
        "city": city.name,
        "country": city.country,
        "lat": city.latitude,
        "lon": city.longitude,
        "approx": True,
    }


def _area(name: str, country: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "extent": country,
        "extent_type": "iso3166-1-alpha-2",
    }


def _entry(ctx: Context, row: SupportSuggestion) -> SupportService:
    """The community's own entry for the suggestion, with its organization."""
    key = layers.of(ctx)
    city = gazetteer.by_id(row.city_id) if row.city_id else None
    org = SupportOrganization(
        platform=key[0], community_id=key[1], id=str(uuid.uuid4()), name=row.name
    )
    area = city.name if city else row.country
    service = SupportService(
        platform=key[0],
        community_id=key[1],
        id=str(uuid.uuid4()),
        organization_id=org.id,
        name=row.name,
        url=row.url,
        topics=[row.topic] if row.topic else [],
        delivery="in_person" if city else "online",
        locations=[_location(row, city)] if city else [],
        extra={"service_areas": [_area(area, row.country)]},
        added_by=ctx.actor_id,
        added_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(org)
    entries.save(ctx.session, key, service, ctx.now)
    return service


@feature.component(BUTTON, Permission.ADMIN)
async def decide(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    """Add: the suggestion becomes an entry of the community's own directory (edit it on the
    dashboard). Dismiss: it is closed. The card is updated either way."""
    action = args[0] if args else ""
    if action not in ("add", "dismiss"):
        raise CommandError(ctx.t("core.error.stale_button"))
    row = _open_row(ctx, args)
    row.status = "added" if action == "add" else "dismissed"
    row.decided_by, row.decided_at = ctx.actor_id, ctx.now
    if action == "add":
        service = _entry(ctx, row)
        row.service_id = service.id
        reason = f"{row.name} (suggested by a member)"
        moderation.audit(
            ctx, "directory suggestion", actor=ctx.actor_id, target=service.id, reason=reason
        )
    ctx.session.add(row)
    message_id = getattr(ctx.event, "message_id", None)
    if not (message_id and queue.edit(ctx, message_id, card(ctx.community, row))):
        queue.post(ctx, card(ctx.community, row), kind="support.suggestion")
    ctx.reply(ctx.t(f"support.suggest.done_{row.status}", name=escape(row.name, 100)))
