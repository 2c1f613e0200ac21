"""The support directory on the dashboard, for one community.

Members see three layers (bot.support.layers): this community's own entries, the operator's and
the shipped ones. Here moderators preview the members' own `/support find` (the same ranking)
and export what the members see or the community's own entries; administrators import an HSDS
file into the community's own entries in two steps (a dry run whose report names every problem
by file, row and column, then a confirm that imports exactly the file checked), edit or delete
an entry of their own, and hide a shipped or operator entry from their own members.

The shipped and operator entries are read-only here: an import only ever writes this
community's layer, and every row is looked up through this community's layer first, so another
community's entry id answers exactly as an id that does not exist. Each change is audited in
this community ("web directory ...", "via dashboard")."""

from __future__ import annotations

import io
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from aiohttp import web
from aiohttp_session import get_session
from sqlmodel import Session

from adapters.web import access, perform
from adapters.web.access import Standing
from adapters.web.keys import APP, BASE_PATH, UPLOADS
from adapters.web.pages import common, render
from bot.kernel.app import App
from bot.kernel.commands import Permission
from bot.kernel.context import Context
from bot.kernel.message import Message, to_plain
from bot.moderation import service as moderation
from bot.support import directory, entries, hsds, layers
from bot.support.hsds import export as export_hsds
from bot.support.layers import LayerKey
from bot.support.models import SupportService

C = "/c/{platform}/{community}"
OWN = C + "/directory/own/{sid}"
MAX_UPLOAD = 1024**2  # the bot's HTTP server takes request bodies up to 1 MiB (aiohttp's default)
LISTED = 200  # shipped and operator entries listed at once (a name filter finds the rest)
NOT_FOUND = "No such entry in this community's directory."


def routes(sub: web.Application) -> None:
    sub.router.add_get(C + "/directory", directory_page, name="directory")
    sub.router.add_post(C + "/directory/import", check_import, name="directory_import")
    sub.router.add_post(C + "/directory/confirm", confirm_import, name="directory_confirm")
    sub.router.add_get(C + "/directory/export.json", export_json, name="directory_export")
    sub.router.add_get(C + "/directory/own.json", export_own, name="directory_export_own")
    sub.router.add_post(C + "/directory/hide", hide_entry, name="directory_hide")
    sub.router.add_get(OWN, own_entry, name="directory_entry")
    sub.router.add_post(OWN, save_entry, name="directory_entry_save")
    sub.router.add_post(OWN + "/delete", delete_entry, name="directory_entry_delete")
    sub.router.add_get(OWN + "/export.json", export_entry, name="directory_entry_export")


def _layer(found: Standing) -> LayerKey:
    return layers.of(found.community)


def _search(request: web.Request) -> dict[str, str]:
    q = request.query
    return {
        "topic": q.get("topic", "").strip()[:40],
        "city": q.get("city", "").strip()[:80],
        "language": q.get("language", "").strip()[:40],
        "country": q.get("country", "").strip()[:2],
        "online": "yes" if q.get("online") else "",
        "free": "yes" if q.get("free") else "",
    }


def _shown(message: Message) -> dict[str, Any]:
    return {
        "title": to_plain(message.title or ""),
        "text": to_plain(message.text),
        "fields": [(to_plain(f.name), to_plain(f.value)) for f in message.fields],
        "footer": to_plain(message.footer or ""),
    }


async def _preview(app: App, found: Standing, form: dict[str, str]) -> tuple[list[Any], str | None]:
    if not form["topic"]:
        return [], None
    options = {k.replace("_", "-"): v for k, v in form.items() if v}
    event = perform.command(found.place, found.actor, app, ("support", "find"), **options)
    outcome = await perform.perform(app, event, audit=None)
    return [_shown(m) for m in outcome.replies], outcome.error


def _row(s: SupportService, today: Any) -> dict[str, Any]:
    checked = layers.checked_on(s)
    return {
        "id": s.id,
        "name": s.name,
        "origin": layers.origin(s),
        "countries": ", ".join(sorted(directory.countries(s))) or "anywhere",
        "topics": ", ".join(s.topics),
        "status": s.status,
        "checked": checked.isoformat() if checked else "",
        "stale": layers.is_stale(checked, today),
        "added": s.added_at.date().isoformat() if s.added_at else "",
        "added_by": s.added_by or "",
    }


