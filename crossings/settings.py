"""Settings assembled from the core's and every installed adapter's own section."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, create_model
from pydantic_settings import SettingsConfigDict

from bot.kernel.config import ConfigError, check_no_secrets
from bot.kernel.config import Settings as CoreSettings
from crossings.features import features
from crossings.plugins import adapter_plugins


@cache
def settings_class() -> type[CoreSettings]:
    """The core settings plus one section per feature (`[moderation]`, `[privacy]`...) and per
    adapter plug-in (`[discord]`, `[slack]`...)."""
    sections: dict[str, Any] = {
        f.settings.name: (f.settings.model, Field(default_factory=f.settings.model))
        for f in features()
        if f.settings is not None
    }
    sections |= {
        p.name: (p.settings, Field(default_factory=p.settings))
        for p in adapter_plugins()
        if p.settings is not None
    }
    return create_model("Settings", __base__=CoreSettings, **sections)


def Settings(**values: Any) -> CoreSettings:
    return settings_class()(**values)


def secret_keys() -> set[tuple[str, str]]:
    """Keys read only from the environment, in their sections and in their old places."""
    keys = {(p.name, key) for p in adapter_plugins() for key in p.secrets}
    for p in adapter_plugins():
        for was, now in p.moved.items():
            if now in p.secrets:
                old_section, old_key = was.split(".", 1)
                keys.add((old_section, old_key))
    return keys


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> CoreSettings:
    """Load and validate settings, raising ConfigError with one readable line."""
    path = Path(config_file or os.environ.get("CROSSINGS_CONFIG", "crossings.toml"))
    if path.exists():
        check_no_secrets(path, secret_keys())
    try:

        class _Loaded(settings_class()):  # type: ignore[misc, valid-type]
            model_config = SettingsConfigDict(toml_file=path)

        return _Loaded(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(root)"
            problems.append(f"{key}: {err['msg']}")
        raise ConfigError("config error: " + "; ".join(problems)) from None
