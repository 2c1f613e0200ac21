"""Request-body validation against Discord's OpenAPI description (openapi.json next to this)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC = Path(__file__).with_name("openapi.json")


@cache
def _spec() -> dict[str, Any] | None:
    return json.loads(SPEC.read_text()) if SPEC.exists() else None


@cache
def _routes() -> list[tuple[re.Pattern[str], str]]:
    spec = _spec() or {}
    out = []
    for template in spec.get("paths", {}):
        rx = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        out.append((re.compile(rx), template))
    return out


@cache
def _validator(template: str, method: str) -> Draft202012Validator | None:
    spec = _spec()
    if spec is None:
        return None
    op = spec["paths"][template].get(method.lower())
    if not op or "requestBody" not in op:
        return None
    content = op["requestBody"].get("content", {})
    if "application/json" not in content:
        return None
    pointer = "/".join(
        p.replace("~", "~0").replace("/", "~1")
        for p in (
            "paths",
            template,
            method.lower(),
            "requestBody",
            "content",
            "application/json",
            "schema",
        )
    )
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:discord", resource)
    return Draft202012Validator({"$ref": f"urn:discord#/{pointer}"}, registry=registry)


def _snowflakes_as_strings(value: Any, key: str = "") -> Any:
    """Discord takes snowflakes as integers too (discord.py sends some that way), while the
    description types them as strings: normalise before validating."""
    if isinstance(value, dict):
        return {k: _snowflakes_as_strings(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_snowflakes_as_strings(v, key) for v in value]
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (key.endswith("id") or key.endswith("ids"))
    ):
        return str(value)
    return value


def errors(path: str, method: str, body: Any) -> list[str]:
    """Why Discord would reject this JSON body ([] when it matches the spec or isn't described)."""
    body = _snowflakes_as_strings(body)
    for rx, template in _routes():
        if rx.match(path):
            validator = _validator(template, method)
            if validator is None:
                return []
            found = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
            return [f"{'/'.join(map(str, e.path)) or 'body'}: {e.message[:200]}" for e in found[:5]]
    return []


def available() -> bool:
    return _spec() is not None
