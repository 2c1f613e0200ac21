"""`crossings moderation ...`: moderation records on the command line."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import Any

from sqlmodel import col, select

from bot.moderation.feature import feature
from bot.moderation.models import AuditEntry


@feature.command_line
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
    from bot.kernel.store import Store

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
