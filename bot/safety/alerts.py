"""What the crisis pathway remembers of each member's signals, and the moderators' card.

The rule: a member hears from the bot once per level and cooldown window; a higher level
always gets its own reply and its own card; every later signal reaches the moderators as an
update of the open card (count, newest level, newest excerpt), never as silence.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from bot.kernel import actions as a
from bot.kernel import i18n
from bot.kernel.events import Place
from bot.kernel.message import Button, Field, Message, escape, mention
from bot.kernel.personal import Subject
from bot.moderation import prefs, queue
from bot.safety.models import SafetySignal

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.kernel.actions import ActionResult
    from bot.kernel.context import Context, Kernel
    from bot.kernel.store.models import Community, OutboxEntry
    from bot.safety.detector import Assessment

    Translate = Callable[..., str]  # ctx.t, or i18n.t in the community's language

COOLDOWN = timedelta(hours=6)
RANK = {"concern": 1, "urgent": 2}
CARD_KINDS = {"urgent": "safety.alert", "concern": "safety.concern"}
EXCERPT = 400


def window_of(now: datetime) -> datetime:
    """The cooldown window a moment falls in (the same for every process)."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return epoch + ((now - epoch) // COOLDOWN) * COOLDOWN


def _member_rows(ctx: Context, user_id: str, window: datetime) -> list[SafetySignal]:
    query = select(SafetySignal).where(
        *SafetySignal.scope(ctx),
        SafetySignal.user_id == user_id,
        SafetySignal.window_start == window,
    )
    return list(ctx.session.exec(query))


def record(
    ctx: Context, user_id: str, assessment: Assessment, source: str, excerpt: str, country: str
) -> tuple[SafetySignal, bool]:
    """(the row that speaks for this signal, True when the member is to be answered).

    New when no card of this level or higher is open in the window; otherwise the open card
    of the highest level takes the signal as an update."""
    window = window_of(ctx.now)
    level = assessment.level
    rows = _member_rows(ctx, user_id, window)
    top = max(rows, key=lambda r: RANK[r.level], default=None)
    if top is None or RANK[level] > RANK[top.level]:
        row = SafetySignal(
            platform=ctx.place.platform,
            community_id=ctx.place.community,
            user_id=user_id,
            level=level,
            window_start=window,
            newest_level=level,
            categories=", ".join(assessment.categories)[:300],
            source=source[:80],
            country=country[:8],
            excerpt=excerpt[:EXCERPT],
            created_at=ctx.now,
            updated_at=ctx.now,
        )
        try:
            with ctx.session.begin_nested():  # the unique key decides across processes
                ctx.session.add(row)
            return row, True
        except IntegrityError:
            rows = _member_rows(ctx, user_id, window)
            top = max(rows, key=lambda r: RANK[r.level])
    assert top is not None and top.id is not None
    ctx.session.execute(  # count in SQL: two processes may add to one card at once
        update(SafetySignal)
        .where(col(SafetySignal.id) == top.id)
        .values(
            count=SafetySignal.count + 1,  # type: ignore[operator]
            newest_level=level,
            excerpt=excerpt[:EXCERPT],
            source=source[:80],
            categories=_merged(top.categories, assessment.categories),
            updated_at=ctx.now,
        )
    )
    ctx.session.refresh(top)
    return top, False


def _country(t: Translate, code: str) -> str:
    """The member's country as moderators read it ("not known" when the member never said)."""
    return code or t("safety.card.country_unknown")


def _failure(t: Translate, stored: str) -> str:
    """Why the private reply failed, in plain words: a shared reason (DMs closed, the member
    left), else the platform's own answer quoted."""
    if stored in a.FAILURE_REASONS:
        return t(f"core.failure.{stored}", error="")
    return t("core.failure.other", error=escape(stored, 120))


def _merged(old: str, new: tuple[str, ...]) -> str:
    names = [c for c in old.split(", ") if c] + list(new)
    return ", ".join(dict.fromkeys(names))[:300]


