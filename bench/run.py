"""Run every benchmark in bench/ (files named bench_*.py with a `main()`), each in its own
process so one cannot skew another, and pass their JSON lines through to stdout.

    python bench/run.py              # all
    python bench/run.py core outbox  # only bench_core.py and bench_outbox.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    failed = 0
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        code = f"import runpy; runpy.run_path({str(path)!r}, run_name='__main__')"
        # As `crossings run` does (crossings/__init__.py): no busy-waiting BLAS threads.
        env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
        done = subprocess.run([sys.executable, "-c", code], cwd=HERE.parent, check=False, env=env)
        if done.returncode != 0:
            print(f"bench {name} failed with exit code {done.returncode}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
