"""`crossings content ...`: the prompt packs on the command line."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.prompts import feature


@feature.command_line
def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    content = sub.add_parser("content", help="content packs (prompts)").add_subparsers(
        dest="content", required=True
    )
    validate = content.add_parser("validate", help="check every prompt pack; exit 1 on errors")
    validate.add_argument("--json", action="store_true", help="print a JSON summary")
    validate.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace, settings: object) -> int:
    from bot.prompts.packs import load_library

    lib = load_library()
    errors = [str(e) for e in lib.errors]
    warnings = lib.missing_translations()
    summary: dict[str, Any] = {
        "prompts": len(lib.prompts),
        "themes": len(lib.packs),
        "languages": lib.languages(),
        "errors": errors,
        "warnings": warnings,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        for line in errors:
            print(f"error: {line}")
        for line in warnings:
            print(f"warning: {line}")
        print(
            f"{summary['prompts']} prompts in {summary['themes']} themes "
            f"({', '.join(lib.languages())}); {len(errors)} errors"
        )
    return 1 if errors else 0
