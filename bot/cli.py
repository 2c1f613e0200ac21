"""The `crossings` command line."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.features import FEATURES
from bot.logs import configure

# Adapter packages may add subcommands (e.g. `crossings slack manifest`).
ADAPTER_CLI = ("adapters.discord", "adapters.slack")

Handler = Callable[[argparse.Namespace, Settings], int]


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    configure(settings.logging.level, settings.logging.json_logs)
    return settings


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import run

    return asyncio.run(run(settings))


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.console.demo import run_demo

    return asyncio.run(run_demo(only=args.scene, lang=args.lang))


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store import Store
    from bot.store.migrate import current_revision, upgrade

    store = Store(settings.database_url)
    upgrade(store)
    print(f"database at revision {current_revision(store)}")
    return 0


def cmd_db_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store import Store
    from bot.store.migrate import DatabaseNotReady, check_ready

    try:
        check_ready(Store(settings.database_url))
    except DatabaseNotReady as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("database is reachable and up to date")
    return 0


def cmd_config_check(args: argparse.Namespace, settings: Settings) -> int:
    summary: dict[str, Any] = {
        "database": settings.database_url.split("@")[-1],
        "discord": settings.has_discord,
        "slack": settings.has_slack and settings.slack.mode,
        "community": settings.community.model_dump(),
    }
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

    cfg = sub.add_parser("config", help="configuration").add_subparsers(dest="cfg", required=True)
    cfg.add_parser("check", help="validate configuration and print a summary").set_defaults(
        handler=cmd_config_check
    )

    for name in (*FEATURES, *ADAPTER_CLI):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        register = getattr(module, "register_cli", None)
        if register is not None:
            register(sub)
    return parser


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
        from bot.store.migrate import DatabaseNotReady

        if isinstance(exc, DatabaseNotReady | ConfigError):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    raise SystemExit(main())
