"""Logging: stdlib logging rendered by structlog (console or JSON), with a redaction filter so
tokens and secrets never reach a log line."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

# Secrets by their real shapes only, so ordinary words survive (a logger called
# `bot.moderation.listeners` is not a token): Slack tokens (xoxb-, xoxp-, xapp-, ...), Discord
# bot tokens (three base64url parts), the credential after an Authorization header or a
# `Bot `/`Bearer ` scheme (whitespace-separated and holding a digit, as tokens do), and
# `token=`/`secret=`/`password=` values in URLs and forms.
_SECRET_PATTERNS = (
    re.compile(r"xox[abposre]-[A-Za-z0-9-]{8,}"),
    re.compile(r"xapp-[A-Za-z0-9-]{8,}"),
    re.compile(r"\b[A-Za-z\d_-]{24,28}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}\b"),
    re.compile(r"(?i)\b(authorization\s*[:=]\s*(?:bot\s+|bearer\s+)?)()(\S{8,})"),
    re.compile(r"(?i)\b(bot\s+|bearer\s+)()(?=[A-Za-z0-9._~+/=-]*\d)([A-Za-z0-9._~+/=-]{16,})"),
    re.compile(r"(?i)(token|secret|password)=([^&\s]+)"),
)


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        if pattern.groups >= 3:
            text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)
        elif pattern.groups == 2:
            text = pattern.sub(lambda m: f"{m.group(1)}=[redacted]", text)
        else:
            text = pattern.sub("[redacted]", text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _redact_event(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    for key, value in list(event.items()):
        if isinstance(value, str):
            event[key] = redact(value)
    return event


def configure(level: str = "INFO", json_logs: bool = False) -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact_event,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_logs
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
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
