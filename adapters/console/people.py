"""The console community's people: one of each standing, so every page of the dashboard can be
tried on this machine (`crossings run` with no platform adds them; the dashboard's local
sign-in lists them)."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.console.platform import ConsolePlatform


@dataclass(frozen=True)
class Person:
    name: str
    standing: str  # shown next to the name when signing in
    roles: frozenset[str] = frozenset()
    owner: bool = False

    @property
    def user_id(self) -> str:
        return self.name.lower()  # as ConsolePlatform.add_member makes it


PEOPLE = (
    Person("Olu", "owner", owner=True),
    Person("Mira", "moderator", frozenset({"moderator"})),
    Person("Ren", "organizer", frozenset({"organizer"})),
    Person("Sam", "member"),
)


def add_people(platform: ConsolePlatform) -> None:
    for person in PEOPLE:
        platform.add_member(person.name, person.roles, is_owner=person.owner)
