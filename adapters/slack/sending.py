"""Slack sends that happen once: metadata on every post, history read before any resend.

Slack has no idempotency key for chat.postMessage. Each post from the outbox carries message
metadata naming the entry and the step (`post`, `reply`); when an earlier attempt's outcome is
unknown (a crash, a dropped connection, a lease that ran out) the channel's recent history (or
the thread's replies) is searched for that metadata before posting again. Finished steps are
recorded, so a restart continues with the thread reply instead of posting the prompt again.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import render
from bot.kernel.delivery.idempotency import Attempt, current
from bot.kernel.message import Message

log = logging.getLogger(__name__)

HISTORY_WINDOW = 200  # recent messages searched for an earlier attempt's post


async def find_earlier(
    client: AsyncWebClient, attempt: Attempt, channel: str, step: str, thread_ts: str | None
) -> str | None:
    """The ts of a message an earlier attempt posted for this step, if the channel has it."""
    try:
        if thread_ts:
            found = await client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=HISTORY_WINDOW
            )
        else:
            found = await client.conversations_history(
                channel=channel, include_all_metadata=True, limit=HISTORY_WINDOW
            )
    except SlackApiError as exc:
        if retryable(exc, {"ratelimited"}):
            raise  # try again later rather than risk a second post
        # History cannot be read here (scope, membership): posting again is the only way on.
        log.warning("cannot reconcile %s in %s: %s", attempt.key, channel, error_of(exc))
        return None
    for message in found.get("messages") or []:
        if attempt.matches(message, step):
            return str(message["ts"])
    return None


async def post_once(
    client: AsyncWebClient,
    channel: str,
    message: Message,
    thread_ts: str | None = None,
    step: str = "post",
) -> str:
    """Post (outside the outbox: plainly) and return the message ts."""
    attempt = current()
    if attempt is not None:
        done = attempt.done(step)
        if done is not None:
            return str(done["ts"])
        if attempt.uncertain:
            earlier = await find_earlier(client, attempt, channel, step, thread_ts)
            if earlier is not None:
                attempt.record(step, {"ts": earlier, "channel": channel})
                return earlier
    kwargs: dict[str, Any] = {}
    if attempt is not None:
        kwargs["metadata"] = attempt.metadata(step)
    sent = await client.chat_postMessage(
        channel=channel,
        text=render.fallback_text(message),
        blocks=render.blocks_for(message),
        thread_ts=thread_ts,
        unfurl_links=False,
        **kwargs,
    )
    ts = str(sent["ts"])
    if attempt is not None:
        attempt.record(step, {"ts": ts, "channel": channel})
    return ts


async def upload_files(client: AsyncWebClient, channel: str, message: Message) -> None:
    """Deliver a message's attachments with files upload v2, each once."""
    attempt = current()
    for index, file in enumerate(message.attachments):
        step = f"file{index}"
        if attempt is not None and attempt.done(step) is not None:
            continue
        done = await client.files_upload_v2(
            channel=channel,
            filename=file.filename,
            content=file.content,
            title=file.filename,
        )
        if attempt is not None:
            ids = [f.get("id") for f in done.get("files") or []]
            attempt.record(step, {"files": ids})


async def respond_via_url(
    url: str, message: Message, *, private: bool, session: aiohttp.ClientSession | None = None
) -> bool:
    """Answer through an interaction's response_url (works where the bot is not a member);
    `session` is the adapter's pooled one, so no connection is opened per answer."""
    hook = AsyncWebhookClient(url, session=session)
    response = await hook.send(
        text=render.fallback_text(message),
        blocks=render.blocks_for(message),
        response_type="ephemeral" if private else "in_channel",
    )
    if response.status_code != 200:
        log.warning("response_url answered %s", response.status_code)
        return False
    return True


def _status(exc: SlackApiError) -> int:
    """The HTTP status behind a Slack error (HTML 5xx pages carry no `error` field)."""
    response = exc.response
    return int(getattr(response, "status_code", None) or getattr(response, "status", 0) or 0)


def error_of(exc: SlackApiError) -> str:
    """Slack's error name, or the HTTP status when the body had none (an HTML 5xx page, or a
    body that was not JSON, where the SDK hands over the raw HTTP response)."""
    data = getattr(exc.response, "data", None)
    named = data.get("error") if isinstance(data, dict) else None
    return str(named or f"http {_status(exc)}")


def retryable(exc: SlackApiError, known: set[str]) -> bool:
    return _status(exc) >= 500 or _status(exc) == 429 or error_of(exc) in known


# Slack's error names, as the reasons moderators read (bot.kernel.actions.FAILURE_REASONS).
FAILURE_REASONS = {
    "messages_tab_disabled": "dms_closed",
    "cannot_dm_bot": "dms_closed",
    "channel_not_found": "no_access",  # also a private channel the bot was never added to
    "not_in_channel": "no_access",
    "restricted_action": "no_access",
    "missing_scope": "no_access",
    "is_archived": "channel_gone",
    "user_not_found": "member_gone",
    "user_disabled": "member_gone",
    "msg_too_long": "rejected",
    "invalid_blocks": "rejected",
    "no_text": "rejected",
}
