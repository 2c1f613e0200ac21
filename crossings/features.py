"""The features this distribution installs, found through the `crossings.features` entry-point
group (pyproject.toml).

Each entry point names a feature's leaf object (`bot.<name>.feature:feature`); loading it
imports the modules that register on it, which puts its tables on SQLModel.metadata (migrations
and `Store.create_all` see them) and its handlers on the feature. Features are installed in
name order; where order matters (which listener hears a message first) the feature says so by
name (`@feature.on(..., after="automod")`).
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from bot.kernel.feature import Feature

GROUP = "crossings.features"


@cache
def features() -> tuple[Feature, ...]:
    found: dict[str, Feature] = {}
    for entry in entry_points(group=GROUP):
        feature = entry.load()
        if not isinstance(feature, Feature):
            raise TypeError(f"entry point {entry.name} ({entry.value}) is not a Feature")
        found.setdefault(feature.name, feature.load())
    return tuple(found[name] for name in sorted(found))