def _listing(app: App, found: Standing, text: str) -> dict[str, Any]:
    """This community's own entries, and the shipped and operator entries with whether its
    members see each (hidden here, or stood in for by an entry of its own with the same id)."""
    key = _layer(found)
    today = app.clock.now().date()
    with Session(app.store.engine) as s:
        view = directory.view(app, s, key)
        hidden = layers.hidden_ids(s, key)
        by_operator = layers.operator_log(s, 20, key)
    own_index = view.own()
    own = own_index.cache if own_index is not None else []
    own_ids = {x.id for x in own}
    base: list[dict[str, Any]] = []
    needle = text.casefold()
    total = 0
    nearer: set[str] = set()  # an operator entry stands in for a shipped one with its id
    for _, index in view.layers[1 if own_index is not None else 0 :]:
        for svc in index.cache:
            if svc.id in nearer:
                continue
            if needle and needle not in svc.name.casefold() and needle != svc.id:
                continue
            total += 1
            if len(base) >= LISTED and svc.id not in hidden:
                continue
            row = _row(svc, today)
            row["shown"] = (
                "hidden" if svc.id in hidden else "yours" if svc.id in own_ids else "shown"
            )
            base.append(row)
        nearer |= index.ids
    return {
        "own": [_row(x, today) for x in own],
        "shared": sorted(base, key=lambda r: (r["shown"] != "hidden", r["name"].casefold())),
        "shared_total": total,
        "find": text,
        "by_operator": [{"at": r.at.date().isoformat(), "summary": r.summary} for r in by_operator],
    }


async def directory_page(
    request: web.Request, *, report: dict[str, Any] | None = None, status: int = 200
) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    form = _search(request)
    results, error = await _preview(app, found, form)
    values = {
        "title": "Support directory",
        "topics": list(directory.TOPICS.items()),
        "form": form,
        "results": results,
        "searched": bool(form["topic"]),
        "error": error,
        "report": report,
        "may_import": found.level >= Permission.ADMIN,
        **_listing(app, found, request.query.get("find", "").strip()[:80]),
        **common(found),
    }
    return await render(request, "directory.html", values, status=status)


# --- import ---------------------------------------------------------------------------------


def _unpack(name: str, data: bytes, folder: Path) -> Path:
    """The uploaded feed on disk: a JSON file, a CSV file, or a zip of an HSDS CSV folder."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = 0
            for info in z.infolist():
                inner = PurePosixPath(info.filename)
                total += info.file_size
                if info.is_dir() or inner.suffix.lower() != ".csv" or total > 4 * MAX_UPLOAD:
                    continue
                (folder / inner.name).write_bytes(z.read(info))
        return folder
    target = folder / ("feed.json" if suffix == ".json" else PurePosixPath(name).name or "feed")
    target.write_bytes(data)
    return target


async def _upload(request: web.Request) -> tuple[str, bytes]:
    """The uploaded feed. `request.post()` (cached: the CSRF check may have read it first)
    refuses bodies over aiohttp's limit with 413 before anything is kept."""
    part = (await request.post()).get("feed")
    if not isinstance(part, web.FileField):
        return "", b""
    return part.filename or "feed", part.file.read(MAX_UPLOAD + 1)[:MAX_UPLOAD]


def _run(session: Session, app: App, found: Standing, path: Path, dry_run: bool) -> dict[str, Any]:
    """Import into this community's own entries, and no other layer (in the caller's
    transaction)."""
    try:
        changes = directory.import_feed(
            session,
            path,
            mode="upsert",
            dry_run=dry_run,
            layer=_layer(found),
            actor=found.actor.user_id,
            now=app.clock.now(),
        )
    except hsds.ImportFailed as exc:
        problems = [p.as_dict() for p in exc.problems[:500]]
        return {"ok": False, "problems": problems, "count": len(exc.problems)}
    return {"ok": True, **changes.summary()}


def _refused(why: str) -> dict[str, Any]:
    return {"ok": False, "problems": [], "count": 0, why: True}


async def check_import(request: web.Request) -> web.Response:
    """Step one: check the file and show what it would change; nothing is written."""
    _, found = await access.require(request, Permission.ADMIN)
    app: App = request.app[APP]
    name, data = await _upload(request)
    if not data:
        return await directory_page(request, report=_refused("empty"), status=422)
    folder = Path(tempfile.mkdtemp(prefix="crossings-feed-"))
    try:
        path = _unpack(name, data, folder)
    except zipfile.BadZipFile:
        shutil.rmtree(folder, ignore_errors=True)
        return await directory_page(request, report=_refused("bad_zip"), status=422)
    with app.store.session() as s:
        report = _run(s, app, found, path, dry_run=True)
    report["file"] = name
    if not report["ok"]:
        shutil.rmtree(folder, ignore_errors=True)
        return await directory_page(request, report=report, status=422)
    token = secrets.token_urlsafe(16)
    request.app[UPLOADS][token] = (common(found)["here"], path)
    session = await get_session(request)
    session["directory_upload"] = token
    report["token"] = token
    return await directory_page(request, report=report)


