"""The outbox's statements for a batch: lease many due entries in one statement, renew them in
one, and settle what happened to all of them in one transaction.

The statements run on one connection the delivering loop holds (no pool checkout per batch).
A batch is leased under one fencing token ("<process>#<token>", with a trailing "~" on rows taken
over from a lease that ran out). Every later statement repeats that condition, so an entry whose lease ran out and was taken by another process can no
longer be renewed, marked or handed back by this one.

Lanes stay in order across processes: an entry is only leased when no earlier entry of its lane
is still waiting for a retry or leased by anyone. On PostgreSQL the lease statements of all
processes take turns (a transaction-scoped advisory lock), so that check sees every lease
committed before it; on SQLite a write statement holds the database's one write lock anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    String,
    bindparam,
    case,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection

from bot.kernel.actions import ActionResult
from bot.kernel.store import aware
from bot.kernel.store.models import OutboxEntry

TABLE: Any = OutboxEntry.__table__  # type: ignore[attr-defined]
# Any fixed number: the lease statements of every process sharing the database take turns on it
# (one per table: the inbox's leases need not wait on the outbox's).
LEASE_LOCKS = {"outbox": 0x0C05_0B0C, "inbox": 0x0C05_1B0C}
COLUMNS = [c.name for c in TABLE.columns]
# A batch takes the following entries of its first (limit / LANE_DEPTH) lanes too: deep lanes
# then go to one process, and the other processes find other lanes free.
LANE_DEPTH = 8


@dataclass(slots=True)
class Leased:
    """A leased row as plain data: building ORM objects for every row would cost more than
    everything else the batch does. `row()` makes the OutboxEntry hooks are given."""

    id: int
    platform: str
    community_id: str
    lane: str
    kind: str
    dedupe_key: str | None
    payload: str
    context: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    lease_owner: str | None
    lease_until: datetime | None
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    result: dict[str, Any]

    def row(self) -> OutboxEntry:
        return OutboxEntry(**{name: getattr(self, name) for name in COLUMNS})


@dataclass
class Outcome:
    """What to write for one entry when the batch is settled."""

    entry: Leased
    status: str  # sent | failed | dead (final), retry, release (hand back, maybe later)
    result: ActionResult | None = None
    attempts: int | None = None
    at: datetime | None = None  # when a retried or deferred entry is next due
    error: str | None = None

    @property
    def final(self) -> bool:
        return self.status in ("sent", "failed", "dead")


@dataclass
class Batch:
    token: str
    entries: list[Leased]
    full: bool  # some platform's lease hit its limit: more may be waiting
    ours: set[int] = field(default_factory=set)
    outcomes: list[Outcome] = field(default_factory=list)
    executed: int = 0
    confirmed_until: datetime | None = None

    def settle_as(self, entries: Iterable[Leased], *, at: datetime | None = None) -> None:
        """Hand entries back unsent (shutdown, a lane stopped or deferred by pacing)."""
        for entry in entries:
            if entry.id in self.ours:
                self.outcomes.append(Outcome(entry, "release", at=at or entry.next_attempt_at))


def lease(
    conn: Connection,
    platforms: Sequence[str],
    now: datetime,
    until: datetime,
    token: str,
    limit: int,
    *,
    whole_lanes: bool = True,
    table: Any = TABLE,
) -> list[tuple[Leased, bool]]:
    """Lease up to `limit` due entries of these platforms, in one transaction whose write is
    one UPDATE .. RETURNING. Returns each with whether it was taken over from a lease that ran
    out.

    `whole_lanes`: take the lanes of the oldest due entries and as many of each lane's entries
    as fit, lane after lane, so processes sharing the database work on different lanes rather
    than each holding one entry of every lane (which would leave the others nothing to take
    until it settled). Without it, simply the oldest due entries, picked inside the UPDATE
    (paced platforms, whose lanes take only a few sends at a time anyway).

    `table`: the outbox, or any table with its columns (the inbox, bot.kernel.delivery.inbox)."""
    if not platforms or limit <= 0:
        return []
    postgres = conn.dialect.name == "postgresql"
    with conn.begin():
        if postgres:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LEASE_LOCKS[table.name]})
        else:  # take SQLite's write lock now, so what is read next cannot change under us
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        if whole_lanes:
            ids = _whole_lanes(conn, table, platforms, now, limit)
            if not ids:
                return []
            chosen: Any = table.c.id.in_(ids)
        else:
            pick = _oldest(table, platforms, now, limit)
            if postgres:
                pick = pick.with_for_update(skip_locked=True, of=pick.selected_columns.id.table)
                # Picked once, not per row the UPDATE looks at: on a freshly filled table
                # (statistics saying "one row") the planner would otherwise run the pick, with
                # its per-candidate lane check, for every pending row (minutes for 1,000 rows).
                picked = pick.cte("picked").prefix_with("MATERIALIZED")
                chosen = table.c.id.in_(select(picked.c.id))
            else:
                chosen = table.c.id.in_(pick.scalar_subquery())
        rows = conn.execute(_take(table, chosen, now, until, token)).all()
    leased = [_entry(row._mapping) for row in rows]
    leased.sort(key=lambda entry: entry.id)
    return [(entry, entry.lease_owner != token) for entry in leased]


def _take(table: Any, chosen: Any, now: datetime, until: datetime, token: str) -> Any:
    # A row whose lease ran out gets the token's "taken over" form: RETURNING shows only new
    # values, and the adapter must know the earlier holder may have reached the platform.
    owner = case((table.c.lease_owner.is_(None), token), else_=taken_over_form(token))
    return (
        update(table)
        .where(
            chosen,
            table.c.status == "pending",
            or_(table.c.lease_until.is_(None), table.c.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=until)
        .returning(*table.c)
    )


def _whole_lanes(
    conn: Connection, table: Any, platforms: Sequence[str], now: datetime, limit: int
) -> list[int]:
    """The ids to lease: the oldest due entries, and for the first few of their lanes also the
    entries that follow, up to the first that is not free. Two indexed reads."""
    cand = table.alias("cand")
    firsts = conn.execute(
        select(cand.c.platform, cand.c.lane, cand.c.id)
        .where(*_free(table, cand, platforms, now))
        .order_by(cand.c.id)
        .limit(limit)
    ).all()
    if not firsts:
        return []
    rank: dict[tuple[str, str], int] = {}
    for platform, lane, _ in firsts:
        if len(rank) < max(1, limit // LANE_DEPTH):
            rank.setdefault((platform, lane), len(rank))
    entry = table.alias("entry")
    rows = conn.execute(
        select(
            entry.c.id, entry.c.platform, entry.c.lane, entry.c.next_attempt_at, entry.c.lease_until
        )
        .where(
            entry.c.status == "pending",
            entry.c.platform.in_(list(platforms)),
            entry.c.lane.in_(sorted({lane for _, lane in rank})),
            entry.c.id >= firsts[0].id,
        )
        .order_by(entry.c.id)
        .limit(limit * 2)
    ).all()
    rows = sorted(rows, key=lambda row: rank.get((row.platform, row.lane), len(rank)))
    ids = _runs(rows, rank, now, limit)
    others = [f.id for f in firsts if (f.platform, f.lane) not in rank]
    return ids + others[: limit - len(ids)]


def _runs(
    rows: Sequence[Any], rank: dict[tuple[str, str], int], now: datetime, limit: int
) -> list[int]:
    """Per lane, its free entries up to the first that is still waiting or leased."""
    ids: list[int] = []
    closed: set[tuple[str, str]] = set()
    for row in rows:
        lane = (row.platform, row.lane)
        if lane not in rank or lane in closed:
            continue
        lease_until = aware(row.lease_until)
        due = aware(row.next_attempt_at) <= now  # type: ignore[operator]
        if not due or (lease_until is not None and lease_until >= now):
            closed.add(lane)
            continue
        ids.append(row.id)
        if len(ids) >= limit:
            break
    return ids


def _free(table: Any, row: Any, platforms: Sequence[str], now: datetime) -> list[Any]:
    """Due, not leased by anyone, and nothing earlier in its lane still waiting or out."""
    earlier = table.alias()
    # A scalar subquery with LIMIT 1, not NOT EXISTS: PostgreSQL then probes the lane index per
    # candidate instead of planning an anti-join, which on a freshly filled table (statistics
    # saying "one row") degenerates to scanning every pending row for every candidate.
    held_back = (
        select(literal(1))
        .where(
            earlier.c.platform == row.c.platform,
            earlier.c.lane == row.c.lane,
            earlier.c.status == "pending",
            earlier.c.id < row.c.id,
            or_(earlier.c.next_attempt_at > now, earlier.c.lease_until >= now),
        )
        .limit(1)
        .scalar_subquery()
    )
    return [
        row.c.status == "pending",
        row.c.platform.in_(list(platforms)),
        row.c.next_attempt_at <= now,
        or_(row.c.lease_until.is_(None), row.c.lease_until < now),
        held_back.is_(None),
    ]


def _oldest(table: Any, platforms: Sequence[str], now: datetime, limit: int) -> Any:
    cand = table.alias("cand")
    return (
        select(cand.c.id)
        .where(*_free(table, cand, platforms, now))
        .order_by(cand.c.id)
        .limit(limit)
    )


def taken_over_form(token: str) -> str:
    return f"{token}~"


def held_by(token: str, table: Any = TABLE) -> Any:
    """The batch's rows: leased under its token, or its taken-over form."""
    return table.c.lease_owner.in_([token, taken_over_form(token)])


