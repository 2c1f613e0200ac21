"""Settings: commands every community has: help, community settings (admins) and a member's own
preferences (language, time zone)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import langcodes
from sqlmodel import Session, col, select

from bot.kernel import i18n
from bot.kernel.commands import (
    ChannelId,
    Choice,
    CommandError,
    Opt,
    Permission,
    ZoneName,
    command_key,
)
from bot.kernel.message import Field, Message, escape
from bot.kernel.personal import PersonalData, Subject
from bot.kernel.store.models import MemberPrefs
from bot.moderation import prefs
from bot.settings.feature import feature

if TYPE_CHECKING:
    from bot.kernel.context import Context
    from bot.kernel.events import Actor


_ROLE_KINDS = (Choice("moderators", "moderator"), Choice("organizers", "organizer"))
ADMIN = Permission.ADMIN
Language = Annotated[str, Opt("Language code: en, es, ja", max_length=20)]


def _language(ctx: Context, code: str) -> str:
    try:
        tag = langcodes.standardize_tag(code.strip())
    except (ValueError, langcodes.tag_parser.LanguageTagError):
        raise CommandError(ctx.t("core.error.bad_language", code=code[:20])) from None
    if not langcodes.tag_is_valid(tag):
        raise CommandError(ctx.t("core.error.bad_language", code=code[:20]))
    return tag


def _prefs_rows(session: Session, who: Subject) -> list[MemberPrefs]:
    query = select(MemberPrefs).where(
        *MemberPrefs.scope(who),
        MemberPrefs.user_id == who.user_id,
    )
    return list(session.exec(query))


def _export_prefs(session: Session, who: Subject) -> list[dict[str, Any]]:
    return [
        {"language": p.locale, "timezone": p.timezone, "discreet": p.discreet}
        for p in _prefs_rows(session, who)
    ]


def _erase_prefs(session: Session, who: Subject) -> int:
    """Language and time zone go. Discreet mode stays: erasing one's data must not let the
    bot start writing first again to someone who asked it never to (it names no one else
    and says nothing about why; `/me discreet off` ends it)."""
    rows = _prefs_rows(session, who)
    for row in rows:
        if row.discreet:
            row.locale = row.timezone = None
            session.add(row)
        else:
            session.delete(row)
    return len(rows)


def _role_key(text: str) -> str:
    """`<@&123>` (a Discord role mention) -> `123`; `@Organizers` -> `Organizers`."""
    text = text.strip()
    if text.startswith("<@&") and text.endswith(">"):
        return text[3:-1]
    return text.lstrip("@")


feature.personal_data(PersonalData("preferences", _export_prefs, _erase_prefs))


@feature.command("help", "What this bot can do for you")
async def help_(ctx: Context) -> None:
    lines = []
    prefix = ctx.platform.command_prefix if ctx.platform else "/"  # Slack: "/crossings "
    for command in sorted(ctx.app.registry.commands.values(), key=lambda c: c.path):
        if command.kind != "slash" or ctx.level < command.permission:
            continue
        key = command_key(command.path)
        described = ctx.t(key) if i18n.has(key) else command.description
        lines.append(f"`{prefix}{command.name}`: {escape(described)}")
    ctx.reply(Message(title=ctx.t("core.help.title"), text="\n".join(lines)))


feature.group("settings", "Community settings (admins)")


def _set(ctx: Context, field: str, value: object) -> None:
    """Change one of the community's settings, as every `/settings <name>` does. The setter
    answers after it, so an answer reads in the community's new language where that changed."""
    setattr(ctx.community, field, value)
    ctx.session.add(ctx.community)


@feature.command("settings show", "Show this community's settings", permission=ADMIN)
async def settings_show(ctx: Context) -> None:
    c = ctx.community
    mod = prefs.of(ctx.session, c)
    fields = (
        Field(ctx.t("core.settings.timezone"), c.timezone, inline=True),
        Field(ctx.t("core.settings.language"), c.language, inline=True),
        Field(
            ctx.t("core.settings.queue"), f"<#{mod.queue_channel}>" if mod.queue_channel else "-"
        ),
        Field(ctx.t("core.settings.moderators"), ", ".join(c.moderator_roles) or "-"),
        Field(ctx.t("core.settings.organizers"), ", ".join(c.organizer_roles) or "-"),
        Field(
            ctx.t("core.settings.show_reporter"),
            ctx.t("core.yes") if mod.show_reporter_to_moderators else ctx.t("core.no"),
        ),
    )
    ctx.reply(Message(title=ctx.t("core.settings.title"), fields=fields))


