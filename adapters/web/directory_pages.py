"""The support directory on the dashboard: a search preview (the member's own `/support find`,
so the same ranking), HSDS import for administrators in two steps (a dry run whose report names
every problem by file, row and column, then a confirm that imports exactly the file checked),
and export as HSDS 3 JSON.

The directory is shared by every community of this bot, so the dashboard only adds and updates
services by id ("upsert"); replacing the whole directory stays with the operator's CLI."""

from __future__ import annotations

import io
import secrets
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from adapters.web import access, perform
from adapters.web.access import Standing
from adapters.web.keys import APP, BASE_PATH
from adapters.web.pages import common, render
from bot.app import App
from bot.commands import Permission
from bot.context import Context
from bot.events import Place
from bot.message import Message, to_plain
from bot.moderation import service as moderation
from bot.support import directory, hsds

C = "/c/{platform}/{community}"
MAX_UPLOAD = 1024**2  # the bot's HTTP server takes request bodies up to 1 MiB (aiohttp's default)
UPLOADS = "directory.uploads"  # app.cache key: token -> (community, folder)


def routes(sub: web.Application) -> None:
    sub.router.add_get(C + "/directory", directory_page, name="directory")
    sub.router.add_post(C + "/directory/import", check_import, name="directory_import")
    sub.router.add_post(C + "/directory/confirm", confirm_import, name="directory_confirm")
    sub.router.add_get(C + "/directory/export.json", export_json, name="directory_export")


def _place(found: Standing) -> Place:
    return Place(found.community.platform, found.community.community_id)


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
    event = perform.command(_place(found), found.actor, app, ("support", "find"), **options)
    outcome = await perform.perform(app, event, audit=None)
    return [_shown(m) for m in outcome.replies], outcome.error


async def directory_page(
    request: web.Request, *, report: dict[str, Any] | None = None, status: int = 200
) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    form = _search(request)
    results, error = await _preview(request.app[APP], found, form)
    values = {
        "title": "Support directory",
        "topics": list(directory.TOPICS.items()),
        "form": form,
        "results": results,
        "searched": bool(form["topic"]),
        "error": error,
        "report": report,
        "may_import": found.level >= Permission.ADMIN,
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


def _run(app: App, path: Path, dry_run: bool) -> dict[str, Any]:
    try:
        with app.store.session() as s:
            changes = directory.import_feed(s, path, mode="upsert", dry_run=dry_run)
            if not dry_run:
                s.commit()
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
    report = _run(app, path, dry_run=True)
    report["file"] = name
    if not report["ok"]:
        shutil.rmtree(folder, ignore_errors=True)
        return await directory_page(request, report=report, status=422)
    token = secrets.token_urlsafe(16)
    app.cache.setdefault(UPLOADS, {})[token] = (common(found)["here"], path)
    session = await get_session(request)
    session["directory_upload"] = token
    report["token"] = token
    return await directory_page(request, report=report)


async def confirm_import(request: web.Request) -> web.Response:
    """Step two: import the very file the dry run checked (kept on the server, never re-sent)."""
    _, found = await access.require(request, Permission.ADMIN)
    app: App = request.app[APP]
    token = str((await request.post()).get("token", ""))
    session = await get_session(request)
    held = app.cache.get(UPLOADS, {})
    if not token or session.get("directory_upload") != token or token not in held:
        return await _flash(
            request, found, "error", "That check is out of date: upload the file again."
        )
    here, path = held.pop(token)
    session.pop("directory_upload", None)
    if here != common(found)["here"]:
        raise web.HTTPForbidden(text="You cannot open this page.")
    try:
        report = _run(app, path, dry_run=False)
    finally:
        shutil.rmtree(path if path.is_dir() else path.parent, ignore_errors=True)
    if not report["ok"]:
        return await _flash(
            request, found, "error", "Nothing was imported: the file no longer passes its checks."
        )
    app.cache.pop("support.index", None)  # searches see the new services at once
    services = report["services"]
    summary = f"{len(services['added'])} added, {len(services['updated'])} updated"
    _audit(app, found, summary)
    return await _flash(request, found, "ok", f"Imported: {summary}.")


def _audit(app: App, found: Standing, summary: str) -> None:
    ctx = Context(app, app.clock.now(), _place(found), found.actor)
    try:
        reason = f"{summary} (via dashboard)"
        moderation.audit(ctx, "web directory import", actor=found.actor.user_id, reason=reason)
        ctx.commit()
    finally:
        ctx.close()


async def _flash(request: web.Request, found: Standing, kind: str, text: str) -> web.Response:
    session = await get_session(request)
    session["flash"] = {"kind": kind, "text": text}
    raise web.HTTPSeeOther(request.app[BASE_PATH] + common(found)["here"] + "/directory")


async def export_json(request: web.Request) -> web.Response:
    await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    folder = Path(tempfile.mkdtemp(prefix="crossings-export-"))
    try:
        target = folder / "directory.json"
        with app.store.session() as s:
            directory.export(s, target, "hsds-json")
        body = target.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return web.Response(
        body=body,
        content_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="directory-hsds3.json"'},
    )
