"""`/automod ...`: moderators manage the automatic rules of their community."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from bot.kernel.commands import Choice, CommandError, Opt, Permission
from bot.kernel.message import Message, escape
from bot.moderation import automod
from bot.moderation import service as svc
from bot.moderation.automod_tools import automod_test_reply, set_rule_dry_run, set_rule_enabled
from bot.moderation.feature import feature
from bot.moderation.listeners import bump_version, community_rules, learned_hits, ruleset
from bot.moderation.models import AutomodRuleRow

if TYPE_CHECKING:
    from bot.kernel.context import Context

feature.group("automod", "Automatic moderation rules")
MOD = Permission.MODERATOR
Action = Annotated[str, Opt("What to do", choices=[Choice(x, x) for x in automod.ACTIONS])]
RuleId = Annotated[str, Opt("Rule id (see /automod list)", max_length=60)]
OnOff = Annotated[bool, Opt("On or off")]


@feature.command("automod add-word", "Flag a word or phrase", permission=MOD)
async def add_word(
    ctx: Context,
    word: Annotated[str, Opt("Word or phrase", min_length=2, max_length=80)],
    action: Action = "hold",
) -> None:
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
    ctx.reply(ctx.t("mod.automod.added", what=escape(word)))


@feature.command("automod add-regex", "Flag a pattern (re2 syntax)", permission=MOD)
async def add_regex(
    ctx: Context,
    pattern: Annotated[str, Opt("Pattern", min_length=2, max_length=200)],
    action: Action = "hold",
) -> None:
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
    ctx.reply(ctx.t("mod.automod.added", what=escape(pattern)))


@feature.command("automod deny-domain", "Hold links to a domain", permission=MOD)
async def deny_domain(
    ctx: Context, domain: Annotated[str, Opt("e.g. example.com", max_length=100)]
) -> None:
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
    ctx.reply(ctx.t("mod.automod.added", what=escape(host)))


@feature.command("automod remove", "Remove one of this community's rules", permission=MOD)
async def remove(ctx: Context, rule: RuleId) -> None:
    c = ctx.community
    rows = [r for r in ctx.session.exec(AutomodRuleRow.of(c)) if r.rule.get("id") == rule]
    if not rows:
        raise CommandError(ctx.t("mod.automod.no_rule", rule=escape(rule, 60)), "rule")
    for r in rows:
        ctx.session.delete(r)
    bump_version(ctx)
    svc.audit(ctx, "automod.remove", actor=ctx.actor_id, reason=rule)
    ctx.reply(ctx.t("mod.automod.removed_rule", rule=escape(rule, 60)))


@feature.command("automod dry-run", "Only report what automod would do", permission=MOD)
async def dry_run(
    ctx: Context,
    on: OnOff,
    rule: Annotated[str | None, Opt("Only this rule (see /automod list)")] = None,
) -> None:
    if rule:
        set_rule_dry_run(ctx, rule, on)
        return
    bump_version(ctx, dry_run=on)
    svc.audit(ctx, "automod.dry-run", actor=ctx.actor_id, reason="on" if on else "off")
    ctx.reply(ctx.t("mod.automod.dry_run_on" if on else "mod.automod.dry_run_off"))


@feature.command("automod rule", "Turn one rule on or off", permission=MOD)
async def rule_switch(ctx: Context, rule: RuleId, on: OnOff) -> None:
    set_rule_enabled(ctx, rule, on)


@feature.command("automod list", "The rules in force here", permission=MOD)
async def list_rules(ctx: Context) -> None:
    rules = ruleset(ctx).rules
    lines = [
        f"`{r.id}` · {r.kind} · {', '.join(r.actions)}" + (" · dry run" if r.dry_run else "")
        for r in rules
    ]
    ctx.reply(Message(title=ctx.t("mod.automod.list_title"), text="\n".join(lines)))


@feature.command(
    "automod test", "What automod would do with a text (nothing is posted)", permission=MOD
)
async def test(ctx: Context, text: Annotated[str, Opt("Text to check", max_length=1000)]) -> None:
    rules = automod.RuleSet(ruleset(ctx).rules)
    message = automod.Message(text, "automod-test")
    hits = rules.check(message)
    if not hits and rules.model_rules:  # what the learned layer would say, as automod runs it
        hits = await learned_hits(rules.model_rules, message)
    if not hits:
        ctx.reply(ctx.t("mod.automod.test_clean"))
        return
    ctx.reply(automod_test_reply(ctx, hits))


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
