"""`crossings content validate` (packs and catalogs) and `crossings content catalogs`.

`validate` is the gate: any error exits 1. A key missing from a locale is only a warning there,
since members then read the English text; `catalogs --check` is the strict view used when
English gains new messages, and `catalogs --missing LOCALE` prints the entries a translator
has to add, ready to paste into that locale's .po files.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.kernel.catalog_check import CatalogReport, check_catalogs, load_locales
from bot.kernel.commands import CommandRegistry, command_key, name_key, option_key
from bot.kernel.i18n import FALLBACK, normalize
from bot.kernel.paths import CONTENT_DIR
from bot.prompts.packs import Library, load_library


def pack_languages(lib: Library) -> dict[str, dict[str, list[str]]]:
    """Per theme, the languages in which its title, description and every prompt, follow-up
    and content note are written."""
    return {
        theme: {"languages": sorted(pack.complete_locales)}
        for theme, pack in sorted(lib.packs.items())
    }


def validate_summary() -> dict[str, Any]:
    """Everything `content validate` reports: packs, catalogs, errors and warnings."""
    lib = load_library()
    report = check_catalogs()
    return {
        "prompts": len(lib.prompts),
        "themes": len(lib.packs),
        "languages": lib.languages(),
        "errors": [str(e) for e in lib.errors] + [str(e) for e in report.errors],
        "warnings": lib.missing_translations() + [str(w) for w in report.warnings],
        "catalogs": report.summary(),
        "packs": pack_languages(lib),
    }


def run_validate(as_json: bool) -> int:
    summary = validate_summary()
    errors, warnings = summary["errors"], summary["warnings"]
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
        return 1 if errors else 0
    for line in errors:
        print(f"error: {line}")
    for line in warnings:
        print(f"warning: {line}")
    catalogs = summary["catalogs"]
    print(
        f"{summary['prompts']} prompts in {summary['themes']} themes "
        f"({', '.join(summary['languages'])}); catalogs: {catalogs['keys']} messages in "
        f"{', '.join(catalogs['languages'])}; {len(errors)} errors"
    )
    return 1 if errors else 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`crossings content validate` and `crossings content catalogs`."""
    content = sub.add_parser("content", help="content: prompt packs and message catalogs")
    groups = content.add_subparsers(dest="content", required=True)
    validate = groups.add_parser(
        "validate", help="check prompt packs and message catalogs; exit 1 on errors"
    )
    validate.add_argument("--json", action="store_true", help="print a JSON summary")
    validate.set_defaults(handler=lambda args, settings: run_validate(args.json))
    _register_catalogs(groups)
    cmds = groups.add_parser(
        "commands", help="check (or --write) the English catalog of command descriptions"
    )
    cmds.add_argument("--write", action="store_true", help="regenerate it from the registry")
    cmds.set_defaults(handler=_commands)


def _register_catalogs(content: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `catalogs` under `crossings content`."""
    cat = content.add_parser("catalogs", help="translation coverage of the message catalogs")
    cat.add_argument("--check", action="store_true", help="exit 1 on any gap or error")
    cat.add_argument("--missing", metavar="LOCALE", help="print the entries LOCALE lacks")
    cat.add_argument("--json", action="store_true", help="print a JSON summary")
    cat.set_defaults(handler=_catalogs)


def _catalogs(args: argparse.Namespace, settings: object) -> int:
    if args.missing:
        return _print_missing(normalize(args.missing))
    report = check_catalogs()
    if args.json:
        print(json.dumps(_coverage(report), ensure_ascii=False))
    else:
        for line in report.errors:
            print(f"error: {line}")
        for loc, row in _coverage(report)["locales"].items():
            print(
                f"{loc:8} {row['translated']:4}/{report.keys}  missing {row['missing']:3}  "
                f"unused {row['unused']:3}"
            )
    gaps = any(report.missing.values()) or any(report.unused.values())
    return 1 if report.errors or (args.check and gaps) else 0


def _coverage(report: CatalogReport) -> dict[str, Any]:
    rows = {}
    for loc in report.languages:
        missing = len(report.missing.get(loc, []))
        rows[loc] = {
            "translated": report.keys - missing,
            "missing": missing,
            "unused": len(report.unused.get(loc, [])),
        }
    return {"keys": report.keys, "locales": rows, "errors": [str(e) for e in report.errors]}


def _print_missing(locale: str) -> int:
    """The English entries `locale` lacks, as .po text with the English as a comment."""
    locales = load_locales()
    english = locales.get(FALLBACK)
    target = locales.get(locale)
    if english is None or target is None:
        print(f"no catalog for {locale}")
        return 1
    for key in sorted(set(english.entries) - set(target.entries)):
        entry = english.entries[key]
        print(f"# {entry.source}:{entry.line}")
        for form in entry.forms():
            print(f"#. {json.dumps(form, ensure_ascii=False)}")
        print(f"msgid {json.dumps(key)}")
        if entry.plural_var:
            print(f"msgid_plural {json.dumps(entry.plural_var)}")
            print('msgstr[0] ""')
        else:
            print('msgstr ""')
        print()
    return 0


def commands_catalog(registry: CommandRegistry) -> str:
    """The English catalog of command and option descriptions, from the registry itself:
    translators translate it like any other domain; Discord gets `description_localizations`."""
    entries: dict[str, str] = {}
    for name, group in sorted(registry.groups.items()):
        entries[command_key((name,))] = group.description
    for command in sorted(registry.commands.values(), key=lambda c: c.path):
        if command.kind != "slash":
            continue
        entries[command_key(command.path)] = command.description
        for opt in command.options:
            entries[option_key(command.path, opt.name)] = opt.description
    lines = [
        "# Command and option descriptions (English), generated from the command registry by",
        "# `crossings content commands --write`; translate them like any other catalog.",
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Language: en\\n"',
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
        "",
    ]
    for key, text in entries.items():
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        lines += [f'msgid "{key}"', f'msgstr "{escaped}"', ""]
    return "\n".join(lines)


def names_catalog(registry: CommandRegistry) -> str:
    """The English catalog of command and option names (each English name is its own text):
    translated, they become Discord's `name_localizations`."""
    entries: dict[str, str] = {}
    for name in sorted(registry.groups):
        entries[name_key(name)] = name
    for command in sorted(registry.commands.values(), key=lambda c: c.path):
        if command.kind == "message":
            entries[name_key(command.name)] = command.label or command.name
            continue
        entries[name_key(command.path[-1])] = command.path[-1]
        for opt in command.options:
            entries[name_key(opt.name, option=True)] = opt.name
    lines = [
        "# Command and option names (English), generated from the command registry by",
        "# `crossings content commands --write`. Translations become Discord's name_localizations:",
        "# lower case, 1-32 letters, digits, '-' or '_' (message commands: any text up to 32).",
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Language: en\\n"',
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
        "",
    ]
    for key, text in sorted(entries.items()):
        lines += [f'msgid "{key}"', f'msgstr "{text}"', ""]
    return "\n".join(lines)


COMMANDS_PO = CONTENT_DIR / "locales" / "en" / "commands.po"
NAMES_PO = CONTENT_DIR / "locales" / "en" / "names.po"


def _commands(args: argparse.Namespace, settings: Any) -> int:
    registry = args.build_app(settings).registry
    stale = 0
    for path, text in (
        (COMMANDS_PO, commands_catalog(registry)),
        (NAMES_PO, names_catalog(registry)),
    ):
        if args.write:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
            continue
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date: run `crossings content commands --write`")
            stale = 1
        else:
            print(f"{path} matches the command registry")
    return stale
