"""Moderation: private reports, one queue, cases and warnings, automod, appeals, audit log."""

from bot.kernel.feature import Feature

feature = Feature("moderation")

# Importing the modules registers their handlers on `feature`.
from bot.moderation import (  # noqa: E402, F401
    automod_commands,
    cli,
    commands,
    listeners,
    personal,
    queue,
)
from bot.moderation.models import (  # noqa: E402
    Appeal,
    AuditEntry,
    AutomodRuleRow,
    ModCase,
    ReportAttempt,
    ReportDraft,
)

__all__ = [
    "Appeal",
    "AuditEntry",
    "AutomodRuleRow",
    "ModCase",
    "ReportAttempt",
    "ReportDraft",
    "feature",
]
