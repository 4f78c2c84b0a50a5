"""One timer for every connection's pings instead of a sleeping greenlet each.

python-engineio 4.15 schedules each connection's next ``PING`` by starting a
background task that sleeps ``ping_interval`` (``Socket.schedule_ping`` →
``Socket._send_ping``): one parked greenlet, with its saved stack, per idle
client. :class:`PingTimer` keeps the due connections in one queue instead
and a single task of the server sends their pings. Every ping has the same
interval, so due times arrive in order and a FIFO is enough.

What a client sees is unchanged: a ``PING`` ``ping_interval`` after the
previous ``PONG`` (up to :data:`RESOLUTION` later), none to a closing or
closed socket, and python-engineio's own ping-timeout check. Installed per
server (a server without a timer keeps python-engineio's behaviour); pinned
by tests/backend/test_ping_timer.py. Upstream could take the same change in
``Socket.schedule_ping``.
"""

import collections
import threading
import time

from engineio import packet
from engineio import socket as engineio_socket

#: How late a ping may go out at most, in seconds (the timer's sleep when idle).
RESOLUTION = 0.5

_upstream_schedule_ping = engineio_socket.Socket.schedule_ping


class PingTimer:
    """The due pings of one python-engineio ``Server``, sent by one background task."""

    def __init__(self, eio_server):
        self.server = eio_server
        self._due = collections.deque()  # (monotonic due time, socket), in due order
        self._started = False
        self._start_lock = threading.Lock()

    def schedule(self, eio_socket) -> None:
        """Ping ``eio_socket`` one ``ping_interval`` from now (python-engineio's rule)."""
        if not eio_socket.last_ping:
            return  # the previous ping's wait cycle has not completed
        eio_socket.last_ping = None
        self._due.append((time.monotonic() + self.server.ping_interval, eio_socket))
        with self._start_lock:  # threading mode: exactly one runner
            if self._started:
                return
            self._started = True
        self.server.start_background_task(self._run)

    def _run(self) -> None:
        while True:  # one task for the server's lifetime; it wakes every RESOLUTION
            try:
                wait = self._ping_due()
            except Exception:  # never let one bad socket stop every ping of the server
                self.server.logger.exception("ping timer")
                wait = RESOLUTION
            self.server.sleep(min(max(wait, 0.0), RESOLUTION))

    def _ping_due(self) -> float:
        """Ping every socket that is due; return the seconds until the next one is."""
        now = time.monotonic()
        while self._due and self._due[0][0] <= now:
            self._ping(self._due.popleft()[1])
        return self._due[0][0] - now if self._due else RESOLUTION

    def _ping(self, eio_socket) -> None:
        if eio_socket.closing or eio_socket.closed:
            return
        eio_socket.last_ping = time.time()
        try:
            eio_socket.send(packet.Packet(packet.PING))
        except Exception:  # closed meanwhile: python-engineio drops such sockets itself
            self.server.logger.debug("no ping for %s", eio_socket.sid, exc_info=True)


def _schedule_ping(eio_socket) -> None:
    timer = getattr(eio_socket.server, "pulseboard_ping_timer", None)
    if timer is None:
        _upstream_schedule_ping(eio_socket)
    else:
        timer.schedule(eio_socket)


def install(eio_server) -> PingTimer:
    """Send ``eio_server``'s pings from one :class:`PingTimer`; return it."""
    engineio_socket.Socket.schedule_ping = _schedule_ping  # defers to upstream without a timer
    eio_server.pulseboard_ping_timer = PingTimer(eio_server)
    return eio_server.pulseboard_ping_timer
