"""Local support: the directory, members' places and languages, searches and helplines."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from bot import i18n, l10n
from bot.commands import Choice, CommandError, Option, OptionType
from bot.feature import Feature
from bot.message import Field, Message, escape
from bot.privacy.contract import PersonalData, Subject
from bot.support import directory, gazetteer, helplines
from bot.support.models import MemberPlace, SupportOrganization, SupportService

if TYPE_CHECKING:
    from bot.context import Context

feature = Feature("support")

__all__ = ["MemberPlace", "SupportOrganization", "SupportService"]

TOPIC_CHOICES = tuple(Choice(label[:100], code) for code, label in directory.TOPICS.items())


def index(ctx: Context) -> directory.Index:
    cached = ctx.app.cache.get("support.index")
    if cached is None:
        with ctx.app.store.session() as s:
            cached = ctx.app.cache["support.index"] = directory.load_index(s)
        if not cached.cache:  # a new database: start from the sample directory
            with ctx.app.store.session() as s:
                directory.import_folder(s, directory.SAMPLE_DIR)
            with ctx.app.store.session() as s:
                cached = ctx.app.cache["support.index"] = directory.load_index(s)
    return cached  # type: ignore[no-any-return]


def saved_place(ctx: Context, user_id: str | None = None) -> MemberPlace | None:
    c = ctx.community
    return ctx.session.exec(
        select(MemberPlace).where(
            *MemberPlace.scope(c),
            MemberPlace.user_id == (user_id or ctx.actor_id),
        )
    ).first()


def member_country(ctx: Context, user_id: str | None = None) -> str | None:
    place = saved_place(ctx, user_id)
    return (place.country if place else None) or ctx.app.settings.support.default_country


def resolve_city(ctx: Context, city: str, country: str | None) -> gazetteer.City:
    found = gazetteer.lookup(city, country)
    if not found:
        raise CommandError(ctx.t("support.error.no_city", city=escape(city, 60)), "city")
    countries = sorted({c.country for c in found})
    if len(countries) > 1 and not country:
        raise CommandError(
            ctx.t(
                "support.error.ambiguous",
                city=escape(city, 60),
                options=", ".join(f"{found[0].name} ({cc})" for cc in countries[:8]),
            ),
            "city",
        )
    return found[0]


def _languages(ctx: Context, text: str) -> list[str]:
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        tag = i18n.language_tag(part)
        if tag is None:
            raise CommandError(ctx.t("support.error.language", value=escape(part, 30)), "languages")
        out.append(tag)
    return out[:5]


feature.group("support", "Find local support and helplines")


@feature.command("support topics", "What kinds of support you can search for")
async def topics(ctx: Context) -> None:
    lines = [f"`{code}` · {label}" for code, label in directory.TOPICS.items()]
    ctx.reply(Message(title=ctx.t("support.topics.title"), text="\n".join(lines)))


@feature.command(
    "support location",
    "Save your city (only coarse, only if you want) to find help nearby",
    options=[
        Option("city", OptionType.STRING, "City", max_length=80),
        Option(
            "country",
            OptionType.STRING,
            "Country code if the name is shared (GB, CA...)",
            required=False,
            min_length=2,
            max_length=2,
        ),
    ],
)
async def location(ctx: Context, city: str, country: str | None = None) -> None:
    found = resolve_city(ctx, city, country)
    place = saved_place(ctx) or MemberPlace(
        platform=ctx.community.platform,
        community_id=ctx.community.community_id,
        user_id=ctx.actor_id,
        updated_at=ctx.now,
    )
    place.city_id, place.city, place.country, place.updated_at = (
        found.id,
        found.name,
        found.country,
        ctx.now,
    )
    ctx.session.add(place)
    ctx.reply(ctx.t("support.location.saved", city=found.label))


@feature.command(
    "support languages",
    "The languages you'd like support in",
    options=[Option("languages", OptionType.STRING, "e.g. es, ja, pt-BR", max_length=80)],
)
async def languages(ctx: Context, languages: str) -> None:
    tags = _languages(ctx, languages)
    place = saved_place(ctx) or MemberPlace(
        platform=ctx.community.platform,
        community_id=ctx.community.community_id,
        user_id=ctx.actor_id,
        updated_at=ctx.now,
    )
    place.languages, place.updated_at = tags, ctx.now
    ctx.session.add(place)
    ctx.reply(ctx.t("support.languages.saved", languages=l10n.language_names(tags, ctx.locale)))


@feature.command("support forget", "Clear your saved city and languages")
async def forget(ctx: Context) -> None:
    place = saved_place(ctx)
    if place is not None:
        ctx.session.delete(place)
    ctx.reply(ctx.t("support.forgotten"))


@feature.command(
    "support find",
    "Find support near you, in your language (only you see the answer)",
    options=[
        Option("topic", OptionType.CHOICE, "What kind of support", choices=TOPIC_CHOICES),
        Option(
            "city",
            OptionType.STRING,
            "Near this city (default: your saved city)",
            required=False,
            max_length=80,
        ),
        Option(
            "language",
            OptionType.STRING,
            "In this language (default: yours)",
            required=False,
            max_length=40,
        ),
        Option("online", OptionType.BOOL, "Online only", required=False),
        Option("free", OptionType.BOOL, "Free only", required=False),
        Option("open-now", OptionType.BOOL, "Open right now", required=False),
    ],
)
async def find(
    ctx: Context,
    topic: str,
    city: str | None = None,
    language: str | None = None,
    online: bool | None = None,
    free: bool | None = None,
    open_now: bool | None = None,
) -> None:
    place = saved_place(ctx)
    lat = lon = None
    country = None
    if city:
        found = resolve_city(ctx, city, None if "," not in city else city.split(",")[1].strip())
        lat, lon, country = found.latitude, found.longitude, found.country
    elif place is not None and place.city_id is not None:
        saved = gazetteer.by_id(place.city_id)
        if saved is not None:
            lat, lon, country = saved.latitude, saved.longitude, saved.country
    langs = (
        tuple(_languages(ctx, language))
        if language
        else tuple(place.languages if place else ()) or (ctx.locale,)
    )
    query = directory.Query(
        topic=topic,
        lat=lat,
        lon=lon,
        country=country,
        languages=langs,
        online_only=bool(online),
        free_only=bool(free),
        open_at=ctx.now if open_now else None,
        limit=3,
    )
    matches = index(ctx).search(query)
    if not matches:
        ctx.reply(
            Message(
                text=ctx.t("support.find.none"),
                fields=helplines.as_fields(helplines.for_country(country)[1][:2]),
            ),
            private=True,
        )
        return
    fields = []
    for m in matches:
        s = m.service
        why = l10n.join((ctx.t(f"support.why.{r}") for r in m.reasons), ctx.locale)
        where = f"{m.distance_km:.0f} km" if m.distance_km is not None else ctx.t("support.online")
        contact = " · ".join(p["number"] for p in s.phones[:1]) or ""
        value = (
            ctx.t(
                "support.find.line",
                where=where,
                languages=l10n.language_names(s.languages, ctx.locale),
                fees=escape(s.fees_description or ""),
                why=why,
            )
            + (f"\n{escape(contact)}" if contact else "")
            + (f"\n{s.url}" if s.url else "")
        )
        fields.append(Field(escape(s.name, 200), value))
    ctx.reply(
        Message(
            title=ctx.t("support.find.title"),
            fields=tuple(fields),
            footer=ctx.t("support.find.footer"),
        ),
        private=True,
    )


@feature.command(
    "support helplines",
    "Crisis and abuse helplines for a country (only you see this)",
    options=[
        Option(
            "country",
            OptionType.STRING,
            "Country code, e.g. ES, JP, US",
            required=False,
            min_length=2,
            max_length=2,
        )
    ],
)
async def lines(ctx: Context, country: str | None = None) -> None:
    used, found = helplines.for_country(country or member_country(ctx))
    title = (
        ctx.t("support.helplines.title", country=used)
        if used != helplines.FALLBACK
        else ctx.t("support.helplines.fallback")
    )
    ctx.reply(
        Message(
            title=title,
            fields=helplines.as_fields(found),
            footer=ctx.t("support.helplines.footer"),
        ),
        private=True,
    )


def _rows(session: Session, who: Subject) -> list[MemberPlace]:
    return list(
        session.exec(
            select(MemberPlace).where(
                *MemberPlace.scope(who),
                MemberPlace.user_id == who.user_id,
            )
        )
    )


def _export(session: Session, who: Subject) -> list[dict[str, Any]]:
    return [
        {"type": "saved_place", "city": p.city, "country": p.country, "languages": p.languages}
        for p in _rows(session, who)
    ]


def _erase(session: Session, who: Subject) -> int:
    rows = _rows(session, who)
    for r in rows:
        session.delete(r)
    return len(rows)


@feature.command_line
def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = sub.add_parser(
        "directory", help="the support directory (Open Referral HSDS CSV folders)"
    ).add_subparsers(dest="directory", required=True)
    imp = d.add_parser("import", help="replace the directory with an HSDS folder (all or nothing)")
    imp.add_argument("path")
    imp.set_defaults(handler=_import)
    exp = d.add_parser("export", help="write the directory as an HSDS folder")
    exp.add_argument("path")
    exp.set_defaults(handler=_export_cli)


def _import(args: argparse.Namespace, settings: Any) -> int:
    from bot.store import Store

    store = Store(settings.database_url)
    try:
        with store.session() as s:
            summary = directory.import_folder(s, Path(args.path))
    except directory.ImportFailed as exc:
        for line in exc.errors:
            print(f"error: {line}")
        print(f"nothing imported: {len(exc.errors)} problem(s)")
        return 1
    print(json.dumps({"imported": summary}))
    return 0


def _export_cli(args: argparse.Namespace, settings: Any) -> int:
    from bot.store import Store

    with Store(settings.database_url).session() as s:
        summary = directory.export_folder(s, Path(args.path))
    print(json.dumps({"exported": summary}))
    return 0


feature.personal_data(PersonalData("support", _export, _erase))
