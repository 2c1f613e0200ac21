"""Prompt packs: one YAML file per theme in content/prompts/, validated with line numbers.

A pack has a theme slug, a title and description per locale, and prompts. A prompt has a
stable id, text per locale, optional follow-up questions, tags and a content note (shown before
prompts that touch abuse, money control or isolation). English is required; any other locale is
optional and falls back to English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from bot.kernel.i18n import candidates
from bot.kernel.paths import CONTENT_DIR

PACK_DIR = CONTENT_DIR / "prompts"
BASE_LOCALE = "en"
# What fits on both platforms once rendered: a Discord embed description holds 4096 characters,
# a Slack section 3000, a Discord thread name 100. Prompts stay well inside.
MAX_TEXT = 1000
MAX_FOLLOW_UP = 300
MAX_NOTE = 400
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,47}$")
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

Localized = dict[str, str]


def _check_locales(value: dict[str, Any], limit: int) -> dict[str, Any]:
    if BASE_LOCALE not in value:
        raise ValueError(f"needs an '{BASE_LOCALE}' text")
    for locale, text in value.items():
        if not _LOCALE.match(locale):
            raise ValueError(f"'{locale}' is not a locale code")
        texts = text if isinstance(text, list) else [text]
        for item in texts:
            if not isinstance(item, str) or not item.strip():
                raise ValueError(f"'{locale}' text must be non-empty")
            if len(item) > limit:
                raise ValueError(f"'{locale}' text is {len(item)} characters (limit {limit})")
    return value


class PromptSpec(BaseModel, extra="forbid"):
    id: str
    text: Localized
    follow_ups: dict[str, list[str]] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    content_note: Localized = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError("ids are lowercase letters, digits and dashes (2-48)")
        return v

    @field_validator("text")
    @classmethod
    def _text(cls, v: Localized) -> Localized:
        return _check_locales(v, MAX_TEXT)

    @field_validator("follow_ups")
    @classmethod
    def _follow_ups(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        return _check_locales(v, MAX_FOLLOW_UP) if v else v

    @field_validator("content_note")
    @classmethod
    def _note(cls, v: Localized) -> Localized:
        return _check_locales(v, MAX_NOTE) if v else v


class PackSpec(BaseModel, extra="forbid"):
    theme: str
    title: Localized
    description: Localized = Field(default_factory=dict)
    prompts: list[PromptSpec] = Field(min_length=1)

    @field_validator("theme")
    @classmethod
    def _theme(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError("a theme is lowercase letters, digits and dashes (2-48)")
        return v

    @field_validator("title")
    @classmethod
    def _title(cls, v: Localized) -> Localized:
        return _check_locales(v, 80)


@dataclass(frozen=True)
class Prompt:
    id: str
    theme: str
    text: Localized
    follow_ups: dict[str, list[str]] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    content_note: Localized = field(default_factory=dict)

    def text_in(self, locale: str) -> str:
        return _pick(self.text, locale) or ""

    def follow_ups_in(self, locale: str) -> list[str]:
        return list(_pick(self.follow_ups, locale) or [])

    def note_in(self, locale: str) -> str | None:
        return _pick(self.content_note, locale)


@dataclass
class Pack:
    theme: str
    title: Localized
    description: Localized
    prompts: list[Prompt]
    source: str = ""

    def title_in(self, locale: str) -> str:
        return _pick(self.title, locale) or self.theme

    @property
    def locales(self) -> set[str]:
        found = set(self.title)
        for p in self.prompts:
            found |= set(p.text)
        return found

    def gaps(self, locale: str) -> list[str]:
        """What the pack lacks in `locale`: its title or description, or the prompts (by id)
        whose text, follow-ups or content note are not written in it. A member reading in
        `locale` would meet English exactly there."""
        missing = [part for part in ("title", "description") if not _written(self, part, locale)]
        return missing + [p.id for p in self.prompts if _prompt_gap(p, locale)]

    @property
    def complete_locales(self) -> set[str]:
        """The locales in which every text of the pack is written."""
        return {locale for locale in self.locales if not self.gaps(locale)}


def _written(pack: Pack, part: str, locale: str) -> bool:
    """True when `part` is written in `locale`, or English has nothing to translate either."""
    values: Localized = getattr(pack, part)
    return locale in values or BASE_LOCALE not in values


def _prompt_gap(prompt: Prompt, locale: str) -> bool:
    if locale not in prompt.text:
        return True
    if prompt.content_note and locale not in prompt.content_note:
        return True
    english = prompt.follow_ups.get(BASE_LOCALE, [])
    return len(prompt.follow_ups.get(locale, [])) != len(english)


def _pick(values: dict[str, Any], locale: str) -> Any:
    """The text for a locale: exact, then its language (pt-BR -> pt, zh-CN -> zh-Hans), then
    English."""
    if not values:
        return None
    for candidate in candidates(locale):
        if candidate in values:
            return values[candidate]
    return None


@dataclass(frozen=True)
class PackError:
    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


def _line_index(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Map each key path in a YAML document to its 1-based line."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines |= _line_index(value, (*path, key.value))
            lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines |= _line_index(item, (*path, i))
    return lines


def parse_pack(text: str, source: str) -> tuple[Pack | None, list[PackError]]:
    """Parse one pack; errors carry the file and line. All-or-nothing: no pack on any error."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [PackError(source, line, f"not valid YAML: {problem}")]
    if node is None or not isinstance(data, dict):
        return None, [PackError(source, 1, "a pack is a mapping with theme, title and prompts")]
    lines = _line_index(node)
    try:
        spec = PackSpec.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
            where = ".".join(str(p) for p in loc) or "pack"
            errors.append(PackError(source, line, f"{where}: {err['msg']}"))
        return None, errors
    errors = []
    seen: set[str] = set()
    for i, p in enumerate(spec.prompts):
        if p.id in seen:
            errors.append(
                PackError(source, lines.get(("prompts", i, "id")), f"duplicate id {p.id}")
            )
        seen.add(p.id)
    if errors:
        return None, errors
    prompts = [
        Prompt(p.id, spec.theme, p.text, p.follow_ups, tuple(p.tags), p.content_note)
        for p in spec.prompts
    ]
    return Pack(spec.theme, spec.title, spec.description, prompts, source), []


