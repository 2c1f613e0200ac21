"""docs/architecture.md's "How to add a feature", followed literally: the files it shows are
written into a copy of the project, its pyproject line is added, its commands are run, and the
new feature answers in the console. If the recipe and the code drift apart, this fails."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"

pytestmark = pytest.mark.core


def recipe() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text[text.index("## How to add a feature") : text.index("## How to add a platform")]


def blocks(section: str) -> list[tuple[str, str, str]]:
    """(the line before the block, its language, its body) for each fenced block."""
    found = re.finditer(r"([^\n]*)\n\n   ```(\w+)\n(.*?)\n   ```", section, re.S)
    return [(m.group(1).strip(), m.group(2), textwrap.dedent(m.group(3))) for m in found]


def copy_project(where: Path) -> Path:
    root = where / "project"
    for name in ("bot", "adapters", "crossings", "content"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def install_entry_points(root: Path) -> None:
    """What `pip install -e .` does for entry points: a dist-info written from pyproject.toml."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    groups = {"console_scripts": project["scripts"], **project["entry-points"]}
    lines = [f"[{g}]\n" + "".join(f"{k} = {v}\n" for k, v in e.items()) for g, e in groups.items()]
    info = root / "crossings_copy-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crossings-copy\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("\n".join(lines))


def follow(root: Path) -> list[str]:
    """Write every file the recipe shows and add its pyproject line; return its commands."""
    commands: list[str] = []
    for before, language, body in blocks(recipe()):
        named = re.search(r"File `([^`]+)`:", before)
        if named:
            path = root / named.group(1)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body + "\n", encoding="utf-8")
        elif language == "toml":
            pyproject = root / "pyproject.toml"
            header = '[project.entry-points."crossings.features"]\n'
            text = pyproject.read_text()
            pyproject.write_text(text.replace(header, header + body + "\n", 1))
        elif language == "sh":
            commands += [line for line in body.splitlines() if line.startswith("crossings ")]
    return commands


def crossings(root: Path, env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "crossings.cli", *args],
        cwd=root,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_add_a_feature_recipe_works_as_written(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    commands = follow(root)
    assert commands == ['crossings db revision -m "kudos counts"', "crossings db upgrade"]
    install_entry_points(root)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CROSSINGS_")}
    env = {
        **clean,
        "PYTHONPATH": str(root),
        "CROSSINGS_DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
        "CROSSINGS_METRICS__ENABLED": "false",
    }
    for command in commands:
        crossings(root, env, *shlex.split(command)[1:])
    written = list((root / "crossings/migrations/versions").glob("*_kudos_counts.py"))
    assert len(written) == 1
    assert "create_table('kudos_counts'" in written[0].read_text()
    out = crossings(root, env, "run", stdin="hello\nhow is everyone?\n/kudos\n")
    assert "This community has seen 2 messages." in out
