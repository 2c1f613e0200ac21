"""JSON encoding of the core's frozen dataclasses, so actions can wait in the outbox."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.kernel import actions, events, forms, message

_TYPES: dict[str, type[Any]] = {}
for _module in (actions, events, forms, message):
    for _name in dir(_module):
        _obj = getattr(_module, _name)
        if isinstance(_obj, type) and dataclasses.is_dataclass(_obj):
            _TYPES[_obj.__name__] = _obj


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"__t": type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = _encode(getattr(value, f.name))
        return out
    if isinstance(value, datetime):
        return {"__dt": value.isoformat()}
    if isinstance(value, bytes):
        return {"__b": base64.b64encode(value).decode()}
    if isinstance(value, frozenset):
        return {"__fs": sorted(_encode(v) for v in value)}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    if "__t" in value:
        cls = _TYPES[value["__t"]]
        kwargs = {k: _decode(v) for k, v in value.items() if k != "__t"}
        return cls(**kwargs)
    if "__dt" in value:
        return datetime.fromisoformat(value["__dt"])
    if "__b" in value:
        return base64.b64decode(value["__b"])
    if "__fs" in value:
        return frozenset(_decode(v) for v in value["__fs"])
    return {k: _decode(v) for k, v in value.items()}


def dumps(value: Any) -> str:
    return json.dumps(_encode(value), ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Any:
    return _decode(json.loads(text))
