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

Measurements: docs/benchmarks.md.
"""

import contextlib
import socket

BUFFER_SIZE = 1024


def set_nodelay(sock) -> None:
    """Disable Nagle's algorithm on ``sock``; a no-op on a socket that is not TCP."""
    with contextlib.suppress(OSError):  # e.g. a Unix socket behind a proxy
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def eventlet_protocol():
    """eventlet's ``HttpProtocol`` with both settings (``eventlet.wsgi.server(protocol=…)``)."""
    from eventlet import wsgi

    class PulseboardHttpProtocol(wsgi.HttpProtocol):
        rbufsize = BUFFER_SIZE
        wbufsize = BUFFER_SIZE

        def setup(self):
            set_nodelay(self.request)
            super().setup()

    return PulseboardHttpProtocol


def gevent_handler():
    """gevent's ``WSGIHandler`` with ``TCP_NODELAY`` (``WSGIServer(handler_class=…)``)."""
    from gevent import pywsgi

    class PulseboardWSGIHandler(pywsgi.WSGIHandler):
        def handle(self):
            set_nodelay(self.socket)
            super().handle()

    return PulseboardWSGIHandler
