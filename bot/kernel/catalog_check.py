"""Checks for the message catalogs, reported with file and line.

English (content/locales/en) is the reference. For every other locale this finds keys that are
missing (shown in English until translated) or unused (no English key: a typo or a removed
message), placeholders that differ from English, plural forms that disagree with Babel's rule
for the language, and texts longer than the platform surface that shows them allows (Discord and
Slack cut them off). An English key no code refers to is an error too: a second copy of a text
that nothing reads drifts from the live one (command names and descriptions, generated from the
command registry and kept in step by `crossings content commands`, are used by construction).
"""

from __future__ import annotations

import gettext
import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

from bot.kernel.i18n import (
    FALLBACK,
    PSEUDO,
    catalog_dir,
    normalize,
    plural_categories,
    plural_index,
)
from bot.kernel.paths import ROOT

Text = str | tuple[str, ...]


@dataclass(frozen=True)
class Issue:
    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Entry:
    key: str
    text: Text
    plural_var: str | None
    source: str
    line: int

    def forms(self) -> tuple[str, ...]:
        return self.text if isinstance(self.text, tuple) else (self.text,)


@dataclass(frozen=True)
class Surface:
    """Where a message is shown, and how many characters each platform shows there."""

    name: str
    discord: int
    slack: int


MESSAGE = Surface("message text", 2000, 3000)
# Most specific first; the first pattern that matches a key decides its surface.
SURFACES: tuple[tuple[re.Pattern[str], Surface], ...] = tuple(
    (re.compile(pattern), surface)
    for pattern, surface in (
        (r"^mod\.form\.\w+_title$|^prompts\.import\.title$", Surface("form title", 45, 24)),
        (r"^core\.form\.submit$", Surface("form submit label", 80, 24)),
        (
            r"^mod\.form\.(appeal_text|details|duration|reason)$|^prompts\.import\.label$",
            Surface("form field label", 45, 2000),
        ),
        (r"^mod\.form\.details_hint$", Surface("form field placeholder", 100, 150)),
        (
            r"^(mod\.btn\.|peers\.btn\.)|^privacy\.delete\.(yes|no)$|^prompts\.(approve|reject)$"
            r"|^safety\.talk_button$",
            Surface("button label", 80, 75),
        ),
        (r"^mod\.report\.reason_placeholder$", Surface("menu placeholder", 150, 150)),
        (r"^mod\.reason\.", Surface("menu option", 100, 75)),
        (r"^cmd\..*\.description$", Surface("command description", 100, 2000)),
        (r"^(cmdname|optname)\.", Surface("command name", 32, 32)),
        (r"^(peers\.intro\.thread|prompts\.post\.title)$", Surface("thread name", 100, 150)),
        (r"(\.|_)title(\.|$)|^home\.title$", Surface("title", 256, 150)),
    )
)


def surface_for(key: str) -> Surface:
    return next((s for pattern, s in SURFACES if pattern.search(key)), MESSAGE)


