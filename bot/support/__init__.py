"""Local support: the directory, members' places and languages, searches and helplines."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from sqlmodel import Session, select

from bot.kernel import i18n
from bot.kernel.commands import Choice, CommandError, Opt
from bot.kernel.message import Field, Message, Select, SelectOption, escape
from bot.kernel.personal import PersonalData, Subject
from bot.support import directory, gazetteer, helplines, layers, operator, places
from bot.support.feature import config, feature
from bot.support.models import (
    MemberPlace,
    SupportOrganization,
    SupportService,
    SupportSuggestion,
)

if TYPE_CHECKING:
    from bot.kernel.context import Context


__all__ = ["MemberPlace", "SupportOrganization", "SupportService"]


TOPIC_CHOICES = tuple(Choice(label[:100], code) for code, label in directory.TOPICS.items())


def view(ctx: Context) -> directory.View:
    """What this community's members see: its own entries, then the operator's and the
    shipped ones (minus those its administrators hid)."""
    return directory.view(ctx.app, ctx.session, layers.of(ctx))


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
    return (place.country if place else None) or config.of(ctx.app).default_country


def _country(ctx: Context, country: str | None) -> str | None:
    if not country:
        return None
    code = places.country_code(country)
    if code is None:
        raise CommandError(ctx.t("support.error.country", value=escape(country, 40)), "country")
    return code


def resolve_city(
    ctx: Context, city: str, country: str | None, then: tuple[str, ...] = ("location",)
) -> gazetteer.City | None:
    """The one city meant, or None after offering the choices as a select (`then` says what
    to do with the choice: save it, or run a search with these arguments)."""
    found = places.cities(city, _country(ctx, country))
    if not found:
        raise CommandError(ctx.t("support.error.no_city", city=escape(city, 60)), "city")
    chosen = places.most_likely(found, member_country(ctx))
    if chosen is not None:
        return chosen
    by_country = sorted(
        {c.country: c for c in reversed(found)}.values(), key=lambda c: (-c.population, c.id)
    )
    options = tuple(
        SelectOption(f"{c.name}, {places.country_name(c.country)}"[:100], str(c.id), c.country)
        for c in by_country[:25]
    )
    ctx.reply(
        Message(
            text=ctx.t("support.error.ambiguous", city=escape(city, 60)),
            rows=((Select(":".join(("support-city", *then))[:100], options),),),
        ),
        private=True,
    )
    return None


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


Country = Annotated[
    str | None,
    Opt("Country, if the city name is shared (GB, Canada...)", min_length=2, max_length=60),
]


def _save_city(ctx: Context, found: gazetteer.City) -> None:
    place = saved_place(ctx) or MemberPlace(
        platform=ctx.community.platform,
        community_id=ctx.community.community_id,
        user_id=ctx.actor_id,
        updated_at=ctx.now,
    )
    place.city_id, place.city, place.country = found.id, found.name, found.country
    place.updated_at = ctx.now
    ctx.session.add(place)
    ctx.reply(ctx.t("support.location.saved", city=found.label), private=True)


def _find(
    ctx: Context,
    topic: str,
    city: gazetteer.City | None,
    langs: tuple[str, ...],
    flags: str,
    country: str | None,
) -> None:
    """Search and answer privately; `flags`: o online only, f free only, n open now."""
    place = saved_place(ctx)
    if city is None and place is not None and place.city_id is not None:
        city = gazetteer.by_id(place.city_id)
    query = directory.Query(
        topic=topic,
        lat=city.latitude if city else None,
        lon=city.longitude if city else None,
        country=city.country if city else (country or member_country(ctx)),
        languages=langs or tuple(place.languages if place else ()) or (ctx.locale,),
        online_only="o" in flags,
        free_only="f" in flags,
        open_at=ctx.now if "n" in flags else None,
        limit=3,
    )
    matches = view(ctx).search(query)
    if city is not None and not query.online_only and all(m.distance_km is None for m in matches):
        nearest = view(ctx).nearest(replace(query, limit=2))
        if nearest:
            _nothing_near(ctx, query, city, nearest, matches)
            return
    if not matches:
        lines = helplines.for_country(query.country)[1][:2]
        ctx.reply(
            Message(
                text=ctx.t("support.find.none"),
                fields=helplines.as_fields(lines, vouch=lambda line: line_vouch(ctx, line)),
            ),
            private=True,
        )
        return
    ctx.reply(
        Message(
            title=ctx.t("support.find.title"),
            fields=tuple(_result(ctx, m) for m in matches),
            footer=ctx.t("support.find.footer"),
        ),
        private=True,
    )


# The helpline topics (content/helplines/) that answer a search's topic when nothing is near.
LINES_FOR = {
    "crisis": ("crisis", "suicide"),
    "domestic-abuse": ("abuse", "domestic-abuse"),
    "immigration-legal": ("immigrant",),
}


def _nothing_near(
    ctx: Context,
    query: directory.Query,
    city: gazetteer.City,
    nearest: list[directory.Match],
    online: list[directory.Match],
) -> None:
    """Nothing within reach of the member's city: say so plainly, then list the nearest places
    that offer it (with how far they are), what serves the whole country or reaches anywhere,
    and the country's helplines."""
    topics = LINES_FOR.get(query.topic or "", ())
    lines = helplines.for_country(query.country, topics)[1][:2]
    fields = (
        *(_result(ctx, m, far=True) for m in nearest),
        *(_result(ctx, m) for m in online),
        *helplines.as_fields(lines, vouch=lambda line: line_vouch(ctx, line)),
    )
    ctx.reply(
        Message(
            title=ctx.t("support.find.title"),
            text=ctx.t("support.find.nothing_near", city=escape(city.name), km=directory.NEAR_KM),
            fields=fields,
            footer=ctx.t("support.find.footer"),
        ),
        private=True,
    )


