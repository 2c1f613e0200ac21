"""Where the project's data lives (content packs, catalogs), overridable for deployments."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = Path(os.environ.get("CROSSINGS_CONTENT_DIR", ROOT / "content"))