def placeholders(text: str) -> set[str]:
    """The str.format field names in a text ('{count}' -> 'count')."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _shown_length(text: str) -> int:
    """Characters a text takes at least once shown: placeholders count as empty."""
    return len(re.sub(r"\{[^{}]*\}", "", text))


def _display(path: Path) -> str:
    """A path as shown in reports: relative to the project when inside it."""
    return str(path.relative_to(ROOT)) if ROOT in path.parents else str(path)


def read_entries(path: Path, root: Path) -> tuple[dict[str, Entry], tuple[int, str] | None]:
    """Entries of one .po file and its (nplurals, expression) header, if any."""
    with path.open("rb") as fh:
        cat = read_po(fh)
    source = _display(path)
    header = None
    # Babel fills in a Plural-Forms of its own when a file has none: look at the file itself.
    if '"Plural-Forms:' in path.read_text(encoding="utf-8"):
        header = (cat.num_plurals, cat.plural_expr)
    out: dict[str, Entry] = {}
    for m in cat:
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            forms = tuple(str(s) for s in (m.string or ()))
            entry = Entry(str(m.id[0]), forms, str(m.id[1]), source, m.lineno or 0)
        else:
            entry = Entry(str(m.id), str(m.string), None, source, m.lineno or 0)
        out[entry.key] = entry
    return out, header


@dataclass
class LocaleFiles:
    locale: str
    entries: dict[str, Entry] = field(default_factory=dict)
    headers: list[tuple[str, tuple[int, str] | None]] = field(default_factory=list)


def load_locales(root: Path | None = None) -> dict[str, LocaleFiles]:
    root = root or catalog_dir()
    out: dict[str, LocaleFiles] = {}
    for po in sorted(root.glob("*/*.po")):
        locale = normalize(po.parent.name)
        files = out.setdefault(locale, LocaleFiles(locale))
        entries, header = read_entries(po, root)
        files.entries.update(entries)
        files.headers.append((_display(po), header))
    return out


@dataclass
class CatalogReport:
    languages: list[str]
    keys: int
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)
    unused: dict[str, list[str]] = field(default_factory=dict)
    unreferenced: list[str] = field(default_factory=list)  # English keys no code reads

    def summary(self) -> dict[str, object]:
        return {
            "languages": self.languages,
            "pseudo": [PSEUDO],
            "keys": self.keys,
            "missing": {loc: len(keys) for loc, keys in self.missing.items() if keys},
            "unused": {loc: len(keys) for loc, keys in self.unused.items() if keys},
            "unused_keys": len(self.unreferenced),
        }


def check_catalogs(
    root: Path | None = None, code_dirs: Iterable[Path] | None = None
) -> CatalogReport:
    """Check every locale against English; see the module docstring for what is checked."""
    locales = load_locales(root)
    english = locales.get(FALLBACK)
    if english is None:
        return CatalogReport([], 0, errors=[Issue("content/locales", None, "no English catalog")])
    report = CatalogReport(sorted(locales), len(english.entries))
    for files in locales.values():
        _check_headers(files, report)
        for entry in files.entries.values():
            _check_lengths(entry, files.locale, report)
        if files.locale != FALLBACK:
            _compare(files, english, report)
    dirs = list(code_dirs) if code_dirs is not None else [ROOT / "bot", ROOT / "adapters"]
    generated = {k for k in english.entries if k.startswith(GENERATED)}
    # No code directories (`code_dirs=[]`): nothing to compare with, so no key counts unread.
    read = referenced_keys(english.entries, dirs) if dirs else set(english.entries)
    unread = set(english.entries) - generated - read
    for key in sorted(unread):
        entry = english.entries[key]
        report.unreferenced.append(key)
        report.errors.append(Issue(entry.source, entry.line, f"{key} is not used in the code"))
    return report


# Keys generated from the command registry (names.po, commands.po): read through
# `bot.kernel.commands.name_key` / `command_key` / `option_key`, never spelled out in code.
GENERATED = ("cmdname.", "optname.", "cmd.")


def _check_headers(files: LocaleFiles, report: CatalogReport) -> None:
    """Every file of a language declares the same number of forms, no more than CLDR has
    categories, with a rule that agrees with the one the bot applies (tools such as Poedit
    show forms by the header; the bot picks them by CLDR category, bot.kernel.i18n.plural_index)."""
    nplurals = locale_nplurals(files)
    most = len(plural_categories(files.locale))
    for source, header in files.headers:
        if header is None:
            report.errors.append(Issue(source, 1, "no Plural-Forms header"))
            continue
        count, expr = header
        if count != nplurals or count > most:
            report.errors.append(
                Issue(
                    source,
                    1,
                    f"Plural-Forms has nplurals={count}; {files.locale} needs "
                    f"{nplurals} in every file, at most {most} (its CLDR categories)",
                )
            )
        elif wrong := _disagrees(files.locale, count, expr):
            report.errors.append(
                Issue(
                    source,
                    1,
                    f"Plural-Forms gives form {wrong[1]} for {wrong[0]}; "
                    f"its CLDR category in {files.locale} takes form {wrong[2]}",
                )
            )


def locale_nplurals(files: LocaleFiles) -> int:
    """The forms a language's messages have: its first file's header, else one per CLDR
    category."""
    declared = [h[0] for _, h in files.headers if h is not None]
    return declared[0] if declared else len(plural_categories(files.locale))


@lru_cache(maxsize=64)  # a language's files share one header: compare it once
def _disagrees(locale: str, nplurals: int, expr: str) -> tuple[int, int, int] | None:
    """The first count (0-1000) whose form differs between `expr` and the CLDR rule."""
    rule = gettext.c2py(expr)
    for n in range(1001):
        if (got := int(rule(n))) != (want := plural_index(locale, n, nplurals)):
            return n, got, want
    return None


def _check_lengths(entry: Entry, locale: str, report: CatalogReport) -> None:
    surface = surface_for(entry.key)
    for text in entry.forms():
        shown = _shown_length(text)
        for platform, limit in (("Discord", surface.discord), ("Slack", surface.slack)):
            if shown > limit:
                report.errors.append(
                    Issue(
                        entry.source,
                        entry.line,
                        f"{entry.key} ({locale}) is {shown} characters; a {platform} "
                        f"{surface.name} shows {limit}",
                    )
                )


def _compare(files: LocaleFiles, english: LocaleFiles, report: CatalogReport) -> None:
    loc = files.locale
    report.missing[loc] = sorted(set(english.entries) - set(files.entries))
    report.unused[loc] = sorted(set(files.entries) - set(english.entries))
    for key in report.missing[loc]:
        report.warnings.append(
            Issue(english.entries[key].source, english.entries[key].line, f"{loc} is missing {key}")
        )
    for key in report.unused[loc]:
        e = files.entries[key]
        report.errors.append(Issue(e.source, e.line, f"{key} is not an English key (unused)"))
    nplurals = locale_nplurals(files)
    for key in sorted(set(files.entries) & set(english.entries)):
        _compare_entry(files.entries[key], english.entries[key], loc, nplurals, report)
        _check_name(files.entries[key], english.entries[key], loc, report)


def _is_command_name(text: str) -> bool:
    """Discord's rule for slash-command and option names: lower case, letters (any script),
    digits, '-' and '_'."""
    return text == text.lower() and all(
        ch in "-_" or unicodedata.category(ch)[0] in "LN" for ch in text
    )


def _check_name(entry: Entry, source: Entry, loc: str, report: CatalogReport) -> None:
    """A translated slash-command or option name must still be a name Discord accepts
    (message-command labels, whose English is not such a name, may hold spaces)."""
    if not entry.key.startswith(("cmdname.", "optname.")):
        return
    if _is_command_name(source.forms()[0]) and not _is_command_name(entry.forms()[0]):
        report.errors.append(
            Issue(
                entry.source,
                entry.line,
                f"{entry.key} ({loc}): {entry.forms()[0]!r} is not a command name "
                "(lower case letters, digits, '-' or '_')",
            )
        )


def _compare_entry(
    entry: Entry, source: Entry, loc: str, nplurals: int, report: CatalogReport
) -> None:
    def err(message: str) -> None:
        report.errors.append(Issue(entry.source, entry.line, f"{entry.key} ({loc}): {message}"))

    if (entry.plural_var is None) != (source.plural_var is None):
        err("plural in one catalog and not the other")
        return
    if entry.plural_var is not None and entry.plural_var != source.plural_var:
        err(f"counts with '{entry.plural_var}', English counts with '{source.plural_var}'")
    if entry.plural_var is not None and len(entry.forms()) != nplurals:
        err(f"has {len(entry.forms())} plural forms, {loc} has {nplurals}")
    wanted: set[str] = set().union(*(placeholders(f) for f in source.forms()))
    optional = {source.plural_var} if source.plural_var else set()
    for text in entry.forms():
        try:
            found = placeholders(text)
        except ValueError as exc:
            err(f"braces do not parse ({exc})")
            continue
        if found - wanted:
            err(f"placeholders {sorted(found - wanted)} are not in English")
        if wanted - optional - found:
            err(f"placeholders {sorted(wanted - optional - found)} are missing")


# Literal keys in code ("mod.btn.ban") and prefixes of keys built at run time
# (f"mod.cap.{m.value}" -> "mod.cap.").
_KEY_LITERAL = re.compile(r"""["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']""")
_KEY_PREFIX = re.compile(
    r"""f["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*[._]?)\{|["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*\.)["']\s*\+"""
)


def referenced_keys(keys: Iterable[str], dirs: Iterable[Path]) -> set[str]:
    """The keys that code under `dirs` names literally or by an f-string prefix."""
    literals: set[str] = set()
    prefixes: set[str] = set()
    for directory in dirs:
        for path in directory.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            literals.update(_KEY_LITERAL.findall(text))
            for groups in _KEY_PREFIX.findall(text):
                prefixes.update(p for p in groups if "." in p)
    return {k for k in keys if k in literals or any(k.startswith(p) for p in prefixes)}
