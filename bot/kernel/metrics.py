"""Prometheus metrics. Features increment these; `crossings run` serves them on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS = Counter("crossings_events_total", "Events handled by the core", ["platform", "type"])
EVENT_ERRORS = Counter("crossings_event_errors_total", "Events whose handling raised", ["type"])
ACTIONS_SENT = Counter("crossings_actions_sent_total", "Actions a platform accepted", ["platform"])
ACTIONS_FAILED = Counter(
    "crossings_actions_failed_total", "Actions a platform refused", ["platform", "retryable"]
)
RATE_LIMITED = Counter("crossings_platform_429_total", "429 answers from a platform", ["platform"])
OUTBOX_DEPTH = Gauge("crossings_outbox_depth", "Outbox entries waiting for delivery")
SCHEDULER_LAG = Histogram(
    "crossings_scheduler_lag_seconds",
    "Delay between a scheduled time and its claim",
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600),
)
AUTOMOD_HITS = Counter("crossings_automod_hits_total", "Automod rule hits", ["action"])
QUEUE_SIZE = Gauge("crossings_queue_open_items", "Open items in moderator queues")
OUTBOX_FENCED = Counter(
    "crossings_outbox_fenced_total", "Outbox completions refused because the lease was lost"
)
INBOUND_REPLAYS = Counter(
    "crossings_inbound_replays_total", "Platform events seen again and skipped", ["platform"]
)
TICKS_SKIPPED = Counter(
    "crossings_ticks_skipped_total", "Ticks skipped because the previous one was still running"
)
