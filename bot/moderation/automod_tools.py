"""Automod command helpers: per-rule dry run, rules turned on and off, and the `/automod test`
reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kernel.commands import CommandError
from bot.kernel.message import Field, Message, escape
from bot.moderation import automod
from bot.moderation import service as svc
from bot.moderation.listeners import all_rules, automod_settings, bump_version, ruleset

if TYPE_CHECKING:
    from bot.kernel.context import Context


def set_rule_dry_run(ctx: Context, rule: str, on: bool) -> None:
    """Put one rule (built-in or the community's own) in dry-run mode, or take it out."""
    if rule not in {r.id for r in ruleset(ctx).rules}:
        raise CommandError(ctx.t("mod.automod.unknown_rule", rule=escape(rule, 60)), "rule")
    dry = set(automod_settings(ctx).get("dry_run_rules") or ())
    dry = dry | {rule} if on else dry - {rule}
    bump_version(ctx, dry_run_rules=sorted(dry))
    svc.audit(ctx, "automod.dry-run", actor=ctx.actor_id, reason=f"{rule}: {'on' if on else 'off'}")
    key = "mod.automod.rule_dry_run_on" if on else "mod.automod.rule_dry_run_off"
    ctx.reply(ctx.t(key, rule=escape(rule, 60)))


def set_rule_enabled(ctx: Context, rule: str, on: bool) -> None:
    """Turn one rule (built-in or the community's own) off, or back on; an off rule never
    runs, not even in dry run."""
    if rule not in {r.id for r in all_rules(ctx)}:
        raise CommandError(ctx.t("mod.automod.unknown_rule", rule=escape(rule, 60)), "rule")
    off = set(automod_settings(ctx).get("disabled_rules") or ())
    off = off - {rule} if on else off | {rule}
    bump_version(ctx, disabled_rules=sorted(off))
    svc.audit(ctx, "automod.rule", actor=ctx.actor_id, reason=f"{rule}: {'on' if on else 'off'}")
    ctx.reply(ctx.t("mod.automod.rule_on" if on else "mod.automod.rule_off", rule=escape(rule, 60)))


def automod_test_reply(ctx: Context, hits: list[automod.Hit]) -> Message:
    """One field per rule that would fire: what it would do, and why (words, link, signals)."""
    fields = []
    for hit in hits:
        info = hit.explain()
        does = ", ".join(info["actions"])
        if info["dry_run"]:
            does = ctx.t("mod.automod.test_dry_run", actions=does)
        lines = [escape(info["why"], 200), does]
        lines += [f"{escape(e['says'], 80)}: “{escape(e['words'], 80)}”" for e in info["evidence"]]
        if not info["evidence"]:
            lines.append(f"“{escape(hit.matched, 80)}”")
        fields.append(Field(f"`{info['rule']}`", "\n".join(lines)[:1000]))
    return Message(title=ctx.t("mod.automod.test_title"), fields=tuple(fields[:20]))
