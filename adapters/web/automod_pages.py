"""Automod for moderators: every rule with its state (on or off, dry run), the community-wide
dry run, the community's own words, patterns and denied domains (added with the action they
take, removed), and a "test a message" box. Changes run as the `/automod` commands they stand
for (`rule`, `dry-run`, `add-word`, `add-regex`, `deny-domain`, `remove`), the test as
`/automod test`: the same handlers, checks and explanations as in chat, each change written to
the audit log "via dashboard"."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from adapters.web import access, perform
from adapters.web.access import Standing
from adapters.web.keys import APP, BASE_PATH
from adapters.web.pages import common, render
from bot.kernel.app import App
from bot.kernel.commands import Permission
from bot.kernel.message import Message, to_plain
from bot.moderation.automod import ACTIONS
from bot.moderation.listeners import all_rules, automod_settings, community_rules

C = "/c/{platform}/{community}"
TEXT_LIMIT = 1000  # as `/automod test`
TESTED = "automod_tested"  # the session key holding a test's answer until its page is shown


def routes(sub: web.Application) -> None:
    sub.router.add_get(C + "/automod", automod_page, name="automod")
    sub.router.add_post(C + "/automod/test", test_message, name="automod_test")
    sub.router.add_post(C + "/automod/change", change, name="automod_change")
    sub.router.add_post(C + "/automod/add", add_rule, name="automod_add")
    sub.router.add_post(C + "/automod/remove", remove_rule, name="automod_remove")


# What the "add a rule" form offers: kind -> (command, its option for the value).
_ADDS = {
    "word": (("automod", "add-word"), "word"),
    "pattern": (("automod", "add-regex"), "pattern"),
    "domain": (("automod", "deny-domain"), "domain"),
}


def _rules(app: App, found: Standing) -> tuple[list[dict[str, Any]], bool]:
    """Every rule with its state here, and whether the whole community is in dry run."""
    with app.context(found.place, found.actor) as ctx:
        settings = automod_settings(ctx)
        off = set(settings.get("disabled_rules") or ())
        dry = set(settings.get("dry_run_rules") or ())
        own = {r.id for r in community_rules(ctx)}
        rows = [
            {
                "id": r.id,
                "kind": r.kind,
                "category": r.category,
                "actions": ", ".join(r.actions),
                "why": r.why,
                "on": r.id not in off,
                "dry_run": r.dry_run or r.id in dry,
                "own": r.id in own,
            }
            for r in all_rules(ctx)
        ]
        return rows, bool(settings.get("dry_run"))


async def automod_page(
    request: web.Request,
    *,
    tested: str = "",
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    rules, everything_dry = _rules(request.app[APP], found)
    # The test's answer, kept for this one page after its post (post/redirect/get): a reload
    # shows the page again instead of sending the text once more.
    answered = (await get_session(request)).pop(TESTED, None)
    if isinstance(answered, dict):
        tested, result, error = answered["text"], answered["result"], answered["error"]
    values = {
        "title": "Automod",
        "rules": rules,
        "everything_dry": everything_dry,
        "tested": tested,
        "result": result,
        "error": error,
        "limit": TEXT_LIMIT,
        "actions": ACTIONS,
        **common(found),
    }
    return await render(request, "automod.html", values, status=422 if error else 200)


def _result(message: Message) -> dict[str, Any]:
    return {
        "title": to_plain(message.title or ""),
        "text": to_plain(message.text),
        "hits": [
            {"rule": to_plain(f.name).strip("`"), "lines": to_plain(f.value).splitlines()}
            for f in message.fields
        ],
    }


async def test_message(request: web.Request) -> web.Response:
    """Nothing is posted or stored: `/automod test` only answers the moderator."""
    _, found = await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    text = str((await request.post()).get("text", ""))
    event = perform.command(found.place, found.actor, app, ("automod", "test"), text=text)
    outcome = await perform.perform(app, event, audit=None)
    shown = _result(outcome.replies[0]) if outcome.ok and outcome.replies else None
    error = None if outcome.ok else outcome.error
    (await get_session(request))[TESTED] = {"text": text, "result": shown, "error": error}
    raise web.HTTPSeeOther(f"{request.app[BASE_PATH]}{common(found)['here']}/automod#test-text")


_CHANGES = {
    # form value -> (command, options made from the rule id); "" rule means the whole community
    "on": (("automod", "rule"), {"on": True}),
    "off": (("automod", "rule"), {"on": False}),
    "dry-on": (("automod", "dry-run"), {"on": True}),
    "dry-off": (("automod", "dry-run"), {"on": False}),
}


async def change(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    form = await request.post()
    op, rule = str(form.get("op", "")), str(form.get("rule", "")).strip()[:60]
    if op not in _CHANGES or (op in ("on", "off") and not rule):
        raise web.HTTPBadRequest(text="Unknown change.")
    path = _CHANGES[op][0]
    options: dict[str, Any] = {**_CHANGES[op][1], **({"rule": rule} if rule else {})}
    return await _run_change(request, found, path, options, f"web automod {op}", rule)


async def _run_change(
    request: web.Request,
    found: Standing,
    path: tuple[str, ...],
    options: dict[str, Any],
    label: str,
    rule: str,
) -> web.Response:
    """Run the command, flash its answer (or its error, with what was typed kept out of the
    URL), and go back to the rules (to the rule's row when there is one)."""
    app: App = request.app[APP]
    event = perform.command(found.place, found.actor, app, path, **options)
    outcome = await perform.perform(app, event, audit=label, target=None)
    kind = "ok" if outcome.ok else "error"
    text = (
        " ".join(to_plain(m.plain()) for m in outcome.replies) or "Done."
        if outcome.ok
        else outcome.error or "That did not work."
    )
    session = await get_session(request)
    session["flash"] = {"kind": kind, "text": text}
    raise web.HTTPSeeOther(
        request.app[BASE_PATH]
        + common(found)["here"]
        + "/automod"
        + (f"#rule-{rule}" if rule else "")
    )


async def add_rule(request: web.Request) -> web.Response:
    """A word, a pattern or a denied domain, as `/automod add-word|add-regex|deny-domain` adds
    it (the pattern checked by the same re2 compile, the domain reduced to its host)."""
    _, found = await access.require(request, Permission.MODERATOR)
    form = await request.post()
    kind, value = str(form.get("kind", "")), str(form.get("value", "")).strip()
    action = str(form.get("action", "hold"))
    if kind not in _ADDS or action not in ACTIONS:
        raise web.HTTPBadRequest(text="Unknown rule kind or action.")
    path, field = _ADDS[kind]
    options: dict[str, Any] = {field: value}
    if kind != "domain":  # a denied domain always holds and alerts
        options["action"] = action
    return await _run_change(request, found, path, options, f"web automod add {kind}", "")


async def remove_rule(request: web.Request) -> web.Response:
    """One of this community's own rules, as `/automod remove`; built-in rules are turned off
    instead (the form offers removal for own rules only, and the command refuses the rest)."""
    _, found = await access.require(request, Permission.MODERATOR)
    rule = str((await request.post()).get("rule", "")).strip()[:60]
    path, options = ("automod", "remove"), {"rule": rule}
    return await _run_change(request, found, path, options, "web automod remove", "")