def _ids(label: str, ids: list[str], most: int = 20) -> str:
    if not ids:
        return ""
    more = f" and {len(ids) - most} more" if len(ids) > most else ""
    return f"; {label}: {', '.join(ids[:most])}{more}"


async def confirm_import(request: web.Request) -> web.Response:
    """Step two: import the very file the dry run checked (kept on the server, never re-sent)."""
    _, found = await access.require(request, Permission.ADMIN)
    app: App = request.app[APP]
    token = str((await request.post()).get("token", ""))
    session = await get_session(request)
    held = request.app[UPLOADS]
    if not token or session.get("directory_upload") != token or token not in held:
        return await _flash(
            request, found, "error", "That check is out of date: upload the file again."
        )
    here, path = held.pop(token)
    session.pop("directory_upload", None)
    if here != common(found)["here"]:
        raise web.HTTPForbidden(text="You cannot open this page.")
    try:
        with _changing(app, found) as ctx:
            report = _run(ctx.session, app, found, path, dry_run=False)
            if report["ok"]:
                _audit(ctx, found, "web directory import", _imported(report))
    finally:
        shutil.rmtree(path if path.is_dir() else path.parent, ignore_errors=True)
    if not report["ok"]:
        return await _flash(
            request, found, "error", "Nothing was imported: the file no longer passes its checks."
        )
    services = report["services"]
    summary = f"{len(services['added'])} added, {len(services['updated'])} updated"
    return await _flash(request, found, "ok", f"Imported into your community's entries: {summary}.")


def _imported(report: dict[str, Any]) -> str:
    """The audit entry's reason: the counts and the ids touched."""
    services = report["services"]
    return (
        f"{len(services['added'])} added, {len(services['updated'])} updated"
        + _ids("added", services["added"])
        + _ids("updated", services["updated"])
        + _ids("stand in for shipped or operator entries", report["stands_in_for"])
    )


@contextmanager
def _changing(app: App, found: Standing) -> Iterator[Context]:
    """A change to this community's directory and its audit entry, in one transaction: both
    are written, or neither."""
    with app.context(found.place, found.actor) as ctx:
        yield ctx
        ctx.commit()


def _audit(
    ctx: Context, found: Standing, action: str, summary: str, target: str | None = None
) -> None:
    reason = f"{summary} (via dashboard)"
    moderation.audit(ctx, action, actor=found.actor.user_id, target=target, reason=reason)


async def _flash(request: web.Request, found: Standing, kind: str, text: str) -> web.Response:
    session = await get_session(request)
    session["flash"] = {"kind": kind, "text": text}
    raise web.HTTPSeeOther(request.app[BASE_PATH] + common(found)["here"] + "/directory")


# --- hiding a shipped or operator entry -------------------------------------------------------


async def hide_entry(request: web.Request) -> web.Response:
    """Hide a shipped or operator entry from this community's members, or show it again."""
    _, found = await access.require(request, Permission.ADMIN)
    app: App = request.app[APP]
    form = await request.post()
    sid, op = str(form.get("service", ""))[:64], str(form.get("op", ""))
    key, now = _layer(found), app.clock.now()
    with _changing(app, found) as ctx:
        s = ctx.session
        if sid not in layers.ids(s, layers.BASE) or op not in ("hide", "show"):
            raise web.HTTPNotFound(text=NOT_FOUND)
        done = (
            layers.hide(s, key, sid, found.actor.user_id, now)
            if op == "hide"
            else layers.show(s, key, sid, now)
        )
        name = next((x.name for k in layers.BASE if (x := layers.find(s, k, sid))), sid)
        if done:
            action = "web directory hide" if op == "hide" else "web directory show"
            _audit(ctx, found, action, f"{name} ({'hidden from' if op == 'hide' else 'shown to'} "
                   "this community's members)", target=sid)  # fmt: skip
    word = "hidden from your members" if op == "hide" else "shown to your members again"
    return await _flash(request, found, "ok", f"{name}: {word}.")


