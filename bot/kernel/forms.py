"""Forms: a modal with a title and up to five text inputs, validated in the core."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

MAX_FIELDS = 5
MAX_TITLE = 45


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    style: Literal["short", "paragraph"] = "short"
    required: bool = True
    min_length: int = 0
    max_length: int = 1000
    placeholder: str = ""
    default: str = ""


@dataclass(frozen=True)
class Form:
    custom_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Submit"

    def __post_init__(self) -> None:
        if not 1 <= len(self.fields) <= MAX_FIELDS:
            raise ValueError(f"a form has 1 to {MAX_FIELDS} fields, not {len(self.fields)}")
        if len(self.title) > MAX_TITLE:
            raise ValueError(f"form title longer than {MAX_TITLE} characters: {self.title!r}")
        if len({f.id for f in self.fields}) != len(self.fields):
            raise ValueError("form field ids must be unique")

    def validate(self, values: Mapping[str, str]) -> dict[str, str]:
        """Errors by field id (empty when the submission is good)."""
        errors: dict[str, str] = {}
        for f in self.fields:
            value = (values.get(f.id) or "").strip()
            if f.required and not value:
                errors[f.id] = "This field is required."
            elif value and len(value) < f.min_length:
                errors[f.id] = f"Please write at least {f.min_length} characters."
            elif len(value) > f.max_length:
                errors[f.id] = f"Please keep this under {f.max_length} characters."
        return errors

    def clean(self, values: Mapping[str, str]) -> dict[str, str]:
        return {f.id: (values.get(f.id) or "").strip() for f in self.fields}
