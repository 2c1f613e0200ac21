"""One registry of commands: names, typed options with limits, permissions and handlers.

A handler's signature is its option list, written once: each parameter after the context is
`name: Annotated[<type>, Opt("description", ...limits)]`, its type gives the option type and a
default makes it optional. Parsing and validation live here so every adapter gives members the
same errors. Adapters render the registry natively (Discord application commands, Slack slash
commands and the app manifest, console commands) and send `CommandInvoked` events with raw
option values.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re
import shlex
import types
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal, NewType, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class Permission(IntEnum):
    """Ordered: each level includes the ones below it."""

    MEMBER = 0
    ORGANIZER = 1
    MODERATOR = 2
    ADMIN = 3


class OptionType(StrEnum):
    STRING = "string"
    INT = "int"
    BOOL = "bool"
    MEMBER = "member"
    CHANNEL = "channel"
    CHOICE = "choice"
    DURATION = "duration"
    DATETIME = "datetime"
    TIMEZONE = "timezone"


class CommandError(Exception):
    """A problem the member can fix; its text is shown to them privately.

    Code that has no context at hand raises `CommandError.of(key, **values)`: the catalog key is
    rendered in the member's language where the error is answered (`render(ctx.t)`)."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.option = option
        self.key: str | None = None
        self.values: dict[str, object] = {}

    @classmethod
    def of(cls, key: str, option: str | None = None, **values: object) -> CommandError:
        error = cls(_english(key, **values), option)
        error.key, error.values = key, values
        return error

    def render(self, t: Callable[..., str]) -> str:
        return t(self.key, **self.values) if self.key else self.message


class FormErrors(Exception):
    """Raised by a form handler: errors by field id, shown in the form where possible."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Choice:
    name: str
    value: str


@dataclass(frozen=True)
class Option:
    name: str
    type: OptionType
    description: str
    required: bool = True
    choices: tuple[Choice, ...] = ()
    min_length: int = 0
    max_length: int = 1000
    min_value: int | None = None
    max_value: int | None = None
    min_duration: timedelta | None = None
    max_duration: timedelta | None = None
    default: Any = None


Handler = Callable[..., Awaitable[None]]
CommandKind = Literal["slash", "message"]

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


# --- options from a handler's signature ----------------------------------------------------

# What a member or channel option hands its handler: the platform's id, never a mention.
MemberId = NewType("MemberId", str)
ChannelId = NewType("ChannelId", str)
# An IANA zone name the parser has checked, e.g. "Europe/Berlin".
ZoneName = NewType("ZoneName", str)

_TYPES: dict[object, OptionType] = {
    str: OptionType.STRING,
    int: OptionType.INT,
    bool: OptionType.BOOL,
    timedelta: OptionType.DURATION,
    datetime: OptionType.DATETIME,
    MemberId: OptionType.MEMBER,
    ChannelId: OptionType.CHANNEL,
    ZoneName: OptionType.TIMEZONE,
}
# The limits each option type takes; any other limit on it is a mistake in the handler.
_LIMITS = {
    OptionType.STRING: {"min_length", "max_length"},
    OptionType.INT: {"min_value", "max_value"},
    OptionType.DURATION: {"min_duration", "max_duration"},
    OptionType.CHOICE: {"choices"},
}


@dataclass(frozen=True)
class Opt:
    """A handler parameter's option: `count: Annotated[int, Opt("How many", min_value=1)]`.

    The parameter gives the option its name (`follow_up` -> `follow-up`; a trailing underscore
    lets a keyword be a name: `for_` -> `for`), its type (see `_TYPES`; `str` with `choices` is
    a choice) and, with a default, makes it optional."""

    description: str
    choices: Sequence[Choice] = ()
    min_length: int | None = None
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    min_duration: timedelta | None = None
    max_duration: timedelta | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", tuple(self.choices))

    def limits(self) -> dict[str, Any]:
        """The limits this marker sets (those it leaves unset keep `Option`'s defaults)."""
        given = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "description"}
        return {k: v for k, v in given.items() if v is not None and v != ()}