def card(t: Translate, row: SafetySignal, *, update: bool = False) -> Message:
    """The moderators' card, in the community's language (`t`). It says whether the member
    has the helplines: when the private reply could not be delivered, the card says so.
    `update`: a new card that stands for an open one it cannot edit."""
    urgent = row.level == "urgent"
    fields = [
        Field(t("safety.card.member"), mention(row.user_id), inline=True),
        Field(t("safety.card.source"), row.source, inline=True),
    ]
    if row.categories:
        fields.append(Field(t("safety.card.signals"), escape(row.categories)))
    if row.count > 1:
        newest = t(f"safety.card.level.{row.newest_level}")
        fields.append(
            Field(
                t("safety.card.count"), t("safety.card.count_value", count=row.count, level=newest)
            )
        )
    if row.excerpt:
        fields.append(Field(t("safety.card.excerpt"), "> " + escape(row.excerpt, EXCERPT)))
    if row.discreet:
        text = t("safety.card.discreet")
    elif row.reply_failed:
        text = t("safety.card.undelivered", reason=_failure(t, row.reply_failed))
    elif row.no_contact:
        text = t("safety.card.no_contact", country=_country(t, row.country))
    else:
        text = t("safety.card.text", country=_country(t, row.country))
    if row.claimed_by:
        status = (
            t("mod.status.claimed") + " · " + t("mod.card.claimed_by", who=mention(row.claimed_by))
        )
        fields.append(Field(t("mod.card.status"), status))
    if update:
        title = t("safety.card.update_title")
    else:
        title = t("safety.card.title" if urgent else "safety.card.concern_title")
    return Message(
        title=title,
        text=text,
        fields=tuple(fields),
        tone="urgent" if urgent else "warning",
        rows=_buttons(t, row),
    )


def _buttons(t: Translate, row: SafetySignal) -> tuple[tuple[Button, ...], ...]:
    """Claim (one moderator takes the member's alert on), and for a concern that may be
    answered, "Is it safe to talk?": a neutral check-in the member answers with one click."""
    if row.id is None:
        return ()
    buttons = [] if row.claimed_by else [Button(t("mod.btn.claim"), f"safety-claim:{row.id}")]
    if row.level != "urgent" and not row.discreet and not row.no_contact:
        buttons.append(Button(t("safety.checkin.button"), f"safety-checkin:{row.id}", "primary"))
    return (tuple(buttons),) if buttons else ()


def claim(ctx: Context, row: SafetySignal) -> None:
    """A moderator takes the alert on: the card in the queue says who, where it can be edited
    (else an update card does)."""
    row.claimed_by, row.claimed_at = ctx.actor_id, ctx.now
    ctx.session.add(row)
    if row.card_message_id and queue.edit(
        ctx, row.card_message_id, card(ctx.t, row), kind="safety.card.edit"
    ):
        return
    queue.post(ctx, card(ctx.t, row, update=True), kind="safety.update")


def show(ctx: Context, row: SafetySignal, *, new: bool) -> bool:
    """Post the card of a new signal; update the open card for a repeat (a new card saying
    so where the platform cannot edit, or before the first card's id is known). False when
    the community has no queue channel, so the moderators were not told."""
    if new:
        return queue.post(ctx, card(ctx.t, row), kind=CARD_KINDS[row.level],
                          context={"signal_id": row.id})  # fmt: skip
    if row.card_message_id and queue.edit(
        ctx, row.card_message_id, card(ctx.t, row), kind="safety.card.edit"
    ):
        return True
    return queue.post(ctx, card(ctx.t, row, update=True), kind="safety.update")


