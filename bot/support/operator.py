"""The operator's commands, `crossings directory ...`: import into and export the operator
layer (or any layer), report entries not checked for a year, read the operator log, and claim
the entries the layers migration could not attribute. Communities change their own entries on
the dashboard, never here."""

from __future__ import annotations

import argparse
import getpass
import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import update
from sqlmodel import Session

from bot.support import coverage, coverage_map, coverage_table, curation, directory, hsds, layers
from bot.support.models import SupportOrganization, SupportService


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
        help="report shipped and operator entries and helplines not checked for a year, without "
        "a source, with numbers that cannot be dialled, or duplicated (exit status 1 if any)",
    )
    chk.add_argument("--days", type=int, default=365, help="how old a check may be (365)")
    chk.add_argument("--today", help="as if today were this date (YYYY-MM-DD)")
    chk.add_argument("--json", action="store_true", help="machine-readable output")
    chk.set_defaults(handler=_check_cli)
    _add_stats(d)
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


def _add_stats(d: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    st = d.add_parser(
        "stats",
        help="coverage by country, topic and language, the countries with a crisis line and a "
        "domestic-violence line, and the local services of the cities members live in",
    )
    st.add_argument(
        "--shipped",
        action="store_true",
        help="what this release ships (content/), without a database; default: what members "
        "see (the operator's and the shipped entries)",
    )
    st.add_argument("--json", action="store_true", help="machine-readable output")
    st.add_argument("--svg", metavar="PATH", help="also draw the coverage map to this SVG file")
    st.set_defaults(handler=_stats_cli)


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _store(settings: Any) -> Any:
    from bot.kernel.store import Store

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
    if key == layers.SHIPPED:  # as members see it: this release's file, as a search would
        directory.sync_shipped(SimpleNamespace(settings=settings, store=store))
    with store.session() as s:
        if key is None:
            app = SimpleNamespace(feature_state={}, settings=settings, store=store)
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


def _unchecked(problems: list[curation.Problem]) -> list[dict[str, Any]]:
    """The entries not checked in time, as `check --json` has always listed them."""
    return [
        {
            "kind": p.source,
            "layer": p.layer,
            "id": p.id,
            "name": p.name,
            "checked_on": p.checked_on,
            "days": p.days,
        }
        for p in problems
        if p.kind in ("stale", "undated")
    ]


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
        found = curation.check(s, today, args.days)
        waiting = layers.count(s, layers.UNCLAIMED)
    if args.json:
        problems = [p.as_dict() for p in found]
        report = {"ok": not found, "problems": problems, "unchecked": _unchecked(found)}
        print(json.dumps({**report, "unclaimed": waiting}))
        return 1 if found else 0
    for p in found:
        print(p)
    if waiting:
        print(
            f"{waiting} entries wait to be claimed (nobody sees them): "
            "crossings directory claim operator|PLATFORM:COMMUNITY_ID --all"
        )
    kinds = Counter(p.kind for p in found)
    print(
        f"{len(found)} problem(s): " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        if found
        else f"no problems: every entry has a source, was checked in the last {args.days} days, "
        "has numbers that can be dialled and no duplicate"
    )
    return 1 if found else 0


def _stats_cli(args: argparse.Namespace, settings: Any) -> int:
    if args.shipped:
        services = hsds.load(directory.DIRECTORY_DIR, directory.TOPICS)[1]
    else:
        store = _store(settings)
        app = SimpleNamespace(feature_state={}, settings=settings, store=store)
        with store.session() as s:
            services = directory.view(app, s, None).visible()
    report = coverage.stats(services)
    if args.svg:
        Path(args.svg).write_text(coverage_map.svg(report), encoding="utf-8")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        coverage_table.show(report)
    return 0


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
