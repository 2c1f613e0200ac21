"""Small functions: none in bot/, adapters/ or crossings/ (migrations included) runs over 60
lines, so each reads on one screen. A long one is split where it holds several steps."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 60

pytestmark = pytest.mark.core


def long_functions(root: Path, limit: int = LIMIT) -> list[str]:
    found = []
    for package in ("bot", "adapters", "crossings"):
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > limit:
                        found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} {length}")
    return found


def test_no_function_is_longer_than_sixty_lines() -> None:
    assert long_functions(ROOT) == []


def test_the_check_finds_a_long_function(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT))
    (tmp_path / "bot" / "long.py").write_text(f"def long() -> None:\n{body}\n")
    assert long_functions(tmp_path) == ["bot/long.py:1 long 61"]