def show_no_contact(ctx: Context, row: SafetySignal, community: Community) -> None:
    """The card of a member who asked not to be contacted, corrected: edited in place where
    the platform can edit (the click may come from a DM, so the community is named), else an
    update card; in the community's language, not the language of the member's client."""

    def t(key: str, **values: object) -> str:
        return i18n.t(key, community.language, **values)

    corrected = card(t, row)
    if row.card_message_id and queue.edit(
        ctx, row.card_message_id, corrected, kind="safety.card.edit", community=community
    ):
        return
    queue.post(ctx, card(t, row, update=True), kind="safety.update", community=community)


def reply_undelivered(app: Kernel, entry: OutboxEntry, result: ActionResult) -> None:
    """The private reply could not be delivered (DMs closed, the member left): the card says
    so, so no moderator believes the member has the helplines. It is edited in place; a card
    not posted yet is corrected as soon as it is (`remember_card`); where the platform cannot
    edit, an update card says it."""
    with app.store.session() as s:
        row = s.get(SafetySignal, entry.context.get("signal_id"))
        if row is None:
            return
        # The shared reason where the platform gave one, so the card can say it plainly.
        row.reply_failed = ((result.error or "unknown") if result.why == "other" else result.why)[
            :200
        ]
        s.add(row)
        platform = app.platforms.get(row.platform)
        editable = platform is not None and platform.can(a.EditMessage)
        if row.card_message_id and editable:
            _correct(app, s, row, row.card_message_id)
        elif not editable:
            _correct(app, s, row, None)


def _correct(app: Kernel, session: Session, row: SafetySignal, message_id: str | None) -> None:
    """Enqueue the card as it stands now: an edit of `message_id`, or an update card."""
    community = app.community(session, Place(row.platform, row.community_id))
    channel = prefs.queue_channel(session, community)
    if not channel:
        return
    place = Place(row.platform, row.community_id, channel)

    def t(key: str, **values: object) -> str:
        return i18n.t(key, community.language, **values)

    now = app.clock.now()
    if message_id:
        edit = a.EditMessage(place, message_id, card(t, row))
        app.outbox.enqueue(session, edit, now, kind="safety.card.edit")
    else:
        post = a.Post(place, card(t, row, update=True))
        app.outbox.enqueue(session, post, now, kind="safety.update")


def latest(ctx: Context, community_id: str, user_id: str) -> SafetySignal | None:
    """The member's newest signal in a community (the card a "don't contact me" click is for)."""
    query = (
        select(SafetySignal)
        .where(
            SafetySignal.platform == ctx.place.platform,
            SafetySignal.community_id == community_id,
            SafetySignal.user_id == user_id,
        )
        .order_by(col(SafetySignal.created_at).desc(), col(SafetySignal.id).desc())
    )
    return ctx.session.exec(query).first()


def remember_card(app: Kernel, signal_id: int | None, message_id: str | None) -> None:
    """Keep the id of a card the platform accepted, so later signals edit it; a card whose
    member could not be reached in the meantime is corrected at once."""
    if signal_id is None or not message_id:
        return
    with app.store.session() as s:
        s.execute(
            update(SafetySignal)
            .where(col(SafetySignal.id) == signal_id)
            .values(card_message_id=message_id)
        )
        row = s.get(SafetySignal, signal_id)
        if row is not None and row.reply_failed:
            _correct(app, s, row, message_id)


def export(session: Session, who: Subject) -> list[dict[str, Any]]:
    rows = session.exec(
        select(SafetySignal).where(*SafetySignal.scope(who), SafetySignal.user_id == who.user_id)
    )
    return [
        {
            "type": "safety_signal",
            "level": r.level,
            "count": r.count,
            "first": r.created_at.isoformat(),
            "last": r.updated_at.isoformat(),
            "excerpt": r.excerpt,
        }
        for r in rows
    ]


def erase(session: Session, who: Subject) -> int:
    """The member's words go; the fact that moderators were alerted stays (ids, levels, times)."""
    result = session.execute(
        update(SafetySignal)
        .where(*SafetySignal.scope(who), col(SafetySignal.user_id) == who.user_id)
        .values(excerpt=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
