"""Import problems with their place: file, row or JSON pointer, field, value and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    file: str
    place: str  # "row 3" for a table, a JSON pointer such as "/0/phones/1" for a document
    field: str
    value: str
    why: str

    def __str__(self) -> str:
        value = f" = {self.value!r}" if self.value != "" else ""
        return f"{self.file} {self.place}: {self.field}{value}: {self.why}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def shown(value: Any) -> str:
    """A value as a short string for a problem report."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class ImportFailed(Exception):
    """Nothing was imported; `problems` lists every reason with its place."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


@dataclass(frozen=True)
class Where:
    """Where an object came from, carried alongside it until the checks have run."""

    file: str
    place: str  # a row ("row 2") or a JSON pointer

    def at(self, field: str, value: Any, why: str) -> Problem:
        return Problem(self.file, self.place, field, shown(value), why)

    def child(self, key: str | int) -> Where:
        """The place of a nested object (JSON pointers only; rows have no children)."""
        if self.place.startswith("row"):
            return self
        return Where(self.file, f"{self.place.rstrip('/')}/{key}")