@dataclass
class Library:
    packs: dict[str, Pack] = field(default_factory=dict)
    errors: list[PackError] = field(default_factory=list)

    @property
    def prompts(self) -> dict[str, Prompt]:
        return {p.id: p for pack in self.packs.values() for p in pack.prompts}

    def add(self, pack: Pack) -> list[PackError]:
        """Add a pack, refusing ids another theme already uses."""
        taken = {pid: pk.theme for pk in self.packs.values() for pid in (p.id for p in pk.prompts)}
        clashes = [
            PackError(pack.source, None, f"prompt id {p.id} is already used in {taken[p.id]}")
            for p in pack.prompts
            if p.id in taken and taken[p.id] != pack.theme
        ]
        if not clashes:
            self.packs[pack.theme] = pack
        return clashes

    def languages(self) -> list[str]:
        found: set[str] = set()
        for pack in self.packs.values():
            found |= pack.locales
        return sorted(found)

    def missing_translations(self) -> list[str]:
        """Locales a pack uses somewhere but not for all its texts (a warning, not an error)."""
        notes = []
        for pack in self.packs.values():
            for locale in sorted(pack.locales - {BASE_LOCALE}):
                missing = pack.gaps(locale)
                if missing:
                    notes.append(f"{pack.source}: '{locale}' missing for {', '.join(missing)}")
        return notes


def load_library(directory: Path = PACK_DIR) -> Library:
    library = Library()
    for path in sorted(directory.glob("*.y*ml")):
        pack, errors = parse_pack(path.read_text(encoding="utf-8"), path.name)
        library.errors.extend(errors)
        if pack is not None:
            library.errors.extend(library.add(pack))
    return library
