"""Logging: stdlib logging rendered by structlog (console or JSON), with redaction at the root so
tokens and secrets never reach a log line.

Every record, from structlog or from a library's own logger, passes one handler on the root
logger. Exceptions are rendered as plain tracebacks (never with local variables: a frame's
locals hold request headers, tokens and members' words) into the event before redaction, and
the finished line is redacted once more, so neither exception text nor arguments can carry a
secret past it.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import MutableMapping
from typing import Any

import structlog

# Secrets by their real shapes only, so ordinary words survive (a logger called
# `bot.moderation.listeners` is not a token): Slack tokens (xoxb-, xoxp-, xapp-, ...), Discord
# bot tokens (three base64url parts), the credential after an Authorization header or a
# `Bot `/`Bearer ` scheme (whitespace-separated and holding a digit, as tokens do), cookies in
# headers, and `token=`/`secret=`/`password=`/OAuth `code=` values in URLs, forms and dicts.
_SECRET_PATTERNS = (
    re.compile(r"xox[abposre]-[A-Za-z0-9-]{8,}"),
    re.compile(r"xapp-[A-Za-z0-9-]{8,}"),
    re.compile(r"\b[A-Za-z\d_-]{24,28}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}\b"),
    re.compile(r"(?i)\b(authorization['\"]?\s*[:=]\s*['\"]?(?:bot\s+|bearer\s+)?)()([^\s'\"]{8,})"),
    re.compile(r"(?i)\b(bot\s+|bearer\s+)()(?=[A-Za-z0-9._~+/=-]*\d)([A-Za-z0-9._~+/=-]{16,})"),
    re.compile(r"(?i)\b((?:set-)?cookie['\"]?\s*[:=]\s*['\"]?)()([^'\"\r\n]+)"),
    re.compile(
        r"(?i)(['\"](?:code|token|access_token|refresh_token|client_secret|password|secret)"
        r"['\"]\s*:\s*['\"])()([^'\"]+)"
    ),
    re.compile(r"(?i)(token|secret|password|\bcode)=([^&\s'\"]+)"),
)
REDACTED = "[redacted]"
# Event keys whose values are secrets whatever their shape.
_SECRET_KEYS = {"authorization", "cookie", "set-cookie", "token", "code", "password", "secret"}


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        if pattern.groups >= 3:
            text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
        elif pattern.groups == 2:
            text = pattern.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


def _redacted(value: Any) -> Any:
    """Strings redacted, containers walked (a record's args may be a tuple or a dict)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redacted(v) for v in value)
    return value


class RedactingFilter(logging.Filter):
    """Redacts a record in place: its message with its arguments, and its exception text (a
    plain traceback, no locals), so any handler after it sees no secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):  # structlog's own event: redacted by the formatter
            return True
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: keep both, redacted
            message = f"{record.msg!s} {record.args!r}"
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _redact_event(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if key.lower() in _SECRET_KEYS:
            event[key] = REDACTED
        elif not key.startswith("_"):
            event[key] = _redacted(value)
    return event


class RedactingFormatter(structlog.stdlib.ProcessorFormatter):
    """The last word: the rendered line is redacted as a whole."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(level: str = "INFO", json_logs: bool = False) -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_logs
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    formatter = RedactingFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # exc_info becomes a plain traceback string here, so it is redacted with the rest
            structlog.processors.format_exc_info,
            _redact_event,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("discord", "slack_bolt", "slack_sdk", "apscheduler", "aiohttp.access", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