# --- one of this community's own entries ------------------------------------------------------


def _own(app: App, found: Standing, sid: str) -> SupportService:
    """The entry in this community's own layer; anything else (another community's entry, a
    shipped one, no such id) is the same 404."""
    with Session(app.store.engine, expire_on_commit=False) as s:
        row = layers.find(s, _layer(found), sid[:64])
    if row is None:
        raise web.HTTPNotFound(text=NOT_FOUND)
    return row


async def _entry_page(
    request: web.Request,
    found: Standing,
    entry: SupportService,
    form: entries.Form,
    errors: dict[str, str],
    status: int = 200,
) -> web.Response:
    values = {
        "title": entry.name,
        "entry": _row(entry, request.app[APP].clock.now().date()),
        "form": form,
        "errors": errors,
        "topics": list(directory.TOPICS.items()),
        "may_edit": found.level >= Permission.ADMIN,
        **common(found),
    }
    return await render(request, "directory_entry.html", values, status=status)


async def own_entry(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    entry = _own(request.app[APP], found, request.match_info["sid"])
    return await _entry_page(request, found, entry, entries.Form.of(entry), {})


async def save_entry(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.ADMIN)
    app: App = request.app[APP]
    key, now = _layer(found), app.clock.now()
    data = await request.post()
    form = entries.Form(
        name=str(data.get("name", ""))[:400],
        description=str(data.get("description", ""))[:4000],
        url=str(data.get("url", ""))[:400],
        phone=str(data.get("phone", ""))[:60],
        topics=[str(t) for t in data.getall("topics", [])][:20],
        countries=str(data.get("countries", ""))[:200],
        languages=str(data.get("languages", ""))[:200],
        status=str(data.get("status", "active")),
    )
    with _changing(app, found) as ctx:
        entry = layers.find(ctx.session, key, request.match_info["sid"][:64])
        if entry is None:
            raise web.HTTPNotFound(text=NOT_FOUND)
        before = entries.Form.of(entry)
        errors = entries.apply(entry, form, now)
        after = entries.Form.of(entry)
        changed = [k for k in vars(after) if getattr(after, k) != getattr(before, k)]
        if errors or not changed:
            ctx.session.expunge(entry)  # nothing to write (not even the time of the edit)
        else:
            entries.save(ctx.session, key, entry, now)
            summary = f"{entry.name}: {', '.join(changed)}"
            _audit(ctx, found, "web directory edit", summary, entry.id)
    if errors:
        return await _entry_page(request, found, entry, form, errors, status=422)
    return await _flash(request, found, "ok", f"Saved {entry.name}.")


async def delete_entry(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.ADMIN)
    app: App = request.app[APP]
    entry = _own(app, found, request.match_info["sid"])
    with _changing(app, found) as ctx:
        if not entries.remove(ctx.session, _layer(found), entry.id, app.clock.now()):
            raise web.HTTPNotFound(text=NOT_FOUND)
        _audit(ctx, found, "web directory delete", entry.name, entry.id)
    return await _flash(request, found, "ok", f"Deleted {entry.name}.")


# --- exports --------------------------------------------------------------------------------


def _download(body: bytes, name: str) -> web.Response:
    return web.Response(
        body=body,
        content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _written(write: Any) -> bytes:
    folder = Path(tempfile.mkdtemp(prefix="crossings-export-"))
    try:
        target = folder / "directory.json"
        write(target)
        return target.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def export_json(request: web.Request) -> web.Response:
    """What this community's members see: its own entries, the operator's and the shipped
    ones it has not hidden."""
    _, found = await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    with Session(app.store.engine) as s:
        view = directory.view(app, s, _layer(found))
        body = _written(lambda path: directory.export_view(s, view, path, "hsds-json"))
    return _download(body, "directory-hsds3.json")


async def export_own(request: web.Request) -> web.Response:
    """This community's own entries only (they import again to the same entries)."""
    _, found = await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    with Session(app.store.engine) as s:
        body = _written(lambda path: directory.export(s, path, "hsds-json", _layer(found)))
    return _download(body, "directory-own-hsds3.json")


async def export_entry(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    entry = _own(app, found, request.match_info["sid"])
    with Session(app.store.engine) as s:
        orgs = [o for o in layers.organizations(s, _layer(found)) if o.id == entry.organization_id]
    body = _written(
        lambda path: export_hsds.export(path, "hsds-json", directory.TOPICS, [entry], orgs)
    )
    return _download(body, "directory-entry-hsds3.json")
