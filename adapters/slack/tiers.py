"""Slack's Web API method tiers, as the outbox paces them.

Slack counts each method's requests per app per workspace, by tier: Tier 2 at least 20 a minute,
Tier 3 at least 50, Tier 4 at least 100; chat.postMessage has its own limit of about one message
a second in a channel (https://api.slack.com/apis/rate-limits). The outbox paces each kind of
action at the floor of its method's tier, in each workspace, shared by every process on
PostgreSQL (bot.kernel.rate_budget), so many processes on one app do not add up past it.
"""

from __future__ import annotations

from bot.kernel import actions as a
from bot.kernel.pacing import Limits, Rate

TIER_2 = Rate(20, 60.0)
TIER_3 = Rate(50, 60.0)
TIER_4 = Rate(100, 60.0)

# The method each kind of action calls first, and its tier.
METHOD_TIERS: dict[str, tuple[str, Rate]] = {
    a.EditMessage.__name__: ("chat.update", TIER_3),
    a.DeleteMessage.__name__: ("chat.delete", TIER_3),
    a.Respond.__name__: ("chat.postEphemeral", TIER_4),
    a.PublishHome.__name__: ("views.publish", TIER_4),
    a.OpenForm.__name__: ("views.open", TIER_4),
}

LIMITS = Limits(
    per_channel=Rate(1, 1.0),
    concurrency=8,
    per_kind=tuple((kind, rate) for kind, (_, rate) in sorted(METHOD_TIERS.items())),
)