def option_name(param: str) -> str:
    """`follow_up` -> `follow-up`; `for_` -> `for` (a keyword cannot be a parameter)."""
    return param.rstrip("_").replace("_", "-")


def signature_options(fn: Handler, command: str) -> tuple[Option, ...]:
    """The options a handler's parameters declare, after the context; a ValueError that names
    the command and the parameter when one cannot be an option."""
    params = list(inspect.signature(fn).parameters.values())
    if not params:
        raise ValueError(f"/{command}: the handler {fn.__name__} must take the context first")
    return tuple(_option(fn, p, f"/{command}: parameter {p.name!r}") for p in params[1:])


def _option(fn: Handler, param: inspect.Parameter, where: str) -> Option:
    if param.kind not in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
        raise ValueError(f"{where}: every option is a named parameter (no *args, **kwargs)")
    base, opt, may_be_none = _unwrap(_annotation(fn, param, where))
    if opt is None:
        raise ValueError(
            f'{where} is not an option: annotate it `Annotated[<type>, Opt("description")]`'
        )
    kind = OptionType.CHOICE if opt.choices and base is str else _TYPES.get(base)
    if kind is None:
        names = ", ".join(getattr(t, "__name__", str(t)) for t in _TYPES)
        raise ValueError(f"{where}: an option's type is one of {names}, not {base!r}")
    wrong = set(opt.limits()) - _LIMITS.get(kind, set())
    if wrong:
        raise ValueError(f"{where}: an option of type {kind} takes no {', '.join(sorted(wrong))}")
    required = param.default is param.empty
    if required and may_be_none:
        raise ValueError(f"{where} may be None, so it needs a default (= None)")
    if param.default is None and not may_be_none:
        raise ValueError(f"{where} defaults to None, so its type must allow None")
    name = option_name(param.name)
    if not _NAME.match(name):
        raise ValueError(f"{where}: {name!r} is no option name (a-z, 0-9 and '-', up to 32)")
    return Option(
        name,
        kind,
        opt.description,
        required=required,
        default=None if required else param.default,
        **opt.limits(),
    )


def _annotation(fn: Handler, param: inspect.Parameter, where: str) -> object:
    """The parameter's annotation as an object: modules with `from __future__ import
    annotations` hold strings, read in the handler's module (its context type may be imported
    for type checking only, so the whole signature is never evaluated at once)."""
    annotation = param.annotation
    if annotation is param.empty:
        raise ValueError(f"{where} has no annotation: every option is `Annotated[<type>, Opt()]`")
    if not isinstance(annotation, str):
        return annotation
    try:
        # The text is the handler's own source, read where it was written.
        return eval(annotation, getattr(fn, "__globals__", {}))
    except Exception as exc:
        raise ValueError(f"{where}: cannot read its annotation {annotation!r}: {exc}") from None


def _unwrap(annotation: object) -> tuple[object, Opt | None, bool]:
    """(base type, its Opt, whether None is allowed) from `Annotated[T | None, Opt(...)]` or
    `Annotated[T, Opt(...)] | None`."""
    if get_origin(annotation) is Annotated:
        inner, *extras = get_args(annotation)
        base, _, may_be_none = _unwrap(inner)
        opt = next((e for e in extras if isinstance(e, Opt)), None)
        return base, opt, may_be_none
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            base, opt, _ = _unwrap(members[0])
            return base, opt, True
    return annotation, None, False


