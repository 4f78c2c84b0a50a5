"""Who is in which room, per socket, on this worker.

A user is online in a room while at least one of their sockets has joined it,
so a user with two tabs goes offline only when the last tab leaves. The state
lives in this process: with ``MESSAGE_QUEUE`` and several workers, ``members``
lists only the users whose sockets are on this worker, while ``presence``
events still reach every worker's clients through the queue.
"""

import threading
from collections import defaultdict


class Presence:
    """Room membership of every socket of this worker."""

    def __init__(self):
        self._lock = threading.Lock()
        # room -> username -> sids of that user in the room
        self._rooms: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self._joined: dict[str, set[str]] = defaultdict(set)  # sid -> rooms

    def join(self, sid: str, username: str, room: str) -> bool:
        """Record that ``sid`` joined ``room``; True if its user just came online there."""
        with self._lock:
            sids = self._rooms[room][username]
            came_online = not sids
            sids.add(sid)
            self._joined[sid].add(room)
            return came_online

    def leave(self, sid: str, username: str, room: str) -> bool:
        """Record that ``sid`` left ``room``; True if its user just went offline there."""
        with self._lock:
            return self._remove(sid, username, room)

    def drop(self, sid: str, username: str) -> list[str]:
        """Forget a disconnected socket; return the rooms its user went offline in."""
        with self._lock:
            rooms = sorted(self._joined.get(sid, ()))
            return [room for room in rooms if self._remove(sid, username, room)]

    def _remove(self, sid: str, username: str, room: str) -> bool:
        joined = self._joined.get(sid)
        if joined is None or room not in joined:
            return False
        joined.discard(room)
        if not joined:
            del self._joined[sid]
        users = self._rooms[room]
        users[username].discard(sid)
        if users[username]:
            return False
        del users[username]
        if not users:
            del self._rooms[room]
        return True

    def has_joined(self, sid: str, room: str) -> bool:
        """Whether socket ``sid`` is in ``room``."""
        with self._lock:
            return room in self._joined.get(sid, ())

    def rooms_of(self, sid: str) -> int:
        """How many rooms socket ``sid`` has joined."""
        with self._lock:
            return len(self._joined.get(sid, ()))

    def members(self, room: str) -> list[str]:
        """The usernames online in ``room``, sorted."""
        with self._lock:
            return sorted(self._rooms.get(room, {}))

    def online_count(self, room: str) -> int:
        """How many users are online in ``room``."""
        with self._lock:
            return len(self._rooms.get(room, {}))
