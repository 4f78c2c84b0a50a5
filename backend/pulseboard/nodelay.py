"""Send small writes at once: ``TCP_NODELAY`` on every accepted connection.

Neither eventlet's nor gevent's WSGI server turns Nagle's algorithm off. A
Socket.IO server writes small frames back to back on one connection (a chat
``message``, then the sender's ack), and Nagle holds the second frame until
the client acknowledges the first, which the client's delayed ACK puts off
by up to 40 ms: chat acks at 200 users had p50 5 ms but p90 47 ms
(docs/benchmarks.md). Browsers and Node set ``TCP_NODELAY`` on their side,
as nginx does on its connections; this does the same for the workers.
"""

import contextlib
import socket


def set_nodelay(sock) -> None:
    """Disable Nagle's algorithm on ``sock``; a no-op on a socket that is not TCP."""
    with contextlib.suppress(OSError):  # e.g. a Unix socket behind a proxy
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def eventlet_protocol():
    """eventlet's ``HttpProtocol`` with ``TCP_NODELAY`` (``eventlet.wsgi.server(protocol=…)``)."""
    from eventlet import wsgi

    class NoDelayHttpProtocol(wsgi.HttpProtocol):
        def setup(self):
            set_nodelay(self.request)
            super().setup()

    return NoDelayHttpProtocol


def gevent_handler():
    """gevent's ``WSGIHandler`` with ``TCP_NODELAY`` (``WSGIServer(handler_class=…)``)."""
    from gevent import pywsgi

    class NoDelayWSGIHandler(pywsgi.WSGIHandler):
        def handle(self):
            set_nodelay(self.socket)
            super().handle()

    return NoDelayWSGIHandler
