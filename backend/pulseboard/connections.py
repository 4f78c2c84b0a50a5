"""How the production server treats each accepted connection.

* ``TCP_NODELAY``: neither eventlet's nor gevent's WSGI server turns Nagle's
  algorithm off. A Socket.IO server writes small frames back to back on one
  connection (a chat ``message``, then the sender's ack), and Nagle held the
  second until the client acknowledged the first, which the client's
  delayed ACK puts off by up to 40 ms: chat acks at 200 users had p50 5 ms
  but p90 47 ms. Browsers, Node and nginx set ``TCP_NODELAY`` on their side;
  this does it for the workers.
* Small buffers (eventlet): eventlet gives every connection a 16 KB write
  buffer and an 8 KB read buffer, held for as long as a WebSocket stays
  open although its frames bypass both. 1 KB each saved ~8 KB of RSS per
  idle client. A request line and its headers still read in one or a few
  ``recv`` calls, and larger bodies bypass the buffer either way.
* No parsed headers kept (eventlet): eventlet keeps the request's headers,
  parsed into an ``email.message``, on the connection, and a WebSocket stays
  inside its handshake request. Once the environ holds them, eventlet reads
  only ``Connection`` and ``X-Forwarded-For`` from them again, so
  :class:`EnvironHeaders` answers those from the environ; and the environ's
  ``headers_raw`` (eventlet's own key: every header again as a tuple, read by
  nothing in Flask, python-socketio or python-engineio) is dropped. Together
  ~1.8 KB less per idle client.
* A budget (eventlet): eventlet serves at most ``max_size`` connections and
  stops accepting when they are taken, idle keep-alive ones included, so
  twelve clients without a token stopped a server capped at twelve from
  answering anyone, ``/api/health`` included. :class:`ConnectionBudget`
  tells *guests* (connections that have not shown a valid token) from
  *members*: guests are at most ``max_guests`` (a newcomer closes the
  oldest guest, unless every guest is younger than ``guest_grace``: then
  the newcomer is answered 503, so that a flood of new guests cannot cut a
  user's handshake before its CONNECT shows the token) and live at most
  ``guest_timeout`` seconds; past
  ``max_connections`` a new connection closes the oldest guest, or is
  answered 503 unless it asks for ``/api/health``, for which
  ``health_reserve`` connections are kept beyond the cap.

* A lingering close (gevent): a WebSocket that simple-websocket refused
  (a message past the size limit) is closed with unread bytes of the
  client's still in the socket, and closing a TCP socket with unread data
  resets the connection: the client drops what it had not read yet, the
  close frame with its status code among them. :func:`linger` half-closes
  the socket and reads the rest first (eventlet's reader does the same
  through ``transport.lean_websocket.close_lingering``).

Measurements: docs/benchmarks.md.
"""

import contextlib
import logging
import socket
import time

log = logging.getLogger(__name__)

BUFFER_SIZE = 1024
HEALTH_PATH = "/api/health"
SERVER_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
               b"Connection: close\r\nRetry-After: 1\r\nContent-Length: %d\r\n\r\n%s")
BUSY_BODY = (b'{"ok": false, "error": {"code": "rate_limited", '
             b'"message": "the server is at capacity; retry shortly"}}')


#: The environ key of gevent's connection handler (:func:`gevent_handler`), by
#: which transport.websocket tells it that it served a WebSocket.
GEVENT_HANDLER = "pulseboard.gevent_handler"
LINGER_SECONDS = 2.0
LINGER_BYTES = 4 * 1024 * 1024


