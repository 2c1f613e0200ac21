"""The `crossings` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bot.kernel.config import ConfigError, Settings
from bot.kernel.logs import configure
from crossings import content
from crossings.build import build_app
from crossings.features import features
from crossings.plugins import adapter_plugins, enabled_plugins, enabled_services, section
from crossings.settings import load_settings

Handler = Callable[[argparse.Namespace, Settings], int]


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    configure(settings.logging.level, settings.logging.json_logs)
    return settings


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from crossings.runtime import run

    return asyncio.run(run(settings))


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from crossings.demo import run_demo

    return asyncio.run(run_demo(only=args.scene, lang=args.lang))


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.kernel.store import Store
    from crossings.migrate import current_revision, upgrade

    store = Store(settings.database_url)
    upgrade(store)
    print(f"database at revision {current_revision(store)}")
    return 0


def cmd_db_revision(args: argparse.Namespace, settings: Settings) -> int:
    from crossings.migrate import new_revision

    path = new_revision(args.message)
    print(f"wrote {path}: read it, then `crossings db upgrade`")
    return 0


def cmd_db_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.kernel.store import Store
    from crossings.migrate import DatabaseNotReady, check_ready

    try:
        check_ready(Store(settings.database_url))
    except DatabaseNotReady as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("database is reachable and up to date")
    return 0


def cmd_config_check(args: argparse.Namespace, settings: Settings) -> int:
    summary: dict[str, Any] = {"database": settings.database_url.split("@")[-1]}
    running = {p.name for p in [*enabled_plugins(settings), *enabled_services(settings)]}
    for plugin in adapter_plugins():
        on = plugin.name in running
        summary[plugin.name] = (
            plugin.summary(section(settings, plugin)) if on and plugin.summary else on
        )
    summary["community"] = settings.community.model_dump()
    print(json.dumps(summary, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crossings",
        description="Peer-support community bot for people in intercultural relationships.",
    )
    parser.add_argument("--config", help="path to crossings.toml (default: ./crossings.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "run", help="start the bot (Discord/Slack when configured, else the console)"
    )
    p.set_defaults(handler=cmd_run)
    p = sub.add_parser("demo", help="scripted tour of the console community (simulated clock)")
    p.add_argument("--scene", help="run only scenes whose name contains this")
    p.add_argument("--lang", help="the community's language for the tour (es, ja, ar, en-XA...)")
    p.set_defaults(handler=cmd_demo)

    db = sub.add_parser("db", help="database migrations").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply migrations up to the latest").set_defaults(
        handler=cmd_db_upgrade
    )
    db.add_parser("check", help="fail unless the database is reachable and current").set_defaults(
        handler=cmd_db_check
    )
    rev = db.add_parser("revision", help="write the next migration from the features' tables")
    rev.add_argument("-m", "--message", required=True, help="what the migration changes")
    rev.set_defaults(handler=cmd_db_revision)

    cfg = sub.add_parser("config", help="configuration").add_subparsers(dest="cfg", required=True)
    cfg.add_parser("check", help="validate configuration and print a summary").set_defaults(
        handler=cmd_config_check
    )

    content.register(sub)
    # Features and adapters bring their own subcommands (e.g. `crossings slack manifest`).
    for feature in features():
        if feature.register_cli is not None:
            feature.register_cli(sub)
    for plugin in adapter_plugins():
        if plugin.register_cli is not None:
            plugin.register_cli(sub)
    # Subcommands that need the whole app build it with `args.build_app(settings)`.
    parser.set_defaults(build_app=_build_app)
    return parser


def _build_app(settings: Settings) -> Any:
    from bot.kernel.clock import SystemClock
    from bot.kernel.store import Store

    return build_app(Store(settings.database_url), settings, SystemClock())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = _settings(args)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    handler: Handler = args.handler
    try:
        return handler(args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from crossings.migrate import DatabaseNotReady

        if isinstance(exc, DatabaseNotReady | ConfigError):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    raise SystemExit(main())
