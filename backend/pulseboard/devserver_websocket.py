"""A quiet end for WebSocket sessions under the Werkzeug dev server (``flask run``).

Upstream behaviour covered (python-engineio 4.15, simple-websocket 1.1,
Werkzeug 3.1): in threading mode engineio's ``SimpleWebSocketWSGI`` takes the
raw socket from ``environ["werkzeug.socket"]``, runs the whole session on it
without calling ``start_response``, and when the session ends raises
``ConnectionError`` so that Werkzeug stops writing a response. Werkzeug's
request loop does treat ``ConnectionError`` as a dropped connection, but:

- under ``flask run --debug`` the ``DebuggedApplication`` around the app
  catches it first and answers ``500`` with a traceback (printed to the
  terminal and written as HTML into the socket the WebSocket just used);
- without ``--debug`` the connection is kept alive, and Werkzeug reads the
  client's remaining WebSocket frames as a new HTTP request ("Bad request
  syntax ... 400").

:class:`QuietWebSocketClose` sits outside Socket.IO's middleware and turns
the end of a session into an ordinary, empty response on a socket that is
already shut down: Werkzeug's first write then fails with ``BrokenPipeError``,
which it handles silently as a dropped connection, and its next read sees
end-of-file, which ends the connection. Pinned by
``tests/dev/test_devserver_websocket.py``.
"""

import contextlib
import socket


def _is_websocket(environ: dict) -> bool:
    return environ.get("HTTP_UPGRADE", "").lower() == "websocket"


class QuietWebSocketClose:
    """WSGI middleware: end a finished WebSocket session without a 500 or a traceback.

    Only requests that Werkzeug's dev server handles (they carry
    ``werkzeug.socket``) and that ask for a WebSocket upgrade are touched;
    eventlet, gevent and every plain HTTP request pass straight through.

    :param app: the WSGI app to wrap (Flask's ``wsgi_app`` after
        Flask-SocketIO's middleware was installed).
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        raw = environ.get("werkzeug.socket")
        if raw is None or not _is_websocket(environ):
            return self.app(environ, start_response)
        try:
            return self.app(environ, start_response)
        except ConnectionError:
            # The session is over: nothing more may be read from or written to
            # this socket, so shut it down before Werkzeug tries either.
            with contextlib.suppress(OSError):  # already closed by the peer or simple-websocket
                raw.shutdown(socket.SHUT_RDWR)
            start_response("101 Switching Protocols", [])
            return []


def install(app) -> None:
    """Wrap ``app.wsgi_app`` once; call it after ``socketio.init_app``."""
    if not isinstance(app.wsgi_app, QuietWebSocketClose):
        app.wsgi_app = QuietWebSocketClose(app.wsgi_app)
