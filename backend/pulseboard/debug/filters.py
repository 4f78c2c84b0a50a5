"""DebugFilter: which messages a ``/debug`` subscriber wants, as Socket.IO rooms.

Filtering happens on the server, through rooms that need no shared registry:
a socket joins one room per (level, source pattern) pair of its filter,
``debug:<level or *>:<pattern>``, and a message is emitted once to the list
of rooms that could match it (its level or ``*``, times its exact source,
each of its prefixes followed by ``*``, and ``*``). python-socketio delivers
an emit to a list of rooms once per socket, and with a message queue every
worker resolves the rooms for its own sockets, so a message posted on one
worker reaches matching subscribers on all of them.

A source pattern is an exact source (``task:12``) or a prefix ending in
``*`` (``task:*``, ``log:pulseboard.*``; ``*`` alone means any source).
"""

from dataclasses import dataclass

from sqlalchemy import or_

from .models import LEVELS, DebugMessage

ANY = "*"


def room(level: str, pattern: str) -> str:
    """The room of the sockets that want ``level`` (or ``*``) from ``pattern``."""
    return f"debug:{level}:{pattern}"


def rooms_for(message: dict) -> list[str]:
    """Every room whose sockets want ``message``."""
    source = message["source"]
    patterns = [source] + [source[:i] + ANY for i in range(len(source) + 1)]
    return [room(level, pattern) for level in (message["level"], ANY) for pattern in patterns]


@dataclass(frozen=True)
class DebugFilter:
    """Levels and source patterns; an empty tuple means "any"."""

    levels: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @classmethod
    def of(cls, levels=None, sources=None) -> "DebugFilter":
        """A normalised filter: sorted, deduplicated, "every level" written as any."""
        levels = tuple(sorted(set(levels or ())))
        if set(levels) == set(LEVELS):
            levels = ()
        sources = tuple(sorted(set(sources or ())))
        if ANY in sources:
            sources = ()
        return cls(levels, sources)

    def rooms(self) -> list[str]:
        """The rooms a socket with this filter joins (one per level and source pattern)."""
        return [room(level, pattern) for level in (self.levels or (ANY,))
                for pattern in (self.sources or (ANY,))]

    def clauses(self) -> list:
        """The same filter as SQL conditions on :class:`DebugMessage` (to AND together)."""
        conditions = []
        if self.levels:
            conditions.append(DebugMessage.level.in_(self.levels))
        if self.sources:
            exact = [p for p in self.sources if not p.endswith(ANY)]
            prefixes = [p[:-1] for p in self.sources if p.endswith(ANY)]
            parts = [DebugMessage.source.in_(exact)] if exact else []
            parts += [DebugMessage.source.startswith(p, autoescape=True) for p in prefixes]
            conditions.append(or_(*parts))
        return conditions
