"""kill -9 while `crossings run` delivers: nothing lost, nothing twice, as the emulators see it.

At least 30 kills per database by default (CROSSINGS_KILL9_KILLS to change). Each start of the
bot takes a few seconds, so this is the slowest test in the suite: select it with
`-m delivery -k kill9`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import drop_postgres_store, fresh_postgres_store
from tests.delivery import kill9

pytestmark = [pytest.mark.delivery, pytest.mark.e2e, pytest.mark.timeout(1800)]

KILLS = int(os.environ.get("CROSSINGS_KILL9_KILLS", "30"))


def check(result: dict[str, object]) -> None:
    print("kill9", json.dumps(result))  # the figures behind docs/delivery.md (run with -s)
    assert result["kills"] == KILLS
    assert result["lost"] == [], result
    assert result["duplicated"] == [], result
    assert result["undrained"] == [] and result["hung_stops"] == 0, result


async def test_kill9_on_sqlite(tmp_path: Path) -> None:
    check(await kill9.run(f"sqlite:///{tmp_path}/kill9.db", KILLS, seed=15))


@pytest.mark.postgres
async def test_kill9_on_postgres() -> None:
    store = fresh_postgres_store(create=False)
    try:
        check(await kill9.run(store.url, KILLS, seed=16))
    finally:
        drop_postgres_store(store)
