"""Local support: the directory, members' places and languages, searches and helplines."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from bot import i18n, l10n
from bot.commands import Choice, CommandError, Option, OptionType
from bot.feature import Feature
from bot.message import Field, Message, Select, SelectOption, escape
from bot.privacy.contract import PersonalData, Subject
from bot.support import directory, gazetteer, helplines, hsds, layers, places
from bot.support.models import MemberPlace, SupportOrganization, SupportService

if TYPE_CHECKING:
    from bot.context import Context

feature = Feature("support")

__all__ = ["MemberPlace", "SupportOrganization", "SupportService"]

log = logging.getLogger(__name__)

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
    return (place.country if place else None) or ctx.app.settings.support.default_country


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
    by_country = list({c.country: c for c in reversed(found)}.values())[::-1]
    if len(by_country) == 1:
        return found[0]
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


COUNTRY_OPTION = Option(
    "country",
    OptionType.STRING,
    "Country, if the city name is shared (GB, Canada...)",
    required=False,
    min_length=2,
    max_length=60,
)


HELPLINE_COUNTRY = Option(
    "country",
    OptionType.STRING,
    "Country code or name, e.g. ES, Japan",
    required=False,
    min_length=2,
    max_length=60,
)
FIND_OPTIONS = (
    Option("topic", OptionType.CHOICE, "What kind of support", choices=TOPIC_CHOICES),
    Option(
        "city",
        OptionType.STRING,
        "Near this city, e.g. Madrid or Madrid, ES (default: your saved city)",
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
    COUNTRY_OPTION,
    Option("online", OptionType.BOOL, "Online only", required=False),
    Option("free", OptionType.BOOL, "Free only", required=False),
    Option("open-now", OptionType.BOOL, "Open right now", required=False),
)


async def _find_command(
    ctx: Context,
    topic: str,
    city: str | None = None,
    language: str | None = None,
    country: str | None = None,
    online: bool | None = None,
    free: bool | None = None,
    open_now: bool | None = None,
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


async def _city_chosen(ctx: Context, args: list[str], values: tuple[str, ...]) -> None:
    """A city picked from the choices: save it, or run the search it was picked for."""
    found = gazetteer.by_id(int(values[0])) if values and values[0].isdigit() else None
    if found is None:
        raise CommandError(ctx.t("core.error.stale_button"))
    if args[:1] == ["find"]:
        topic, langs, flags = ([*args[1:], "", "", ""])[:3]
        _find(ctx, topic, found, tuple(x for x in langs.split(",") if x), flags, None)
    else:
        _save_city(ctx, found)


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


def _result(ctx: Context, m: directory.Match) -> Field:
    s = m.service
    why = l10n.join((ctx.t(f"support.why.{r}") for r in m.reasons), ctx.locale)
    where = f"{m.distance_km:.0f} km" if m.distance_km is not None else ctx.t("support.online")
    contact = " · ".join(str(p.get("number", "")).strip('"') for p in directory.phones(s)[:1])
    value = (
        ctx.t(
            "support.find.line",
            where=where,
            languages=l10n.language_names(directory.language_tags(s), ctx.locale),
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
        return f"{text} · {l10n.day(added, ctx.locale)}" if added else text
    if origin == "shipped" and checked is not None:
        text = ctx.t("support.vouch.shipped", date=l10n.day(checked, ctx.locale))
    elif checked is not None:
        text = ctx.t("support.vouch.operator", date=l10n.day(checked, ctx.locale))
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
    return _vouch_text(ctx, "shipped", layers._date(line.get("checked_on")), None)


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
    "support location",
    "Save your city (only coarse, only if you want) to find help nearby",
    options=[
        Option("city", OptionType.STRING, "City", max_length=80),
        COUNTRY_OPTION,
    ],
)
async def location(ctx: Context, city: str, country: str | None = None) -> None:
    found = resolve_city(ctx, city, country)
    if found is not None:
        _save_city(ctx, found)


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


feature.command(
    "support find",
    "Find support near you, in your language (only you see the answer)",
    options=FIND_OPTIONS,
)(_find_command)
feature.component("support-city")(_city_chosen)


@feature.command(
    "support helplines",
    "Crisis and abuse helplines for a country (only you see this)",
    options=[HELPLINE_COUNTRY],
)
async def lines(ctx: Context, country: str | None = None) -> None:
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
        "directory",
        help="the support directory's shipped and operator layers (Open Referral HSDS 3 and 1.1)",
    ).add_subparsers(dest="directory", required=True)
    imp = d.add_parser(
        "import",
        help="import an HSDS feed into the operator layer: CSV folder or JSON file/folder "
        "(all or nothing; read-only to every community; written to the operator log)",
    )
    imp.add_argument("path")
    imp.add_argument("--dry-run", action="store_true", help="report changes, write nothing")
    imp.add_argument(
        "--upsert", action="store_true", help="add and update by id, keep what is not mentioned"
    )
    imp.add_argument("--json", action="store_true", help="machine-readable output")
    imp.set_defaults(handler=_import)
    exp = d.add_parser("export", help="write the directory as valid HSDS 3")
    exp.add_argument("path")
    exp.add_argument("--format", choices=("hsds-csv", "hsds-json"), default="hsds-csv")
    exp.add_argument(
        "--layer",
        default="all",
        help="all (the operator's and the shipped entries, as a community with no additions of "
        "its own sees them), operator, shipped, or PLATFORM:COMMUNITY_ID (one community's own)",
    )
    exp.add_argument("--json", action="store_true", help="machine-readable output")
    exp.set_defaults(handler=_export_cli)
    chk = d.add_parser(
        "check",
        help="report shipped and operator entries and helplines not checked for a year "
        "(exit status 1 when there are any)",
    )
    chk.add_argument("--days", type=int, default=365, help="how old a check may be (365)")
    chk.add_argument("--today", help="as if today were this date (YYYY-MM-DD)")
    chk.add_argument("--json", action="store_true", help="machine-readable output")
    chk.set_defaults(handler=_check_cli)
    lg = d.add_parser("log", help="the operator log: changes to the shipped and operator layers")
    lg.add_argument("--limit", type=int, default=50)
    lg.add_argument("--json", action="store_true", help="machine-readable output")
    lg.set_defaults(handler=_log_cli)
    claim = d.add_parser(
        "claim",
        help="move entries the layers migration could not attribute to the operator layer or to "
        "one community's own (PLATFORM:COMMUNITY_ID)",
    )
    claim.add_argument("layer", help="operator, or PLATFORM:COMMUNITY_ID")
    claim.add_argument("ids", nargs="*", help="service ids (default with --all: every one)")
    claim.add_argument("--all", action="store_true", help="every unclaimed entry")
    claim.add_argument("--json", action="store_true", help="machine-readable output")
    claim.set_defaults(handler=_claim_cli)


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _store(settings: Any) -> Any:
    from bot.store import Store

    return Store(settings.database_url)


def _import(args: argparse.Namespace, settings: Any) -> int:
    store = _store(settings)
    mode: directory.Mode = "upsert" if args.upsert else "replace"
    try:
        with store.session() as s:
            changes = directory.import_feed(
                s, Path(args.path), mode=mode, dry_run=args.dry_run, actor=_who()
            )
    except hsds.ImportFailed as exc:
        if args.json:
            print(json.dumps({"ok": False, "problems": [p.as_dict() for p in exc.problems]}))
        else:
            for p in exc.problems:
                print(f"error: {p}")
            print(f"nothing imported: {len(exc.problems)} problem(s)")
        return 1
    report = {"ok": True, "dry_run": args.dry_run, "layer": "operator", **changes.summary()}
    if args.json:
        print(json.dumps(report))
    else:
        done = "would change" if args.dry_run else "changed"
        svc = report["services"]
        print(
            f"operator layer, {mode}, {done}: {len(svc['added'])} added, "
            f"{len(svc['updated'])} updated, {len(svc['removed'])} removed, "
            f"{svc['unchanged']} unchanged (services)"
        )
        for key in ("added", "updated", "removed"):
            for sid in svc[key][:50]:
                print(f"  {key}: {sid}")
        if changes.stands_in_for:
            print(
                f"{len(changes.stands_in_for)} stand in for shipped entries with the same id "
                "(the shipped entries themselves are unchanged)"
            )
    return 0


def _export_cli(args: argparse.Namespace, settings: Any) -> int:
    key = None if args.layer == "all" else layers.parse(args.layer)
    if args.layer != "all" and key is None:
        print(f"error: no such layer: {args.layer}")
        return 2
    store = _store(settings)
    with store.session() as s:
        if key is None:
            app = SimpleNamespace(cache={}, settings=settings, store=store)
            problems = directory.export_view(
                s, directory.view(app, s, None), Path(args.path), args.format
            )
        else:
            problems = directory.export(s, Path(args.path), args.format, key)
    report = {
        "ok": not problems,
        "format": args.format,
        "layer": args.layer,
        "problems": [p.as_dict() for p in problems],
    }
    print(json.dumps(report) if args.json else "\n".join(map(str, problems)) or "exported")
    return 1 if problems else 0


def unchecked(session: Session, today: date, days: int = 365) -> list[dict[str, Any]]:
    """Shipped and operator entries and shipped helplines whose last check is more than `days`
    old, or that have no check date at all."""
    from datetime import timedelta

    limit = timedelta(days=days)
    found: list[dict[str, Any]] = []
    for key in (layers.SHIPPED, layers.OPERATOR):
        for s in layers.services(session, key):
            checked = layers.checked_on(s)
            if checked is None or today - checked > limit:
                found.append(_stale("directory", layers.label(key), s.id, s.name, checked, today))
    for country, lines in helplines.all_lines().items():
        for line in lines:
            checked = layers._date(line.get("checked_on"))
            if checked is None or today - checked > limit:
                name = f"{line['name']} ({country})"
                found.append(_stale("helplines", "shipped", country, name, checked, today))
    return found


def _stale(
    kind: str, layer: str, ident: str, name: str, checked: date | None, today: date
) -> dict[str, Any]:
    return {
        "kind": kind,
        "layer": layer,
        "id": ident,
        "name": name,
        "checked_on": checked.isoformat() if checked else None,
        "days": (today - checked).days if checked else None,
    }


def _check_cli(args: argparse.Namespace, settings: Any) -> int:
    try:
        today = date.fromisoformat(args.today) if args.today else datetime.now(UTC).date()
    except ValueError:
        print(f"error: --today {args.today!r} is not a date (YYYY-MM-DD)")
        return 2
    if args.days < 1:
        print("error: --days is a number of days, at least 1")
        return 2
    store = _store(settings)
    # The shipped layer as members see it: this release's file (as the bot's first search does).
    directory.sync_shipped(SimpleNamespace(settings=settings, store=store))
    with store.session() as s:
        found = unchecked(s, today, args.days)
        waiting = layers.count(s, layers.UNCLAIMED)
    if args.json:
        print(json.dumps({"ok": not found, "unchecked": found, "unclaimed": waiting}))
        return 1 if found else 0
    for row in found:
        when = (
            f"last checked {row['checked_on']} ({row['days']} days ago)"
            if row["checked_on"]
            else "no check date"
        )
        print(f"not checked: {row['kind']} [{row['layer']}] {row['id']}  {row['name']}  {when}")
    if waiting:
        print(
            f"{waiting} entries wait to be claimed (nobody sees them): "
            "crossings directory claim operator|PLATFORM:COMMUNITY_ID --all"
        )
    print(
        f"{len(found)} entries not checked in {args.days} days"
        if found
        else f"every entry was checked in the last {args.days} days"
    )
    return 1 if found else 0


def _log_cli(args: argparse.Namespace, settings: Any) -> int:
    if args.limit < 1:
        print("error: --limit is a number of entries, at least 1")
        return 2
    with _store(settings).session() as s:
        rows = layers.operator_log(s, args.limit)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "at": r.at.isoformat(),
                        "actor": r.actor,
                        "action": r.action,
                        "layer": r.layer,
                        "summary": r.summary,
                        "details": r.details,
                    }
                    for r in rows
                ]
            )
        )
    else:
        for r in rows:
            print(f"{r.at:%Y-%m-%d %H:%M}  {r.actor}  {r.action}  [{r.layer}]  {r.summary}")
    return 0


def _claim_cli(args: argparse.Namespace, settings: Any) -> int:
    target = layers.parse(args.layer)
    if target is None or target in (layers.SHIPPED, layers.UNCLAIMED):
        print("error: claim into operator or PLATFORM:COMMUNITY_ID")
        return 2
    if not args.ids and not args.all:
        print("error: name the ids to claim, or --all")
        return 2
    with _store(settings).session() as s:
        moved, refused = claim(s, target, None if args.all else args.ids, _who())
    if args.json:
        print(json.dumps({"ok": not refused, "moved": moved, "refused": refused}))
    else:
        print(f"{len(moved)} moved to {layers.label(target)}")
        for sid, why in refused.items():
            print(f"  not moved: {sid}: {why}")
    return 1 if refused else 0


def claim(
    session: Session, target: layers.LayerKey, ids: list[str] | None, actor: str
) -> tuple[list[str], dict[str, str]]:
    """Move unclaimed entries (and their organizations) into `target`; an id the target has
    already is left where it is."""
    from sqlalchemy import update

    waiting = {s.id: s for s in layers.services(session, layers.UNCLAIMED)}
    wanted = list(waiting) if ids is None else ids
    taken = {s.id for s in layers.services(session, target)}
    orgs_there = {o.id for o in layers.organizations(session, target)}
    moved: list[str] = []
    refused: dict[str, str] = {}
    now = datetime.now(UTC)
    for sid in wanted:
        if sid not in waiting:
            refused[sid] = "no such unclaimed entry"
        elif sid in taken:
            refused[sid] = f"{layers.label(target)} has an entry with this id"
        else:
            moved.append(sid)
    table = SupportService.__table__  # type: ignore[attr-defined]
    for start in range(0, len(moved), 500):
        session.execute(
            update(table)
            .where(
                table.c.platform == "",
                table.c.community_id == "unclaimed",
                table.c.id.in_(moved[start : start + 500]),
            )
            .values(platform=target[0], community_id=target[1])
        )
    # Organizations are copied: other unclaimed entries may still name them.
    needed = {waiting[sid].organization_id for sid in moved} - orgs_there
    for org in layers.organizations(session, layers.UNCLAIMED):
        if org.id in needed:
            session.add(
                SupportOrganization(
                    **{**org.model_dump(), "platform": target[0], "community_id": target[1]}
                )
            )
    if moved:
        layers.bump(session, target, now)
        layers.bump(session, layers.UNCLAIMED, now)
        layers.log(
            session,
            now,
            actor,
            "claim",
            target,
            f"{len(moved)} unclaimed entries moved to {layers.label(target)}",
            {"moved": moved[:200], "refused": dict(list(refused.items())[:200])},
        )
    return moved, refused


feature.personal_data(PersonalData("support", _export, _erase))


@feature.warm_up
def build_the_gazetteer(app: object) -> None:
    """The gazetteer takes over a second to build: before serving, not at the first search."""
    gazetteer.lookup("warm-up")
