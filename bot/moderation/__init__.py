"""Moderation: private reports, one queue, cases and warnings, automod, appeals, audit log."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot import actions as a
from bot.actions import ActionResult
from bot.commands import CommandError, Option, OptionType, Permission
from bot.community import PersonalData, Subject
from bot.events import Place
from bot.message import Message, escape
from bot.moderation import automod
from bot.moderation import service as svc
from bot.moderation.automod_tools import automod_test_reply, set_rule_dry_run
from bot.moderation.commands import install_commands
from bot.moderation.listeners import bump_version, community_rules, install_listeners, ruleset
from bot.moderation.models import (
    Appeal,
    AuditEntry,
    AutomodRuleRow,
    ModCase,
    ReportAttempt,
    ReportDraft,
)
from bot.store.models import OutboxEntry, Timer

if TYPE_CHECKING:
    from bot.community import App, Context

__all__ = ["Appeal", "AuditEntry", "AutomodRuleRow", "ModCase", "ReportAttempt", "ReportDraft"]


def install(app: App) -> None:
    install_commands(app)
    install_listeners(app)
    _install_automod_commands(app)
    app.services["moderation.file_report"] = svc.file_report
    app.services["moderation.alert"] = svc.alert

    @app.timers.on(svc.UNBAN_TIMER)
    async def timed_unban(ctx: Context, timer: Timer) -> None:
        user = str(timer.payload["user_id"])
        place = Place(timer.platform, timer.community_id)
        ctx.emit(a.UnbanMember(place, user, "temporary ban ended"))
        svc.audit(
            ctx,
            "unban.timed",
            actor="automod",
            target=user,
            reason=f"case #{timer.payload['case']}",
        )

    @app.outbox.hook("mod.card")
    async def card_posted(entry: OutboxEntry, result: ActionResult) -> None:
        with app.store.session() as s:
            s.execute(
                update(ModCase)
                .where(col(ModCase.id) == entry.context.get("case_id"))
                .values(queue_message_id=result.message_id)
            )

    app.holds_personal_data(
        PersonalData("moderation", _export, _erase, lambda s, now, dry: _purge(app, s, now, dry))
    )


def _install_automod_commands(app: App) -> None:
    reg = app.registry
    reg.group("automod", "Automatic moderation rules")
    mod = Permission.MODERATOR
    actions = Option(
        "action",
        OptionType.CHOICE,
        "What to do",
        required=False,
        default="hold",
        choices=tuple(automod_choice(x) for x in automod.ACTIONS),
    )

    @reg.command(
        "automod add-word",
        "Flag a word or phrase",
        permission=mod,
        options=[
            Option("word", OptionType.STRING, "Word or phrase", min_length=2, max_length=80),
            actions,
        ],
    )
    async def add_word(ctx: Context, word: str, action: str) -> None:
        _add_rule(
            ctx,
            {
                "id": f"own-word-{word[:20]}",
                "kind": "keywords",
                "category": "other",
                "words": [word],
                "actions": [action, "alert"] if action != "alert" else ["alert"],
            },
        )
        ctx.respond(ctx.t("mod.automod.added", what=escape(word)))

    @reg.command(
        "automod add-regex",
        "Flag a pattern (re2 syntax)",
        permission=mod,
        options=[
            Option("pattern", OptionType.STRING, "Pattern", min_length=2, max_length=200),
            actions,
        ],
    )
    async def add_regex(ctx: Context, pattern: str, action: str) -> None:
        rule = {
            "id": f"own-regex-{len(community_rules(ctx)) + 1}",
            "kind": "regex",
            "category": "other",
            "patterns": [pattern],
            "actions": [action, "alert"] if action != "alert" else ["alert"],
        }
        try:
            automod.RuleSet([automod.Rule.from_dict(rule)])
        except automod.RuleError as exc:
            raise CommandError(
                ctx.t("mod.automod.bad_pattern", error=escape(str(exc), 200)), "pattern"
            ) from None
        _add_rule(ctx, rule)
        ctx.respond(ctx.t("mod.automod.added", what=escape(pattern)))

    @reg.command(
        "automod deny-domain",
        "Hold links to a domain",
        permission=mod,
        options=[Option("domain", OptionType.STRING, "e.g. example.com", max_length=100)],
    )
    async def deny_domain(ctx: Context, domain: str) -> None:
        host = domain.strip().lower().removeprefix("https://").removeprefix("http://").split("/")[0]
        _add_rule(
            ctx,
            {
                "id": f"own-domain-{host[:30]}",
                "kind": "links",
                "category": "spam",
                "deny_domains": [host],
                "actions": ["hold", "alert"],
            },
        )
        ctx.respond(ctx.t("mod.automod.added", what=escape(host)))

    @reg.command(
        "automod remove",
        "Remove one of this community's rules",
        permission=mod,
        options=[Option("rule", OptionType.STRING, "Rule id (see /automod list)", max_length=60)],
    )
    async def remove(ctx: Context, rule: str) -> None:
        c = ctx.community
        rows = [
            r
            for r in ctx.session.exec(
                select(AutomodRuleRow).where(
                    AutomodRuleRow.platform == c.platform,
                    AutomodRuleRow.community_id == c.community_id,
                )
            )
            if r.rule.get("id") == rule
        ]
        if not rows:
            raise CommandError(ctx.t("mod.automod.no_rule", rule=escape(rule, 60)), "rule")
        for r in rows:
            ctx.session.delete(r)
        bump_version(ctx)
        svc.audit(ctx, "automod.remove", actor=ctx.actor_id, reason=rule)
        ctx.respond(ctx.t("mod.automod.removed_rule", rule=escape(rule, 60)))

    @reg.command(
        "automod dry-run",
        "Only report what automod would do",
        permission=mod,
        options=[
            Option("on", OptionType.BOOL, "On or off"),
            Option("rule", OptionType.STRING, "Only this rule (see /automod list)", required=False),
        ],
    )
    async def dry_run(ctx: Context, on: bool, rule: str | None = None) -> None:
        if rule:
            set_rule_dry_run(ctx, rule, on)
            return
        bump_version(ctx, dry_run=on)
        svc.audit(ctx, "automod.dry-run", actor=ctx.actor_id, reason="on" if on else "off")
        ctx.respond(ctx.t("mod.automod.dry_run_on" if on else "mod.automod.dry_run_off"))

    @reg.command("automod list", "The rules in force here", permission=mod)
    async def list_rules(ctx: Context) -> None:
        rules = ruleset(ctx).rules
        lines = [
            f"`{r.id}` · {r.kind} · {', '.join(r.actions)}" + (" · dry run" if r.dry_run else "")
            for r in rules
        ]
        ctx.respond(Message(title=ctx.t("mod.automod.list_title"), text="\n".join(lines)))

    @reg.command(
        "automod test",
        "What automod would do with a text (nothing is posted)",
        permission=mod,
        options=[Option("text", OptionType.STRING, "Text to check", max_length=1000)],
    )
    async def test(ctx: Context, text: str) -> None:
        hits = automod.RuleSet(ruleset(ctx).rules).check(automod.Message(text, "automod-test"))
        if not hits:
            ctx.respond(ctx.t("mod.automod.test_clean"))
            return
        ctx.respond(automod_test_reply(ctx, hits))


def automod_choice(action: str) -> Any:
    from bot.commands import Choice

    return Choice(action, action)


def _add_rule(ctx: Context, rule: dict[str, Any]) -> None:
    automod.Rule.from_dict(rule)
    c = ctx.community
    ctx.session.add(
        AutomodRuleRow(
            platform=c.platform,
            community_id=c.community_id,
            rule=rule,
            created_by=ctx.actor_id,
            created_at=ctx.now,
        )
    )
    bump_version(ctx)
    svc.audit(ctx, "automod.add", actor=ctx.actor_id, reason=str(rule.get("id")))


# --- personal data --------------------------------------------------------------------------


def _mine(who: Subject) -> Any:
    return (ModCase.platform == who.platform) & (ModCase.community_id == who.community_id)


def _export(session: Session, who: Subject) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for case in session.exec(select(ModCase).where(_mine(who), ModCase.reporter_id == who.user_id)):
        out.append(
            {
                "type": "report_filed",
                "case": case.number,
                "reason": case.reason,
                "details": case.details,
                "created_at": case.created_at.isoformat(),
            }
        )
    for case in session.exec(
        select(ModCase).where(
            _mine(who),
            ModCase.target_id == who.user_id,
            col(ModCase.kind).in_(["warn", "timeout", "kick", "ban", "automod"]),
        )
    ):
        out.append(
            {
                "type": f"moderation_{case.kind}",
                "case": case.number,
                "reason": case.details,
                "created_at": case.created_at.isoformat(),
            }
        )
    for ap in session.exec(select(Appeal).where(Appeal.user_id == who.user_id)):
        out.append({"type": "appeal", "case_id": ap.case_id, "text": ap.text, "status": ap.status})
    return out


def _erase(session: Session, who: Subject) -> int:
    """Reports they wrote lose their text and their name; excerpts of their own messages go.
    Case numbers, kinds, outcomes and times stay (pseudonymous safety record)."""
    touched = 0
    for case in session.exec(select(ModCase).where(_mine(who), ModCase.reporter_id == who.user_id)):
        case.details, case.reporter_id = None, None
        session.add(case)
        touched += 1
    for case in session.exec(select(ModCase).where(_mine(who), ModCase.target_id == who.user_id)):
        case.excerpt = None
        session.add(case)
        touched += 1
    for ap in session.exec(select(Appeal).where(Appeal.user_id == who.user_id)):
        ap.text = None
        session.add(ap)
        touched += 1
    for d in session.exec(select(ReportDraft).where(ReportDraft.reporter_id == who.user_id)):
        session.delete(d)
        touched += 1
    return touched


def _purge(app: App, session: Session, now: datetime, dry_run: bool) -> int:
    """Closed cases lose their free text after the retention period."""
    cutoff = now - timedelta(days=app.settings.moderation.retention_days)
    rows = session.exec(
        select(ModCase).where(
            col(ModCase.closed_at) < cutoff,
            (col(ModCase.details).is_not(None)) | (col(ModCase.excerpt).is_not(None)),
        )
    ).all()
    if not dry_run:
        for case in rows:
            case.details, case.excerpt = None, None
            session.add(case)
        for d in session.exec(select(ReportDraft).where(col(ReportDraft.created_at) < cutoff)):
            session.delete(d)
    return len(rows)


def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mod = sub.add_parser("moderation", help="moderation records").add_subparsers(
        dest="moderation", required=True
    )
    export = mod.add_parser("export", help="write the audit log as CSV (stdout or --out FILE)")
    export.add_argument("--out", help="file to write (default: stdout)")
    export.set_defaults(handler=_export_csv)
    from bot.moderation.evaluate import register_cli as automod_cli

    automod_cli(sub)


def _export_csv(args: argparse.Namespace, settings: Any) -> int:
    from bot.store import Store

    store = Store(settings.database_url)
    stream = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    try:
        writer = csv.writer(stream)
        writer.writerow(
            ["at", "platform", "community", "actor", "action", "target", "case", "reason"]
        )
        with store.session() as s:
            for e in s.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
                writer.writerow(
                    [
                        e.at.isoformat(),
                        e.platform,
                        e.community_id,
                        e.actor_id,
                        e.action,
                        e.target_id or "",
                        e.case_number or "",
                        e.reason or "",
                    ]
                )
    finally:
        if stream is not sys.stdout:
            stream.close()
    return 0
