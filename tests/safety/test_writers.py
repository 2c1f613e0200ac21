"""The labelled lines of the independent writers: the release writer's file is frozen (its
hash is the one it had when it arrived, before any tuning), and every writer's lines are
well formed."""

from __future__ import annotations

import hashlib
import json

import pytest

from bot.kernel.paths import CONTENT_DIR
from bot.moderation import scam_train
from bot.safety import train

pytestmark = pytest.mark.safety
# The release writers' files as they arrived: w2 (measured once, then a development writer)
# and w10 (the release writer now).
FROZEN = {
    CONTENT_DIR / "safety" / "eval" / "writers" / "w2.jsonl":
        "dfe7d7e627655c161a243df50c0960af16004486ed471f0663a649e043a742cf",
    CONTENT_DIR / "automod" / "eval" / "writers" / "w2.jsonl":
        "19a32bbab952952aa408c0bb8ab543e6b32d3368f26d7b589dc587731f067750",
    CONTENT_DIR / "safety" / "eval" / "writers" / "w10.jsonl":
        "c0cd5dbde4674346777c3fd0db08aebc8a792a7e4b1b745136e703cc1b0c6273",
    CONTENT_DIR / "automod" / "eval" / "writers" / "w10.jsonl":
        "bc295b972e58924f2b1ed7157637e6cf7b90df8fe0c3c19ccda1b31dc4a8bf43",
}  # fmt: skip


def test_the_release_writers_lines_are_frozen() -> None:
    assert train.RELEASE_WRITER == scam_train.RELEASE_WRITER == "w10"
    for path, digest in FROZEN.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, path


def test_the_release_writer_is_never_trained_on() -> None:
    head = json.loads((CONTENT_DIR / "safety" / "model" / "e5_head.json").read_text())
    assert head["never_seen"] == "w10" and "w10" not in head["trained_on"]
    scam = json.loads((CONTENT_DIR / "automod" / "model" / "scam_head.json").read_text())
    assert scam["never_seen"] == "w10" and "w10" not in scam["trained_on"]


def test_every_writer_line_is_labelled() -> None:
    lines = train.load_writers()
    writers = {ln.writer for ln in lines}
    assert {f"w{i}" for i in range(11)} <= writers
    assert sum(ln.writer != "w0" for ln in lines) >= 4000
    assert all(ln.level in ("urgent", "concern", "none") and ln.text for ln in lines)
    automod = scam_train.load_rows()
    assert sum(r["writer"] != "w0" for r in automod) >= 1500