def _called_with_option_names(fn: Handler, options: Sequence[Option]) -> Handler:
    """Handlers are called with option names, dashes as underscores (`follow_up`). A parameter
    named for a keyword (`for_`) gets its value through this thin wrapper."""
    renamed = {
        o.name.replace("-", "_"): p
        for o, p in zip(options, list(inspect.signature(fn).parameters)[1:], strict=True)
        if o.name.replace("-", "_") != p
    }
    if not renamed:
        return fn

    @functools.wraps(fn)
    async def call(ctx: Any, **given: Any) -> None:
        await fn(ctx, **{renamed.get(k, k): v for k, v in given.items()})

    return call


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]
    description: str
    handler: Handler
    options: tuple[Option, ...] = ()
    permission: Permission = Permission.MEMBER
    kind: CommandKind = "slash"
    # The label of a message (context-menu) command, e.g. "Report message".
    label: str | None = None
    # Whether the handler may be slow enough that adapters should defer at once.
    slow: bool = False

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


def command_key(path: Sequence[str]) -> str:
    """The catalog key of a command's (or group's) description: `cmd.prompt.schedule`."""
    return "cmd." + ".".join(part.replace("-", "_") for part in path)


def option_key(path: Sequence[str], option: str) -> str:
    return f"{command_key(path)}.opt.{option.replace('-', '_')}"


def name_key(name: str, option: bool = False) -> str:
    """The catalog key of a command's or an option's name: `cmdname.post_now`, `optname.when`.
    Keyed by the name, not the path, so one word reads the same everywhere in a language."""
    return ("optname." if option else "cmdname.") + name.replace("-", "_")


@dataclass
class Group:
    name: str
    description: str


# --- option parsing ----------------------------------------------------------------------

_ID = re.compile(r"^[A-Za-z0-9]{2,32}$")
_DURATION_PART = re.compile(r"(\d+)\s*(w|d|h|m|s)", re.IGNORECASE)
_UNIT = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


Translate = Callable[..., str]


def _nothing(_text: str) -> str | None:
    return None


@dataclass(frozen=True)
class Resolver:
    """How the platform turns what a member typed into ids: its own mention syntax
    (`mention_*`), and typed names (`member`, `channel`) where members type names."""

    member: Callable[[str], str | None] = _nothing
    channel: Callable[[str], str | None] = _nothing
    mention_member: Callable[[str], str | None] = _nothing
    mention_channel: Callable[[str], str | None] = _nothing
    timezone: str = "UTC"


def parse_duration(text: str) -> timedelta:
    s = text.strip().lower().replace(" ", "")
    if not s:
        raise ValueError("empty")
    if s.isdigit():
        return timedelta(minutes=int(s))
    pos = 0
    total = timedelta()
    for m in _DURATION_PART.finditer(s):
        if m.start() != pos:
            raise ValueError(s)
        amount = int(m.group(1))
        if amount > 10_000_000:
            raise ValueError(s)
        total += timedelta(**{_UNIT[m.group(2).lower()]: amount})
        pos = m.end()
    if pos != len(s):
        raise ValueError(s)
    return total


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


_ZONES: list[str] | None = None


