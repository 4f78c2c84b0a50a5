"""Who is in which chat room: this worker's sockets, counted cluster-wide.

A socket's membership lives in :class:`~pulseboard.rooms.Rooms` (the
Socket.IO room ``room:<name>``); how many sockets each user has in a room,
summed over every worker, is a shared count (kind ``presence``, group the
room, field the username). A user is online in a room while that count is
above 0, so ``presence`` events fire once per transition across the cluster:
the first socket anywhere, or the last one anywhere. A worker that dies has
its counts subtracted by a survivor within about 20 s (see
:mod:`pulseboard.cluster.redis_cluster`), which then announces who went
offline with it. Without a message queue the counts are this process's.
"""

from ..cluster import cluster_of
from ..rooms import Rooms

NAMESPACE = "/chat"
ROOM_PREFIX = "room:"


def chat_room(room: str) -> str:
    """The Socket.IO room of a chat room's members."""
    return f"{ROOM_PREFIX}{room}"


class Presence:
    """Chat room membership and cluster-wide presence.

    :param on_gone: ``callback(room, username)`` when a lost worker's sockets
        were a user's last in a room.
    """

    def __init__(self, socketio, on_gone=None):
        self.rooms = Rooms(socketio, NAMESPACE)
        self.counts = cluster_of(socketio).counts("presence", on_gone)

    def join(self, sid: str, username: str, room: str) -> bool:
        """Put ``sid`` in ``room``; True if its user just came online there (anywhere)."""
        if not self.rooms.join(sid, chat_room(room)):
            return False
        return self.counts.add(room, username, 1) == 1

    def leave(self, sid: str, username: str, room: str) -> bool:
        """Take ``sid`` out of ``room``; True if its user just went offline there."""
        if not self.rooms.leave(sid, chat_room(room)):
            return False
        return self.counts.add(room, username, -1) == 0

    def drop(self, sid: str, username: str) -> list[str]:
        """Forget a disconnected socket; return the rooms its user went offline in."""
        rooms = [r.removeprefix(ROOM_PREFIX) for r in self.rooms.drop(sid)
                 if r.startswith(ROOM_PREFIX)]
        return [room for room in rooms if self.counts.add(room, username, -1) == 0]

    def has_joined(self, sid: str, room: str) -> bool:
        """Whether socket ``sid`` is in ``room``."""
        return self.rooms.has(sid, chat_room(room))

    def rooms_of(self, sid: str) -> int:
        """How many chat rooms socket ``sid`` has joined."""
        return len(self.rooms.of(sid, ROOM_PREFIX))

    def members(self, room: str) -> list[str]:
        """The usernames online in ``room`` on any worker, sorted."""
        return sorted(self.counts.fields(room))

    def online_counts(self, rooms: list[str]) -> dict[str, int]:
        """How many users are online in each of ``rooms``, cluster-wide."""
        return self.counts.sizes(rooms)
