"""The vendored HSDS 3.0 JSON Schemas and tabular descriptors, loaded once, no network."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from bot.support.hsds.problems import Problem, Where, shown

SPEC = Path(__file__).parent / "spec"
BASE = "https://hsds.invalid/schema/"  # a base URI so sibling `$ref`s ("phone.json") resolve here
# Formats are annotations in JSON Schema 2020-12; email is asserted because a wrong address
# reaches members. Identifiers may be any string: HSDS 1.1 feeds and spreadsheets rarely use UUIDs.
FORMATS = FormatChecker(formats=("email",))


@cache
def _registry() -> Registry:
    resources = []
    for path in SPEC.glob("*.json"):
        if path.name.startswith("datapackage"):
            continue
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((BASE + path.name, DRAFT202012.create_resource(schema)))
    return Registry().with_resources(resources)


@cache
def validator(kind: str) -> Draft202012Validator:
    """A validator for one HSDS object: "service", "location", "phone"..."""
    schema = _registry().contents(BASE + f"{kind}.json")
    return Draft202012Validator(
        {"$id": BASE + f"{kind}.json", **schema},  # type: ignore[dict-item]
        registry=_registry(),
        format_checker=FORMATS,
    )


def properties(kind: str) -> dict[str, dict[str, Any]]:
    return _registry().contents(BASE + f"{kind}.json")["properties"]  # type: ignore[no-any-return]


@cache
def scalar_fields(kind: str) -> tuple[str, ...]:
    """The fields of an object that are not nested objects or arrays."""
    return tuple(
        name
        for name, spec in properties(kind).items()
        if spec.get("type") not in ("array", "object", None)
    )


@cache
def datapackage(version: str) -> dict[str, dict[str, Any]]:
    """A tabular descriptor's resources by file name ("services.csv")."""
    data = json.loads((SPEC / f"datapackage-{version}.json").read_text(encoding="utf-8"))
    return {r["path"]: r for r in data["resources"]}


# Keywords the schemas use on flat fields that do not validate anything.
_ANNOTATIONS = frozenset(
    {"name", "title", "description", "example", "core", "constraints", "datapackage_type"}
)
_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "boolean": lambda v: isinstance(v, bool),
}


@cache
def _flat_rules(kind: str) -> dict[str, tuple[Any, tuple[Any, ...], str | None]] | None:
    """Each flat field's type, enum and asserted format; None if the schema uses any other
    validation keyword on a flat field (then only jsonschema can judge it)."""
    rules = {}
    for name, spec in properties(kind).items():
        if spec.get("type") in ("array", "object", None):
            continue
        if set(spec) - _ANNOTATIONS - {"type", "enum", "format"} or spec["type"] not in _TYPES:
            return None
        fmt = spec.get("format")
        rules[name] = (_TYPES[spec["type"]], tuple(spec.get("enum") or ()), fmt)
    return rules


def flat_row_is_valid(row: dict[str, Any], kind: str) -> bool:
    """A fast yes for a table row (flat fields only) that the schema accepts; False means
    "ask jsonschema", which then names every problem. Rows are many, and a full validator
    costs about half a millisecond per row."""
    rules = _flat_rules(kind)
    if rules is None:
        return False
    for key, value in row.items():
        if key.startswith("_"):
            continue
        rule = rules.get(key)
        if rule is None:
            if key in properties(kind):
                return False  # a nested field in a row: let jsonschema judge it
            continue  # additional properties are allowed
        is_type, enum, fmt = rule
        if not is_type(value) or (enum and value not in enum):
            return False
        if fmt is not None and fmt in FORMATS.checkers and not FORMATS.conforms(value, fmt):
            return False
    return True


def check_row(row: dict[str, Any], kind: str, where: Where) -> list[Problem]:
    """Schema problems of one table row, each at its row and field."""
    return [] if flat_row_is_valid(row, kind) else check(row, kind, where)


def check(obj: dict[str, Any], kind: str, where: Where) -> list[Problem]:
    """Every schema problem of one object, each at its JSON pointer."""
    return [_problem(e, where) for e in validator(kind).iter_errors(_clean(obj))]


def _problem(error: ValidationError, where: Where) -> Problem:
    path = list(error.absolute_path)
    place = where
    for key in path[:-1]:
        place = place.child(key)
    field = str(path[-1]) if path else ""
    value: Any = error.instance
    if error.validator == "required":
        field = error.message.split("'")[1] if "'" in error.message else field
        if path:
            place = place.child(path[-1])
        value = ""
    if isinstance(value, dict | list):
        value = ""
    why = error.message if error.validator != "required" else "required by HSDS"
    return Problem(place.file, place.place, field or "(object)", shown(value), why)


def _clean(obj: Any) -> Any:
    """The object without the reader's bookkeeping keys (which start with an underscore)."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj
