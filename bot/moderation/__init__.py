"""Moderation: private reports, one queue, cases and warnings, automod, appeals, audit log."""

from bot.moderation.models import (
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
]
