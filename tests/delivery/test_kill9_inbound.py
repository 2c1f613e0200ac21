"""kill -9 around inbound DM reports on Slack and Discord: no report loses its queue card or its
confirmation, none gets two (tests/delivery/kill9_inbound.py says how, and what the same
harness finds without the inbox).

30 kills per database by default (CROSSINGS_KILL9_KILLS to change); each start of the bot
takes a few seconds, so select it with `-m delivery -k kill9`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import drop_postgres_store, fresh_postgres_store
from tests.delivery import kill9_inbound

pytestmark = [pytest.mark.delivery, pytest.mark.e2e, pytest.mark.timeout(2400)]

KILLS = int(os.environ.get("CROSSINGS_KILL9_KILLS", "30"))


def check(result: dict[str, object]) -> None:
    print("kill9_inbound", json.dumps(result))  # the figures behind docs/delivery.md (-s)
    assert result["kills"] == KILLS
    slack, discord = result["slack"], result["discord"]
    assert isinstance(slack, dict) and isinstance(discord, dict)
    assert slack["lost_cards"] == [] and slack["lost_confirmations"] == [], result
    assert slack["duplicated"] == [] and discord["duplicated"] == [], result
    # Discord sends a gateway event to one session only: a DM the process died before
    # recording comes back when the next process resumes the dead one's session.
    assert discord["lost_cards"] == [] and discord["lost_confirmations"] == [], result
    assert result["slack_events_never_acked"] == 0, result


async def test_kill9_inbound_on_sqlite(tmp_path: Path) -> None:
    check(await kill9_inbound.run(f"sqlite:///{tmp_path}/kill9.db", KILLS, seed=27))


@pytest.mark.postgres
async def test_kill9_inbound_on_postgres() -> None:
    store = fresh_postgres_store(create=False)
    try:
        check(await kill9_inbound.run(store.url, KILLS, seed=28))
    finally:
        drop_postgres_store(store)