def _place_name(ctx: Context, s: SupportService) -> str:
    """Where a service's place is: its address's city, else the city its service area names,
    else its country."""
    for loc in s.locations:
        if loc.get("city"):
            return str(loc["city"])
    for area in (s.extra or {}).get("service_areas", []):
        name = str(area.get("name") or "")
        if len(name) > 2:
            return name
    served = sorted(directory.countries(s))
    return places.country_name(served[0], ctx.locale) if served else "?"


def _result(ctx: Context, m: directory.Match, *, far: bool = False) -> Field:
    """One match; `far`: a place beyond reach, shown with its city."""
    s = m.service
    reasons = ["nearest", *m.reasons[1:]] if far else m.reasons  # not "close to you"
    why = i18n.join((ctx.t(f"support.why.{r}") for r in reasons), ctx.locale)
    where = f"{m.distance_km:.0f} km" if m.distance_km is not None else ctx.t("support.online")
    if far:
        where = ctx.t("support.find.far", km=f"{m.distance_km or 0:.0f}", place=_place_name(ctx, s))
    contact = " · ".join(str(p.get("number", "")).strip('"') for p in directory.phones(s)[:1])
    value = (
        ctx.t(
            "support.find.line",
            where=where,
            languages=i18n.language_names(directory.language_tags(s), ctx.locale),
            fees=escape(s.fees_description or ""),
            why=why,
        )
        + (f"\n{escape(contact)}" if contact else "")
        + (f"\n{s.url}" if s.url else "")
        + f"\n{vouch(ctx, s)}"
    )
    return Field(escape(s.name, 200), value)


# --- who vouches for an entry ------------------------------------------------------------------


def _vouch_text(ctx: Context, origin: str, checked: date | None, added: date | None) -> str:
    """Who vouches for an entry and, for shipped and operator entries, when it was last
    checked; marked when that was over a year ago."""
    if origin == "community":
        text = ctx.t("support.vouch.community")
        return f"{text} · {i18n.day(added, ctx.locale)}" if added else text
    if origin == "shipped" and checked is not None:
        text = ctx.t("support.vouch.shipped", date=i18n.day(checked, ctx.locale))
    elif checked is not None:
        text = ctx.t("support.vouch.operator", date=i18n.day(checked, ctx.locale))
    else:
        text = ctx.t("support.vouch.operator_undated")
    if layers.is_stale(checked, ctx.now.date()):
        text += " · ⚠ " + ctx.t("support.vouch.stale")
    return text


def vouch(ctx: Context, service: SupportService) -> str:
    added = service.added_at or service.updated_at
    return _vouch_text(
        ctx, layers.origin(service), layers.checked_on(service), added.date() if added else None
    )


def line_vouch(ctx: Context, line: dict[str, Any]) -> str:
    """A shipped helpline (content/helplines/): its own check date."""
    return _vouch_text(ctx, "shipped", layers.as_date(line.get("checked_on")), None)


HELPLINE_TOPICS = frozenset({"crisis", "domestic-abuse"})


def own_helplines(ctx: Context, country: str | None) -> list[SupportService]:
    """This community's own crisis and abuse lines for the country (or for anywhere)."""
    own = view(ctx).own()
    if own is None:
        return []
    found = []
    for s in own.cache:
        served = directory.countries(s)
        if s.status != "active" or not HELPLINE_TOPICS & set(s.topics):
            continue
        if not served or (country is not None and country.upper() in served):
            found.append(s)
    return found[:3]


def _own_line(ctx: Context, s: SupportService) -> Field:
    numbers = [str(p.get("number", "")).strip('"') for p in directory.phones(s)[:2]]
    contact = " · ".join(escape(n) for n in numbers if n)
    parts = [contact, escape(s.url or ""), vouch(ctx, s)]
    return Field(escape(s.name, 200), "\n".join(p for p in parts if p))


feature.group("support", "Find local support and helplines")


@feature.command("support topics", "What kinds of support you can search for")
async def topics(ctx: Context) -> None:
    lines = [f"`{code}` · {label}" for code, label in directory.TOPICS.items()]
    ctx.reply(Message(title=ctx.t("support.topics.title"), text="\n".join(lines)))


