"""Engine.IO sessions that have not authenticated are few and short-lived.

A session is *pending* from its handshake until one of its namespaces
accepts a token (:meth:`SessionLimits.authenticated`). python-engineio
keeps a pending session for as long as its client answers pings, and any
number of them, so clients that never authenticate could hold every
connection the server has. Here at most ``max_pending`` sessions are pending
at once (a new handshake closes the oldest pending one, so a flood cannot
lock out a newcomer that authenticates promptly) and each is closed
``pending_timeout`` seconds after its handshake unless it authenticated.
"""

import logging
import time

from .guard import warnings

log = logging.getLogger(__name__)

DEFAULT_MAX_PENDING = 256
DEFAULT_PENDING_TIMEOUT = 10.0
SWEEP_INTERVAL = 1.0


class SessionLimits:
    """Counts and times out the pending sessions of one python-socketio server."""

    def __init__(self, sio_server, max_pending: int = DEFAULT_MAX_PENDING,
                 pending_timeout: float = DEFAULT_PENDING_TIMEOUT):
        self.server = sio_server
        self.eio = sio_server.eio
        self.max_pending = max(1, int(max_pending))
        self.pending_timeout = float(pending_timeout)
        self.pending: dict[str, float] = {}  # eio sid -> handshake time; oldest first
        self.members: set[str] = set()  # eio sids that authenticated
        self._upstream_connect = sio_server._handle_eio_connect
        self._upstream_disconnect = sio_server._handle_eio_disconnect
        self._sweeping = False
        self.eio.on("connect", self.on_connect)
        self.eio.on("disconnect", self.on_disconnect)

    def on_connect(self, eio_sid, environ):
        """The Engine.IO ``connect`` handler: count the new session as pending."""
        result = self._upstream_connect(eio_sid, environ)
        self.pending[eio_sid] = time.monotonic()
        while len(self.pending) > self.max_pending:
            oldest = next(iter(self.pending))
            warnings.warning("pending-evicted", "closing unauthenticated session %s: more "
                             "than %d pending", oldest, self.max_pending)
            self._close(oldest)
        if not self._sweeping:
            self._sweeping = True
            self.server.start_background_task(self._sweep)
        return result

    def on_disconnect(self, eio_sid, reason=None):
        """The Engine.IO ``disconnect`` handler: forget the session."""
        self.pending.pop(eio_sid, None)
        self.members.discard(eio_sid)
        return self._upstream_disconnect(eio_sid, reason)

    def authenticated(self, eio_sid) -> None:
        """A namespace of ``eio_sid`` accepted its token: it is no longer pending."""
        if self.pending.pop(eio_sid, None) is not None or eio_sid in self.eio.sockets:
            self.members.add(eio_sid)

    def is_member(self, eio_sid) -> bool:
        """Whether session ``eio_sid`` has authenticated."""
        return eio_sid in self.members

    def _close(self, eio_sid) -> None:
        self.pending.pop(eio_sid, None)
        socket = self.eio.sockets.get(eio_sid)
        if socket is None:
            return
        try:
            # Not eio.disconnect(): it closes with wait=True, which blocks until
            # the client drains its queue, and a silent polling client never does.
            socket.close(wait=False, reason=self.eio.reason.SERVER_DISCONNECT)
        except Exception:  # already gone; never let the sweeper die
            log.debug("closing session %s failed", eio_sid, exc_info=True)

    def sweep(self, now: float | None = None) -> int:
        """Close every session pending longer than the timeout; return how many."""
        now = time.monotonic() if now is None else now
        expired = [sid for sid, since in self.pending.items()
                   if now - since > self.pending_timeout]
        for sid in expired:
            warnings.warning("pending-expired", "closing session %s: not authenticated "
                             "within %.0f s", sid, self.pending_timeout)
            self._close(sid)
        return len(expired)

    def _sweep(self) -> None:
        while True:
            self.server.sleep(SWEEP_INTERVAL)
            self.sweep()