def linger(sock, seconds: float = LINGER_SECONDS, limit: int = LINGER_BYTES) -> None:
    """Half-close ``sock`` and read what the peer still sends (bounded), so that closing it
    sends a FIN after what was written, not a reset that makes the peer drop it."""
    deadline = time.monotonic() + seconds
    read = 0
    # Best effort: whatever goes wrong here, the socket is closed next anyway.
    with contextlib.suppress(Exception):
        sock.shutdown(socket.SHUT_WR)
        while read < limit and (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            chunk = sock.recv(65536)
            if not chunk:
                break  # the peer closed too
            read += len(chunk)


def set_nodelay(sock) -> None:
    """Disable Nagle's algorithm on ``sock``; a no-op on a socket that is not TCP."""
    with contextlib.suppress(OSError):  # e.g. a Unix socket behind a proxy
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class EnvironHeaders:
    """A request's headers as ``headers.get`` reads them, looked up in its WSGI environ."""

    __slots__ = ("environ",)

    def __init__(self, environ: dict):
        self.environ = environ

    def get(self, name: str, default=None):
        """The header ``name`` (any case) as the environ has it, else ``default``."""
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        return self.environ.get(key, default)


class ConnectionBudget:
    """Which accepted connections may stay: guests are bounded, members are not.

    :param max_connections: connections served at once (eventlet's pool is
        this plus ``health_reserve``).
    :param max_guests: connections without a valid token at once.
    :param guest_timeout: seconds a connection may stay a guest.
    :param guest_grace: seconds a new guest cannot be closed by a newcomer:
        the time a client has to send its token after connecting.
    """

    def __init__(self, max_connections: int, max_guests: int | None = None,
                 guest_timeout: float = 20.0, health_reserve: int = 16,
                 guest_grace: float = 2.0):
        self.max_connections = max(1, int(max_connections))
        self.max_guests = max(1, int(max_guests or max(2, self.max_connections // 4)))
        self.guest_timeout = float(guest_timeout)
        self.guest_grace = float(guest_grace)
        self.health_reserve = int(health_reserve)
        self.guests: dict = {}  # connection -> accepted at (monotonic); oldest first
        self.members: set = set()
        self.evicted = 0

    @property
    def pool_size(self) -> int:
        """The eventlet pool size: the cap plus the health reserve."""
        return self.max_connections + self.health_reserve

    def accept(self, connection) -> None:
        """A connection was accepted: it is a guest until :meth:`promote`."""
        connection.limited = False
        connection.member = False
        now = time.monotonic()
        if len(self.guests) >= self.max_guests:
            oldest, since = next(iter(self.guests.items()))
            if now - since < self.guest_grace:
                connection.limited = True  # every guest is fresh: refuse the newcomer
                return
            self.evict(oldest)
        self.guests[connection] = now
        if len(self.guests) + len(self.members) > self.max_connections:
            oldest = next(iter(self.guests))
            if oldest is not connection:
                self.evict(oldest)
            else:
                connection.limited = True  # only /api/health is answered

    def promote(self, connection) -> None:
        """``connection`` showed a valid token: it is a member from now on."""
        if self.guests.pop(connection, None) is not None:
            self.members.add(connection)
            connection.member = True
            connection.limited = False

    def release(self, connection) -> None:
        """``connection`` closed."""
        self.guests.pop(connection, None)
        self.members.discard(connection)

    def evict(self, connection) -> None:
        """Close a guest connection, whatever it is doing."""
        self.guests.pop(connection, None)
        self.evicted += 1
        connection.close_connection = 1
        with contextlib.suppress(OSError):
            connection.request.shutdown(socket.SHUT_RDWR)

    def sweep(self, now: float | None = None) -> int:
        """Evict every guest older than ``guest_timeout``; return how many."""
        now = time.monotonic() if now is None else now
        expired = [c for c, since in self.guests.items() if now - since > self.guest_timeout]
        for connection in expired:
            self.evict(connection)
        return len(expired)

    def run_sweeper(self, sleep) -> None:
        """Sweep once a second forever (a background greenlet)."""
        while True:
            sleep(1.0)
            try:
                self.sweep()
            except Exception:  # never let the sweeper die
                log.exception("connection sweep failed")


def eventlet_protocol(budget: ConnectionBudget | None = None):
    """eventlet's ``HttpProtocol`` with these settings (``eventlet.wsgi.server(protocol=…)``)."""
    from eventlet import wsgi

    class PulseboardHttpProtocol(wsgi.HttpProtocol):
        rbufsize = BUFFER_SIZE
        wbufsize = BUFFER_SIZE

        def setup(self):
            set_nodelay(self.request)
            if budget is not None:
                budget.accept(self)
            super().setup()

        def finish(self):
            if budget is not None:
                budget.release(self)
            super().finish()

        def get_environ(self):
            environ = super().get_environ()
            environ["pulseboard.connection"] = self
            self.headers = EnvironHeaders(environ)  # the parsed message is not needed any more
            environ.pop("headers_raw", None)  # eventlet's copy of them, read by nobody here
            return environ

        def promote(self):
            """Called by the app once this connection has shown a valid token."""
            if budget is not None:
                budget.promote(self)

        def handle_one_response(self):
            if getattr(self, "limited", False) and self.environ.get("PATH_INFO") != HEALTH_PATH:
                self.wfile.write(SERVER_BUSY % (len(BUSY_BODY), BUSY_BODY))
                self.wfile.flush()
                self.close_connection = 1
                return None
            return super().handle_one_response()

    return PulseboardHttpProtocol


def gevent_handler():
    """gevent's ``WSGIHandler`` with ``TCP_NODELAY`` and a lingering WebSocket close."""
    from gevent import pywsgi

    class PulseboardWSGIHandler(pywsgi.WSGIHandler):
        def handle(self):
            set_nodelay(self.socket)
            super().handle()

        websocket_served = False  # set by transport.websocket once it serves a WebSocket

        def get_environ(self):
            environ = super().get_environ()
            environ[GEVENT_HANDLER] = self
            return environ

        def handle_one_response(self):
            try:
                super().handle_one_response()
            finally:
                if self.socket is not None and self.websocket_served:
                    linger(self.socket)  # the WebSocket is over: its close frame arrives whole
                    self.close_connection = True

    return PulseboardWSGIHandler