def _entry(values: Any) -> Leased:
    return Leased(**{name: values[name] for name in COLUMNS})


def renew(conn: Connection, token: str, until: datetime, table: Any = TABLE) -> set[int]:
    """Extend the batch's lease; the ids still ours (the rest were taken over)."""
    statement = (
        update(table)
        .where(held_by(token, table), table.c.status == "pending")
        .values(lease_until=until)
        .returning(table.c.id)
    )
    with conn.begin():
        return {row[0] for row in conn.execute(statement)}


@dataclass(frozen=True)
class _Settling:
    """The settling statements of one table; each touches a row only while the batch still
    holds it."""

    final: Any
    retry: Any
    release: Any


_SETTLING: dict[str, _Settling] = {}


def _settling(table: Any) -> _Settling:
    found = _SETTLING.get(table.name)
    if found is not None:
        return found
    still_ours = (
        table.c.id == bindparam("b_id", type_=Integer),
        table.c.lease_owner == bindparam("b_token", type_=String),
        table.c.status == "pending",
    )
    final = (
        update(table)
        .where(*still_ours)
        .values(
            status=bindparam("b_status", type_=String),
            sent_at=bindparam("b_sent_at", type_=DateTime(timezone=True)),
            last_error=bindparam("b_error", type_=String),
            result=bindparam("b_result", type_=JSON),
            attempts=bindparam("b_attempts", type_=Integer),
            lease_until=None,
        )
    )
    retry = (
        update(table)
        .where(*still_ours)
        .values(
            attempts=bindparam("b_attempts", type_=Integer),
            next_attempt_at=bindparam("b_at", type_=DateTime(timezone=True)),
            last_error=bindparam("b_error", type_=String),
            result=bindparam("b_result", type_=JSON),
            lease_owner=None,
            lease_until=None,
        )
    )
    release = (
        update(table)
        .where(*still_ours)
        .values(
            next_attempt_at=bindparam("b_at", type_=DateTime(timezone=True)),
            lease_owner=None,
            lease_until=None,
        )
    )
    found = _SETTLING[table.name] = _Settling(final, retry, release)
    return found


