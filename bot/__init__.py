"""Crossings core: platform-neutral community logic. Never imports a platform library."""
