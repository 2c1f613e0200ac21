"""The composition root: builds the app from the core and its features, finds the adapters
installed as plug-ins, and runs them (`crossings` on the command line)."""

import os

# The embeddings' small matrix products (bot/kernel/embeddings.py) gain nothing from BLAS
# threads, and their busy-waiting would take a second core from the event loop: measured, one thread halves
# the CPU time of a crisis scan at the same latency (docs/safety.md). Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from crossings.build import build_app
from crossings.features import features

# Loading the installed features puts their tables on SQLModel.metadata, so a store made before
# the app (`Store.create_all()` in a test harness, a bench) holds every table, as it always has.
features()

__all__ = ["build_app", "features"]
