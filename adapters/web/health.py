"""The bot's health in one community, from what its platform can tell right now: whether it is
connected and still in the community, the permissions it lacks, roles ranked above its own, and
a moderator queue channel that is unset, gone, or closed to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.kernel.app import App
from bot.kernel.platform import Survey
from bot.kernel.store.models import Community
from bot.moderation import prefs


@dataclass
class Health:
    connected: bool
    survey: Survey | None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.connected and self.survey is not None and not self.warnings


async def check(app: App, community: Community) -> Health:
    platform = app.platforms.get(community.platform)
    if platform is None:
        return Health(False, None, ["The bot is not connected to this platform right now."])
    survey = await platform.survey(community.community_id)
    with app.store.session() as s:
        queue = prefs.queue_channel(s, community)
    health = Health(True, survey, _queue(queue, survey))
    if survey is None:
        health.warnings.append("The platform did not answer: health could not be checked now.")
        return health
    if not survey.present:
        health.warnings = ["The bot is not in this community any more: invite it back."]
        return health
    if survey.missing:
        health.warnings.append(
            "The bot lacks these permissions: " + ", ".join(survey.missing) + "."
        )
    if survey.outranking:
        health.warnings.append(
            "These roles rank at or above the bot's own, so it cannot time out, kick or ban "
            "members holding them (move the bot's role up): " + ", ".join(survey.outranking) + "."
        )
    if not community.moderator_roles and not community.admin_roles:
        health.warnings.append("No moderator role is set: only administrators can moderate.")
    return health


def _queue(queue: str | None, survey: Survey | None) -> list[str]:
    if not queue:
        return ["No moderator queue channel is set: reports have nowhere to go."]
    if survey is None or not survey.present:
        return []
    if queue not in {c.id for c in survey.channels}:
        return ["The moderator queue channel no longer exists: choose another in Settings."]
    if queue in survey.unreadable:
        return ["The bot cannot see or post in the moderator queue channel."]
    return []