def settle(
    conn: Connection, token: str, outcomes: list[Outcome], now: datetime, table: Any = TABLE
) -> set[int]:
    """Write every outcome of the batch in one transaction (one executemany per kind), each
    only where the batch still holds the lease. Returns the ids marked sent/failed/dead."""
    finals = [_final_row(o, now) for o in outcomes if o.final]
    retries = [_retry_row(o) for o in outcomes if o.status == "retry"]
    releases = [
        {"b_id": o.entry.id, "b_token": o.entry.lease_owner, "b_at": o.at}
        for o in outcomes
        if o.status == "release"
    ]
    statements = _settling(table)
    with conn.begin():
        _many(conn, statements.final, finals)
        _many(conn, statements.retry, retries)
        _many(conn, statements.release, releases)
        if not finals:
            return set()
        # Rows this batch just finished still carry its token: clear it, and learn which
        # ones were ours to finish (the others were taken over and are someone else's).
        done = conn.execute(
            update(table)
            .where(held_by(token, table), table.c.status != "pending")
            .values(lease_owner=None)
            .returning(table.c.id)
        )
        return {row[0] for row in done}


def _many(conn: Connection, statement: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(statement, rows)


def result_of(outcome: Outcome) -> dict[str, Any]:
    """The entry's stored result: the steps it recorded, plus the ids the platform gave."""
    stored = dict(outcome.entry.result or {})
    if outcome.final and outcome.result is not None:
        r = outcome.result
        stored.update(message_id=r.message_id, channel_id=r.channel_id, thread_id=r.thread_id)
    return stored


def _final_row(outcome: Outcome, now: datetime) -> dict[str, Any]:
    error = (outcome.result.error if outcome.result else None) or ""
    return {
        "b_id": outcome.entry.id,
        "b_token": outcome.entry.lease_owner,
        "b_status": outcome.status,
        "b_sent_at": now if outcome.status == "sent" else None,
        "b_error": error[:500] or None,
        "b_result": result_of(outcome),
        "b_attempts": outcome.attempts if outcome.attempts is not None else outcome.entry.attempts,
    }


def _retry_row(outcome: Outcome) -> dict[str, Any]:
    return {
        "b_id": outcome.entry.id,
        "b_token": outcome.entry.lease_owner,
        "b_attempts": outcome.attempts,
        "b_at": outcome.at,
        "b_error": (outcome.error or "")[:500],
        "b_result": outcome.entry.result or {},
    }
