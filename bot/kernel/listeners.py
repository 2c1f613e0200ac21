"""The order listeners hear an event in: by the names they give, not by numbers the kernel keeps.

A listener says which others it runs `after` or `before` (the crisis pathway runs before automod,
so a message automod hides still gets its private reply). Otherwise listeners run in the order
they were installed. A name that no installed listener has is ignored; a loop is a mistake in
the features and fails at start-up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

Listener = Callable[[Any, Any], Awaitable[None]]


@dataclass(frozen=True)
class NamedListener:
    name: str
    fn: Listener
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()


class ListenerLoop(ValueError):
    """`after`/`before` names that cannot all hold."""


def in_order(declared: list[NamedListener]) -> list[Listener]:
    """A topological order of `declared`; ties go to the one installed first."""
    index = {item.name: i for i, item in enumerate(declared)}
    needs: dict[int, set[int]] = {i: set() for i in range(len(declared))}
    for i, item in enumerate(declared):
        needs[i] |= {index[n] for n in item.after if n in index}
        for n in item.before:
            if n in index:
                needs[index[n]].add(i)
    ordered: list[Listener] = []
    done: set[int] = set()
    while len(done) < len(declared):
        ready = [i for i in needs if i not in done and needs[i] <= done]
        if not ready:
            stuck = sorted(declared[i].name for i in needs if i not in done)
            raise ListenerLoop(f"listeners wait for each other: {', '.join(stuck)}")
        done.add(ready[0])
        ordered.append(declared[ready[0]].fn)
    return ordered
