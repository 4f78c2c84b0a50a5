"""Rooms: the one place a feature puts this worker's sockets in and out of rooms.

Every feature joins and leaves Socket.IO rooms through a :class:`Rooms` of its
namespace instead of Flask-SocketIO's request-bound ``join_room``, the server's
``enter_room`` or a lambda handed down from a handler. It calls
python-socketio's own registry (``enter_room`` / ``leave_room``, which route an
emit) and remembers which rooms each local socket joined through it, so a
service can ask "has this socket joined?" in O(1) and learn, when a socket
goes away, which rooms it was in. Cluster-wide facts (who is online in a chat
room, how many subscribe to a stream) are counts in :mod:`pulseboard.cluster`,
keyed by the same rooms.
"""

import threading


class Rooms:
    """Room membership of this worker's sockets on one namespace.

    :param socketio: the ``flask_socketio.SocketIO`` whose server routes emits.
    :param namespace: e.g. ``/chat``.
    """

    def __init__(self, socketio, namespace: str):
        self.socketio = socketio
        self.namespace = namespace
        self._joined: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def join(self, sid: str, room: str) -> bool:
        """Put ``sid`` in ``room``; False if it was there already."""
        with self._lock:
            rooms = self._joined.setdefault(sid, set())
            if room in rooms:
                return False
            rooms.add(room)
        self.socketio.server.enter_room(sid, room, namespace=self.namespace)
        return True

    def leave(self, sid: str, room: str) -> bool:
        """Take ``sid`` out of ``room``; False if it was not in it."""
        with self._lock:
            rooms = self._joined.get(sid)
            if not rooms or room not in rooms:
                return False
            rooms.discard(room)
            if not rooms:
                del self._joined[sid]
        self.socketio.server.leave_room(sid, room, namespace=self.namespace)
        return True

    def has(self, sid: str, room: str) -> bool:
        """Whether ``sid`` joined ``room`` through this registry."""
        with self._lock:
            return room in self._joined.get(sid, ())

    def of(self, sid: str, prefix: str = "") -> list[str]:
        """The rooms ``sid`` joined whose names start with ``prefix``, sorted."""
        with self._lock:
            return sorted(r for r in self._joined.get(sid, ()) if r.startswith(prefix))

    def drop(self, sid: str) -> list[str]:
        """Forget a disconnected socket; return the rooms it was in.

        python-socketio removes a disconnected socket from its rooms itself.
        """
        with self._lock:
            return sorted(self._joined.pop(sid, ()))