@feature.command(
    "support location", "Save your city (only coarse, only if you want) to find help nearby"
)
async def location(
    ctx: Context, city: Annotated[str, Opt("City", max_length=80)], country: Country = None
) -> None:
    found = resolve_city(ctx, city, country)
    if found is not None:
        _save_city(ctx, found)


@feature.command("support languages", "The languages you'd like support in")
async def languages(
    ctx: Context, languages: Annotated[str, Opt("e.g. es, ja, pt-BR", max_length=80)]
) -> None:
    tags = _languages(ctx, languages)
    place = saved_place(ctx) or MemberPlace(
        platform=ctx.community.platform,
        community_id=ctx.community.community_id,
        user_id=ctx.actor_id,
        updated_at=ctx.now,
    )
    place.languages, place.updated_at = tags, ctx.now
    ctx.session.add(place)
    ctx.reply(ctx.t("support.languages.saved", languages=i18n.language_names(tags, ctx.locale)))


@feature.command("support forget", "Clear your saved city and languages")
async def forget(ctx: Context) -> None:
    place = saved_place(ctx)
    if place is not None:
        ctx.session.delete(place)
    ctx.reply(ctx.t("support.forgotten"))


@feature.command(
    "support find", "Find support near you, in your language (only you see the answer)"
)
async def find(
    ctx: Context,
    topic: Annotated[str, Opt("What kind of support", choices=TOPIC_CHOICES)],
    city: Annotated[
        str | None,
        Opt("Near this city, e.g. Madrid or Madrid, ES (default: your saved city)", max_length=80),
    ] = None,
    language: Annotated[str | None, Opt("In this language (default: yours)", max_length=40)] = None,
    country: Country = None,
    online: Annotated[bool | None, Opt("Online only")] = None,
    free: Annotated[bool | None, Opt("Free only")] = None,
    open_now: Annotated[bool | None, Opt("Open right now")] = None,
) -> None:
    langs = _languages(ctx, language) if language else []
    flags = "".join(f for f, on in (("o", online), ("f", free), ("n", open_now)) if on)
    found = None
    if city:
        then = ("find", topic, ",".join(langs), flags)
        found = resolve_city(ctx, city, country, then)
        if found is None:
            return  # the member picks the city from the choices offered
    _find(ctx, topic, found, tuple(langs), flags, _country(ctx, country))


@feature.component("support-city")
async def city_chosen(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    """A city picked from the choices: save it, or run the search it was picked for."""
    found = gazetteer.by_id(int(values[0])) if values and values[0].isdigit() else None
    if found is None:
        raise CommandError(ctx.t("core.error.stale_button"))
    if args[:1] == ["find"]:
        topic, langs, flags = ([*args[1:], "", "", ""])[:3]
        _find(ctx, topic, found, tuple(x for x in langs.split(",") if x), flags, None)
    else:
        _save_city(ctx, found)


@feature.command(
    "support helplines", "Crisis and abuse helplines for a country (only you see this)"
)
async def lines(
    ctx: Context,
    country: Annotated[
        str | None, Opt("Country code or name, e.g. ES, Japan", min_length=2, max_length=60)
    ] = None,
) -> None:
    wanted = _country(ctx, country) or member_country(ctx)
    used, found = helplines.for_country(wanted)
    title = (
        ctx.t("support.helplines.title", country=used)
        if used != helplines.FALLBACK
        else ctx.t("support.helplines.fallback")
    )
    shipped = helplines.as_fields(found, vouch=lambda line: line_vouch(ctx, line))
    own = tuple(_own_line(ctx, s) for s in own_helplines(ctx, wanted))
    ctx.reply(
        Message(
            title=title,
            fields=shipped + own,
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


def _suggestions(session: Session, who: Subject) -> list[SupportSuggestion]:
    query = select(SupportSuggestion).where(
        *SupportSuggestion.scope(who), SupportSuggestion.user_id == who.user_id
    )
    return list(session.exec(query))


def _export(session: Session, who: Subject) -> list[dict[str, Any]]:
    places_ = [
        {"type": "saved_place", "city": p.city, "country": p.country, "languages": p.languages}
        for p in _rows(session, who)
    ]
    suggested = [
        {
            "type": "suggestion",
            "name": s.name,
            "place": s.place,
            "link": s.url,
            "topic": s.topic,
            "status": s.status,
            "at": s.created_at.isoformat(),
        }
        for s in _suggestions(session, who)
    ]
    return places_ + suggested


def _erase(session: Session, who: Subject) -> int:
    """The member's saved place and suggestions (an entry made from one stays: it is the
    community's, and names nobody)."""
    rows: list[Any] = [*_rows(session, who), *_suggestions(session, who)]
    for r in rows:
        session.delete(r)
    return len(rows)


feature.command_line(operator.register_cli)

feature.personal_data(PersonalData("support", _export, _erase))


@feature.warm_up
def build_the_gazetteer(app: object) -> None:
    """The gazetteer takes over a second to build: before serving, not at the first search."""
    gazetteer.lookup("warm-up")
