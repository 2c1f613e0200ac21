"""The moderator queue on the web: every card the chat queue gets that needs a moderator now
(crisis alerts, urgent ones first and marked; appeals; cases), with the chat card's own actions.
Each action becomes the click or form its chat card would send and runs through `App.run`, so
the card in chat is edited as when a moderator acts there."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlmodel import col, select

from adapters.web import access, perform, queue_items
from adapters.web.access import Standing
from adapters.web.keys import APP, BASE_PATH, CFG
from adapters.web.pages import answer, common, flash_and_return, here, render
from adapters.web.waiting import OPEN, fingerprint, waiting
from bot.kernel.app import App
from bot.kernel.commands import Permission
from bot.kernel.message import Field as MessageField
from bot.kernel.message import Message, to_plain, tokenize
from bot.moderation import queue
from bot.moderation.models import ModCase
from bot.safety.models import SafetySignal

C = "/c/{platform}/{community}"
# Queue card actions the dashboard offers: those taking a reason (a claim takes none).
REASONED = ("dismiss", "warn", "note", "escalate", "delete", "kick", "ban", "restore")
REMOVALS = ("kick", "ban")  # what cannot be undone from here: confirmed in a second step


def routes(sub: web.Application) -> None:
    sub.router.add_get(C + "/queue", queue_page, name="queue")
    sub.router.add_get(C + "/queue/fresh", fresh, name="queue_fresh")
    sub.router.add_post(C + "/queue/{number:\\d+}/claim", claim, name="claim")
    sub.router.add_post(C + "/queue/{number:\\d+}/act", act, name="act")
    sub.router.add_post(C + "/queue/alerts/{id:\\d+}/claim", claim_alert, name="alert_claim")
    sub.router.add_post(C + "/queue/alerts/{id:\\d+}/checkin", check_in, name="alert_checkin")
    sub.router.add_post(C + "/queue/appeals/{id:\\d+}/{verdict}", decide, name="appeal_decide")


def _cases(app: App, found: Standing) -> list[tuple[Message, ModCase]]:
    """Open cases as the chat queue shows them: the same card, so the same anonymity."""
    with app.context(found.place, found.actor) as ctx:
        cases = ctx.session.exec(
            select(ModCase)
            .where(*ModCase.scope(found.community), col(ModCase.status).in_(OPEN))
            .order_by(col(ModCase.number))
            .limit(50)
        ).all()
        return [(queue.card(ctx, case), case) for case in cases]


async def _names(app: App, found: Standing, messages: list[Message]) -> dict[str, str]:
    """Display names for the members the cards mention (as chat renders a mention)."""
    platform = app.platforms.get(found.community.platform)
    wanted = {
        tok.text
        for message in messages
        for f in (*message.fields, MessageField("", message.text or ""))
        for tok in tokenize(f.value)
        if tok.kind == "mention"
    }
    names: dict[str, str] = {}
    for uid in sorted(wanted)[:100]:
        member = (
            await platform.fetch_member(found.community.community_id, uid) if platform else None
        )
        if member is not None and member.display_name:
            names[uid] = member.display_name
    return names


def _plain(text: str, names: dict[str, str]) -> str:
    out = []
    for tok in tokenize(text):
        if tok.kind == "mention":
            out.append(f"{names[tok.text]} (@{tok.text})" if tok.text in names else f"@{tok.text}")
        elif tok.kind == "link":
            out.append(f"{tok.text} ({tok.url})")
        elif tok.kind == "channel":
            out.append(f"#{tok.text}")
        else:
            out.append(tok.text)
    return "".join(out)


def _card_view(message: Message, case: ModCase, names: dict[str, str]) -> dict[str, Any]:
    offered = [
        c.custom_id.split(":")[1]
        for row in message.rows
        for c in row
        if getattr(c, "custom_id", "").startswith("mod-card:")
    ]
    return {
        "number": case.number,
        "title": to_plain(message.title or ""),
        "fields": [(to_plain(f.name), _plain(f.value, names)) for f in message.fields],
        "footer": to_plain(message.footer or ""),
        "claimable": "claim" in offered and case.status != "claimed",
        "actions": [x for x in REASONED if x in offered and x not in REMOVALS],
        # Kick and ban have their own form and a second step: never one select away from dismiss.
        "removals": [x for x in REMOVALS if x in offered],
        "target": _named(case.target_id, names) if case.target_id else "",
    }


def _named(user_id: str, names: dict[str, str]) -> str:
    return f"{names[user_id]} (@{user_id})" if user_id in names else f"@{user_id}"


async def queue_page(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    cases = _cases(app, found)
    items, messages = queue_items.collect(app, found)
    names = await _names(app, found, messages + [message for message, _ in cases])
    values = {
        "title": "Moderator queue",
        # Crisis alerts first (urgent ones before concerns), then appeals, then cases.
        "items": [queue_items.view(item, lambda text: _plain(text, names)) for item in items],
        "cards": [_card_view(message, case, names) for message, case in cases],
        "seen": fingerprint(app, found.community),
        "poll": request.app[CFG].queue_poll_seconds,
        **common(found),
    }
    return await render(request, "queue.html", values)


async def fresh(request: web.Request) -> web.Response:
    """Asked by an open queue page every `queue_poll_seconds`: nothing new keeps it asking;
    a change answers with a notice that offers the queue as it is now (the page is never
    redrawn under a moderator's hands)."""
    _, found = await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    seen = request.query.get("seen", "")
    changed = fingerprint(app, found.community) != seen
    values = {
        "base": request.app[BASE_PATH],
        "seen": seen,
        "poll": request.app[CFG].queue_poll_seconds,
        "changed": waiting(app, found.community) if changed else None,
        **common(found),
    }
    return aiohttp_jinja2.render_template("queue_fresh.html", request, values)


async def claim(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    number = request.match_info["number"]
    access.scoped(app, found, ModCase, ModCase.number == access.number(request, "number"))
    event = perform.click(found.place, found.actor, app, f"mod-card:claim:{number}")
    outcome = await perform.perform(app, event, audit=f"web claim #{number}")
    return await flash_and_return(request, *answer(outcome), here(found) + "/queue")


async def act(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    form = await request.post()
    action, number = str(form.get("action", "")), request.match_info["number"]
    if action not in REASONED:
        raise web.HTTPBadRequest(text="Unknown action.")
    access.scoped(app, found, ModCase, ModCase.number == access.number(request, "number"))
    if action in REMOVALS and form.get("confirm") != "yes":
        return await _confirm_removal(request, found, int(number), action, form)
    event = perform.submit(
        found.place,
        found.actor,
        app,
        f"mod-act:{action}:{number}",
        reason=str(form.get("reason", "")),
    )
    outcome = await perform.perform(app, event, audit=f"web {action} #{number}")
    return await flash_and_return(request, *answer(outcome), here(found) + "/queue")


async def _confirm_removal(
    request: web.Request, found: Standing, number: int, action: str, form: Any
) -> web.Response:
    """Kicking or banning cannot be undone here: a second step that names the member and the
    community and posts the same form again with `confirm=yes`."""
    app: App = request.app[APP]
    with app.context(found.place, found.actor) as ctx:
        case = ctx.session.exec(
            select(ModCase).where(*ModCase.scope(found.community), ModCase.number == number)
        ).one()
        target = case.target_id or ""
    platform = app.platforms.get(found.community.platform)
    member = await platform.fetch_member(found.community.community_id, target) if platform else None
    who = _named(target, {target: member.display_name} if member and member.display_name else {})
    where = found.community.name or found.community.community_id
    verb = {"kick": "Kick", "ban": "Ban"}[action]
    reason = str(form.get("reason", ""))
    here_url = f"{request.app[BASE_PATH]}{here(found)}/queue"
    values = {
        "title": f"{verb} {who}?",
        "question": f"{verb} {who} from {where} (case {number})? This cannot be undone from here.",
        "details": [("Reason", reason)],
        "action": f"{here_url}/{number}/act",
        "hidden": [("action", action), ("reason", reason)],
        "yes": f"Yes, {action} {who}",
        "cancel": "Cancel",
        "cancel_href": f"{here_url}#case-{number}",
        **common(found),
    }
    return await render(request, "confirm.html", values)


# --- crisis alerts and appeals --------------------------------------------------------------


async def _click(request: web.Request, found: Standing, custom_id: str, audit: str) -> Any:
    app: App = request.app[APP]
    event = perform.click(found.place, found.actor, app, custom_id)
    outcome = await perform.perform(app, event, audit=audit)
    return await flash_and_return(request, *answer(outcome), here(found) + "/queue")


async def _alert(request: web.Request) -> tuple[Standing, int]:
    _, found = await access.require(request, Permission.MODERATOR)
    number = access.number(request, "id")
    access.scoped(request.app[APP], found, SafetySignal, SafetySignal.id == number)
    return found, number


async def claim_alert(request: web.Request) -> web.Response:
    found, number = await _alert(request)
    return await _click(request, found, f"safety-claim:{number}", f"web claim alert {number}")


async def check_in(request: web.Request) -> web.Response:
    found, number = await _alert(request)
    return await _click(request, found, f"safety-checkin:{number}", f"web check-in {number}")


async def decide(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    number, verdict = access.number(request, "id"), request.match_info["verdict"]
    if verdict not in queue_items.VERDICTS:
        raise web.HTTPNotFound(text=access.NOT_HERE)
    queue_items.appeal_here(request.app[APP], found, number)
    custom_id = f"mod-appeal-decide:{verdict}:{number}"
    return await _click(request, found, custom_id, f"web {verdict} appeal {number}")