def timezone_names() -> list[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = sorted(available_timezones())
    return _ZONES


def parse_timezone(text: str, t: Translate | None = None) -> ZoneInfo:
    name = text.strip()
    try:
        if name and name in timezone_names():
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    by_lower = {z.lower(): z for z in timezone_names()}
    if name.lower() in by_lower:
        return ZoneInfo(by_lower[name.lower()])
    t = t or _english
    close = difflib.get_close_matches(name, timezone_names(), n=1, cutoff=0.75)
    if close:
        raise CommandError(t("core.option.timezone_did_you_mean", name=name[:60], close=close[0]))
    raise CommandError(t("core.option.no_such_timezone", name=name[:60]))


def parse_datetime(text: str, zone: str, t: Translate | None = None) -> datetime:
    s = text.strip().replace("T", " ")
    try:
        value = datetime.fromisoformat(s)
    except ValueError as exc:
        raise CommandError((t or _english)("core.option.not_datetime", text=text[:60])) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value


def _english(key: str, /, **values: object) -> str:
    from bot.kernel import i18n

    return i18n.t(key, "en", **values)


def _parse_one(opt: Option, raw: object, resolver: Resolver, t: Translate) -> Any:
    def fail(key: str, **values: object) -> CommandError:
        return CommandError(t(f"core.option.{key}", option=opt.name, **values), opt.name)

    if opt.type is OptionType.BOOL and isinstance(raw, bool):
        return raw
    if opt.type is OptionType.INT and isinstance(raw, int):
        return _check_range(opt, raw, fail)
    text = str(raw).strip()
    match opt.type:
        case OptionType.STRING:
            if len(text) < opt.min_length:
                raise fail("too_short", n=opt.min_length)
            if len(text) > opt.max_length:
                raise fail("too_long", n=opt.max_length)
            return text
        case OptionType.INT:
            if not re.fullmatch(r"[+-]?\d{1,12}", text):
                raise fail("not_whole_number")
            return _check_range(opt, int(text), fail)
        case OptionType.BOOL:
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            raise fail("not_yes_no")
        case OptionType.CHOICE:
            for c in opt.choices:
                if text == c.value or text.lower() == c.name.lower():
                    return c.value
            raise fail("not_a_choice", choices=", ".join(c.value for c in opt.choices))
        case OptionType.MEMBER:
            return _parse_ref(text, "@", resolver.mention_member, resolver.member, "member", fail)
        case OptionType.CHANNEL:
            return _parse_ref(
                text, "#", resolver.mention_channel, resolver.channel, "channel", fail
            )
        case OptionType.DURATION:
            return _parse_duration_option(opt, text, fail)
        case OptionType.DATETIME:
            try:
                return parse_datetime(text, resolver.timezone, t)
            except CommandError as exc:
                raise CommandError(exc.render(t), opt.name) from None
        case OptionType.TIMEZONE:
            try:
                return parse_timezone(text, t).key
            except CommandError as exc:
                raise CommandError(exc.message, opt.name) from None
    raise fail("unknown_type")  # pragma: no cover


def _check_range(opt: Option, value: int, fail: Callable[..., CommandError]) -> int:
    if opt.min_value is not None and value < opt.min_value:
        raise fail("too_small", n=opt.min_value)
    if opt.max_value is not None and value > opt.max_value:
        raise fail("too_big", n=opt.max_value)
    return value


def _parse_duration_option(opt: Option, text: str, fail: Callable[..., CommandError]) -> timedelta:
    try:
        value = parse_duration(text)
    except (ValueError, OverflowError):
        raise fail("not_duration") from None
    if opt.min_duration is not None and value < opt.min_duration:
        raise fail("duration_too_short", low=format_duration(opt.min_duration))
    if opt.max_duration is not None and value > opt.max_duration:
        raise fail("duration_too_long", high=format_duration(opt.max_duration))
    return value


def _parse_ref(
    text: str,
    sigil: str,
    mention: Callable[[str], str | None],
    lookup: Callable[[str], str | None],
    kind: str,
    fail: Callable[..., CommandError],
) -> str:
    """A member or channel: the platform's own mention syntax, a typed `@name`, or an id."""
    found = mention(text)
    if found:
        return found
    if text.startswith(sigil) and len(text) > 1:
        found = lookup(text[1:])
        if found:
            return found
        raise fail(f"no_such_{kind}", name=text[:40])
    if _ID.match(text):
        return text
    raise fail(f"not_a_{kind}")


def parse_options(
    command: Command,
    raw: Mapping[str, object],
    resolver: Resolver | None = None,
    t: Translate = _english,
) -> dict[str, Any]:
    """Typed, validated options, or a CommandError naming the first problem."""
    resolver = resolver or Resolver()
    known = {o.name for o in command.options}
    unknown = [k for k in raw if k not in known]
    if unknown:
        names = ", ".join(o.name for o in command.options) or "-"
        raise CommandError(
            t("core.option.unknown", option=unknown[0][:40], options=names), unknown[0]
        )
    parsed: dict[str, Any] = {}
    for opt in command.options:
        value = raw.get(opt.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if opt.required:
                raise CommandError(
                    t("core.option.required", option=opt.name, description=opt.description),
                    opt.name,
                )
            parsed[opt.name] = opt.default
            continue
        parsed[opt.name] = _parse_one(opt, value, resolver, t)
    return parsed


def command_of(
    path: str,
    description: str,
    handler: Handler,
    permission: Permission = Permission.MEMBER,
    kind: CommandKind = "slash",
    label: str | None = None,
    slow: bool = False,
) -> Command:
    """A command whose options are its handler's parameters. A message command's handler takes
    the context and the message, so it has none."""
    if kind == "message":
        return Command(tuple(path.split()), description, handler, (), permission, kind, label, slow)
    options = signature_options(handler, path)
    call = _called_with_option_names(handler, options)
    return Command(tuple(path.split()), description, call, options, permission, kind, label, slow)


# --- the registry --------------------------------------------------------------------------

ComponentHandler = Callable[..., Awaitable[None]]


@dataclass
class Route:
    prefix: str
    handler: ComponentHandler
    permission: Permission = Permission.MEMBER


@dataclass
class CommandRegistry:
    commands: dict[tuple[str, ...], Command] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    components: dict[str, Route] = field(default_factory=dict)
    forms: dict[str, Route] = field(default_factory=dict)

    def group(self, name: str, description: str) -> None:
        if not _NAME.match(name):
            raise ValueError(f"bad group name {name!r}")
        self.groups[name] = Group(name, description[:100])

    def add(self, command: Command) -> Command:
        for part in command.path:
            if not _NAME.match(part):
                raise ValueError(f"bad command name part {part!r} in {command.path}")
        if len(command.path) > 2:
            raise ValueError("commands nest at most one level: /group sub")
        if len(command.path) == 2 and command.path[0] not in self.groups:
            raise ValueError(f"group {command.path[0]!r} must be declared before {command.name}")
        if command.path in self.commands:
            raise ValueError(f"command {command.name} registered twice")
        if len(command.description) > 100 or len(command.options) > 25:
            raise ValueError(f"{command.name}: description <= 100 chars and <= 25 options")
        seen_optional = False
        for opt in command.options:
            if not _NAME.match(opt.name):
                raise ValueError(f"{command.name}: bad option name {opt.name!r}")
            if opt.required and seen_optional:
                raise ValueError(f"{command.name}: required option after an optional one")
            seen_optional = seen_optional or not opt.required
        self.commands[command.path] = command
        return command

    def command(
        self,
        path: str,
        description: str,
        *,
        permission: Permission = Permission.MEMBER,
        kind: CommandKind = "slash",
        label: str | None = None,
        slow: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Decorator: `@registry.command("prompt pause", "...")`; the options are the
        handler's parameters (see `Opt`)."""

        def wrap(fn: Handler) -> Handler:
            self.add(command_of(path, description, fn, permission, kind, label, slow))
            return fn

        return wrap

    def component(
        self, prefix: str, permission: Permission = Permission.MEMBER
    ) -> Callable[[ComponentHandler], ComponentHandler]:
        """Decorator for button/select handlers, routed by custom id `prefix:arg:arg`.
        Handler signature: `(ctx, args: list[str], values: tuple[str, ...])`."""

        def wrap(fn: ComponentHandler) -> ComponentHandler:
            self._route(self.components, prefix, fn, permission)
            return fn

        return wrap

    def form(
        self, prefix: str, permission: Permission = Permission.MEMBER
    ) -> Callable[[ComponentHandler], ComponentHandler]:
        """Decorator for form submissions. Handler: `(ctx, args: list[str], fields: dict)`."""

        def wrap(fn: ComponentHandler) -> ComponentHandler:
            self._route(self.forms, prefix, fn, permission)
            return fn

        return wrap

    @staticmethod
    def _route(
        table: dict[str, Route], prefix: str, fn: ComponentHandler, permission: Permission
    ) -> None:
        if ":" in prefix or prefix in table:
            raise ValueError(f"bad or duplicate route prefix {prefix!r}")
        table[prefix] = Route(prefix, fn, permission)

    def get(self, path: Sequence[str]) -> Command | None:
        return self.commands.get(tuple(path))

    def slash_commands(self) -> list[Command]:
        return [c for c in self.commands.values() if c.kind == "slash"]

    def message_commands(self) -> list[Command]:
        return [c for c in self.commands.values() if c.kind == "message"]

    def route(self, table: dict[str, Route], custom_id: str) -> tuple[Route, list[str]] | None:
        prefix, *args = custom_id.split(":")
        found = table.get(prefix)
        return (found, args) if found else None

    def resolve_line(self, text: str) -> tuple[Command, dict[str, str]]:
        """Parse a typed command line (console, Slack): `prompt schedule channel:#x when:"..."`.
        Options are `name:value` or positional in declared order; quote a value with spaces,
        except in the last free-text option, which takes the rest of the line."""
        try:
            tokens = shlex.split(text.strip().lstrip("/"))
        except ValueError as exc:
            raise CommandError.of("core.line.unreadable", error=str(exc)) from None
        if not tokens:
            raise CommandError.of("core.line.empty")
        command = None
        for depth in (2, 1):
            command = self.get([t.lower() for t in tokens[:depth]])
            if command is not None and command.kind == "slash":
                tokens = tokens[depth:]
                break
            command = None
        if command is None:
            raise self._unknown(tokens)
        return command, self._assign(command, tokens)

    def _unknown(self, tokens: list[str]) -> CommandError:
        first = tokens[0].lower()[:40]
        if first in self.groups:
            subs = sorted(c.path[1] for c in self.commands.values() if c.path[0] == first)
            return CommandError.of("core.line.needs_sub", name=first, subs=", ".join(subs))
        names = sorted({c.path[0] for c in self.slash_commands()})
        close = difflib.get_close_matches(first, names, n=1)
        if close:
            return CommandError.of("core.line.did_you_mean", name=first, close=close[0])
        return CommandError.of("core.line.unknown", name=first)

    @staticmethod
    def _assign(command: Command, tokens: list[str]) -> dict[str, str]:
        """Options from a line's words: `name:value`, or positional in declared order. The last
        free-text option (`when`, `reason`, `text`) takes the rest of the line, up to the next
        word that names an option: `every monday 19:00` needs no quotes."""
        raw: dict[str, str] = {}
        positional = [o.name for o in command.options]
        names = set(positional)
        rest = _rest_of_line(command)
        named = False
        i = 0
        while i < len(tokens):
            token, i = tokens[i], i + 1
            key, sep, value = token.partition(":")
            if sep and key in names:
                name, named = key, True
            elif sep and value and named and _NAME.match(key) and not value.startswith("/"):
                # After a named option, `name:value` names an option the command lacks:
                # parse_options refuses it, listing the valid ones (`role user:U1` stays a value).
                raw[key] = value
                continue
            else:
                remaining = [n for n in positional if n not in raw]
                if not remaining:
                    raise CommandError.of("core.line.too_many", name=command.name, value=token[:40])
                name, value = remaining[0], token
            if name == rest:
                stops = (j for j in range(i, len(tokens)) if _stops(tokens[j], names, named))
                end = next(stops, None)
                end = len(tokens) if end is None else end
                value, i = " ".join([value, *tokens[i:end]]).strip(), end
            raw[name] = value
        return raw


def _rest_of_line(command: Command) -> str | None:
    """The option that takes the rest of a typed line: the last free-text one."""
    free = [o.name for o in command.options if o.type is OptionType.STRING]
    return free[-1] if free else None


def _stops(token: str, names: set[str], named: bool) -> bool:
    """Whether a word ends the rest of the line: it names one of the command's options, or, on
    a line that names its options, one the command lacks (refused, not swallowed as text)."""
    key, sep, value = token.partition(":")
    if not sep:
        return False
    return key in names or (named and bool(value) and bool(_NAME.match(key)))
