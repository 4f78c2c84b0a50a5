"""What Flask does for every Socket.IO event, made cheap.

Flask-SocketIO runs each event handler in a Flask request context built
from the connection's handshake environ: Flask opens the session and matches
the URL per event, as for a request. Both are made cheap here; together they
were the cyclic garbage behind 20-100 ms collector pauses in the chat
benchmark (docs/benchmarks.md).
"""

from flask import Flask
from flask.sessions import SessionInterface


class NoCookieSession(SessionInterface):
    """Pulseboard authenticates with tokens; it keeps no cookie session.

    Flask's default builds a signing serializer and reads the cookie on every
    request, which Flask-SocketIO makes every event (~1 % of the chat
    benchmark's CPU). ``flask.session`` is Flask's read-only null session.
    """

    def open_session(self, app, request):
        return None

    def save_session(self, app, session, response):
        return None


def route_socketio_path(app: Flask, path: str) -> None:
    """Give Socket.IO's path a WebSocket route, so that event contexts match it.

    Flask-SocketIO runs every event handler in a request context built from
    the connection's handshake, and Flask matches its URL each time. With no
    WebSocket rule for ``/socket.io/`` werkzeug raised ``WebsocketMismatch``
    per event: an exception and a traceback holding the frames, dozens of
    objects of cyclic garbage per event, and gen-0 collections of 20-100 ms
    (docs/benchmarks.md). No request reaches this view: Socket.IO's
    middleware answers the path.

    :param path: the ``path`` option given to ``socketio.init_app``
        (``socket.io``); Engine.IO serves ``/<path>/``.
    """
    app.add_url_rule(f"/{path.strip('/')}/", "socketio", lambda: ("", 404), websocket=True)
