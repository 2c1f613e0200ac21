"""The composition root: builds the app from the core and its features, finds the adapters
installed as plug-ins, and runs them (`crossings` on the command line)."""

from crossings.features import build_app

__all__ = ["build_app"]