@feature.command(
    "settings role",
    "Give or take moderator/organizer rights for a role (or user:ID)",
    permission=ADMIN,
)
async def settings_role(
    ctx: Context,
    kind: Annotated[str, Opt("Which rights", choices=_ROLE_KINDS)],
    role: Annotated[str, Opt("Role id or name, or user:ID", max_length=64)],
    remove: Annotated[bool, Opt("Take the rights away")] = False,
) -> None:
    role = _role_key(role)
    c = ctx.community
    attr = "moderator_roles" if kind == "moderator" else "organizer_roles"
    roles = [r for r in getattr(c, attr) if r != role]
    if not remove:
        roles.append(role)
    _set(ctx, attr, roles)
    key = "core.settings.role_removed" if remove else "core.settings.role_added"
    ctx.reply(ctx.t(key, role=escape(role), kind=ctx.t(f"core.kind.{kind}")))


@feature.command("settings queue", "Set the moderator queue channel", permission=ADMIN)
async def settings_queue(
    ctx: Context, channel: Annotated[ChannelId, Opt("The private moderators' channel")]
) -> None:
    prefs.update(ctx.session, ctx.community, queue_channel=channel)
    ctx.reply(ctx.t("core.settings.queue_set", channel=channel))


@feature.command("settings timezone", "Set the community's time zone", permission=ADMIN)
async def settings_timezone(
    ctx: Context, zone: Annotated[ZoneName, Opt("IANA time zone, e.g. Europe/Berlin")]
) -> None:
    _set(ctx, "timezone", zone)
    ctx.reply(ctx.t("core.settings.timezone_set", zone=zone))


@feature.command("settings language", "Set the community's language", permission=ADMIN)
async def settings_language(ctx: Context, language: Language) -> None:
    _set(ctx, "language", _language(ctx, language))
    name = i18n.language_name(ctx.community.language, ctx.locale)
    ctx.reply(ctx.t("core.settings.language_set", language=name))


@feature.command("settings reporter", "Whether moderators see who filed a report", permission=ADMIN)
async def settings_reporter(
    ctx: Context, visible: Annotated[bool, Opt("yes: moderators see the reporter")]
) -> None:
    prefs.update(ctx.session, ctx.community, show_reporter_to_moderators=visible)
    key = "core.settings.reporter_visible" if visible else "core.settings.reporter_hidden"
    ctx.reply(ctx.t(key))


feature.group("me", "Your own preferences")


@feature.command("me language", "The language the bot uses with you")
async def me_language(ctx: Context, language: Language) -> None:
    prefs = ctx.prefs()
    assert prefs is not None
    prefs.locale = _language(ctx, language)
    prefs.updated_at = ctx.now
    ctx.session.add(prefs)
    ctx._locale = prefs.locale
    available = prefs.locale.split("-")[0] in {loc.split("-")[0] for loc in i18n.locales()}
    key = "core.me.language_set" if available else "core.me.language_fallback"
    ctx.reply(ctx.t(key, language=i18n.language_name(prefs.locale, ctx.locale)))


@feature.command("me timezone", "Your time zone (for times the bot shows you)")
async def me_timezone(
    ctx: Context, zone: Annotated[ZoneName, Opt("IANA time zone, e.g. Asia/Tokyo")]
) -> None:
    prefs = ctx.prefs()
    assert prefs is not None
    prefs.timezone = zone
    prefs.updated_at = ctx.now
    ctx.session.add(prefs)
    ctx.reply(ctx.t("core.me.timezone_set", zone=zone))


@feature.command("me discreet", "Discreet mode: the bot never writes to you first")
async def me_discreet(
    ctx: Context,
    mode: Annotated[
        str,
        Opt(
            "on: the bot never writes to you first; off: as before",
            choices=(Choice("on", "on"), Choice("off", "off")),
        ),
    ],
) -> None:
    """For members whose phone may be watched: no DM they did not ask for (Context.send),
    while moderators still hear of crisis signals and are told how to reach out."""
    prefs = ctx.prefs()
    assert prefs is not None
    prefs.discreet, prefs.updated_at = mode == "on", ctx.now
    ctx.session.add(prefs)
    if not prefs.discreet:  # it held on the whole platform (Context.is_discreet): off everywhere
        query = select(MemberPrefs).where(
            MemberPrefs.platform == ctx.place.platform,
            MemberPrefs.user_id == ctx.actor_id,
            col(MemberPrefs.discreet).is_(True),
        )
        for row in ctx.session.exec(query):
            row.discreet, row.updated_at = False, ctx.now
            ctx.session.add(row)
    ctx.reply(ctx.t("core.me.discreet_on" if prefs.discreet else "core.me.discreet_off"))


@feature.home_section(order=10)
def home_preferences(ctx: Context, actor: Actor) -> list[Field]:
    c = ctx.community
    prefs = ctx.prefs(actor.user_id, create=False)
    return [
        Field(
            ctx.t("home.language"),
            (prefs.locale if prefs and prefs.locale else c.language),
            inline=True,
        ),
        Field(
            ctx.t("home.timezone"),
            (prefs.timezone if prefs and prefs.timezone else c.timezone),
            inline=True,
        ),
    ]
