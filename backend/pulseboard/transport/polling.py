"""Long-polling requests that are always answered, and answered right.

python-engineio 4.15 covers less than a hostile client tries:

* a POST to a session that has just been closed raises
  ``KeyError('Session is disconnected')`` out of ``handle_request`` (500);
* a POST over ``max_http_buffer_size`` closes the session and answers 400
  without reading the body, so the server then drains it (its keep-alive
  rule) or the client is still sending when the answer comes;
* it reads the body with no deadline and decodes it trusting every packet
  (see :func:`~pulseboard.transport.packets.check_engineio_packet`).

:class:`PollingGuard` answers those itself, before python-engineio: 400 for
an unknown or closed session or a malformed payload, 413 (and the
connection closed, the body unread) past the limit, 400 when the body does
not arrive within the ping timeout; and 400 when the packet guard closed the
session for a protocol error found while handling the POST.
"""

import io
from urllib.parse import parse_qs

from .guard import warnings
from .packets import ProtocolError, decode_polling_payload


def _answer(start_response, status: str, message: str, close: bool = False, environ=None):
    body = ('"' + message.replace('"', "'") + '"').encode()  # engine.io's JSON string body
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    if close:
        headers.append(("Connection", "close"))
        connection = environ.get("pulseboard.connection") if environ else None
        if connection is not None:
            connection.close_connection = 1  # eventlet: do not drain the unread body
    start_response(status, headers)
    return [body]


def read_body(environ, length: int, timeout: float, async_mode: str) -> bytes | None:
    """``length`` bytes of the request body, or None if they do not come in ``timeout`` s."""
    stream = environ["wsgi.input"]
    if async_mode == "eventlet":
        import eventlet

        with eventlet.Timeout(timeout, False):
            return stream.read(length)
        return None
    if async_mode == "gevent":
        import gevent

        with gevent.Timeout(timeout, False):
            return stream.read(length)
        return None
    return stream.read(length)  # threading: the development server


class PollingGuard:
    """WSGI middleware in front of python-socketio for Engine.IO POSTs."""

    def __init__(self, wsgi_app, sio_server, path: str = "/socket.io"):
        self.wsgi_app = wsgi_app
        self.eio = sio_server.eio
        self.path = path.rstrip("/") + "/"

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or \
                not environ.get("PATH_INFO", "").startswith(self.path):
            return self.wsgi_app(environ, start_response)
        sid = parse_qs(environ.get("QUERY_STRING", "")).get("sid", [None])[0]
        socket = self.eio.sockets.get(sid) if sid else None
        if socket is None or socket.closed or socket.closing:
            return _answer(start_response, "400 BAD REQUEST", "Invalid session")
        limit = int(self.eio.max_http_buffer_size)
        try:
            length = int(environ.get("CONTENT_LENGTH") or "-1")
        except ValueError:
            length = -1
        if length < 0:
            return _answer(start_response, "411 LENGTH REQUIRED", "Content-Length required",
                           close=True, environ=environ)
        if length > limit:
            socket.close(wait=False, abort=True, reason=self.eio.reason.TRANSPORT_ERROR)
            return _answer(start_response, "413 PAYLOAD TOO LARGE",
                           f"payload over {limit} bytes", close=True, environ=environ)
        body = read_body(environ, length, self.eio.ping_timeout, self.eio.async_mode)
        if body is None or len(body) < length:
            socket.close(wait=False, abort=True, reason=self.eio.reason.TRANSPORT_ERROR)
            return _answer(start_response, "400 BAD REQUEST", "payload incomplete",
                           close=True, environ=environ)
        try:
            decode_polling_payload(body)
        except ProtocolError as exc:
            warnings.warning("protocol", "closing Engine.IO session %s: %s", sid, exc)
            socket.close(wait=False, abort=True, reason=self.eio.reason.TRANSPORT_ERROR)
            return _answer(start_response, "400 BAD REQUEST", str(exc))
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        deferred = _Deferred(start_response)
        result = self.wsgi_app(environ, deferred)
        refusal = getattr(socket, "pulseboard_close", None)
        if refusal is not None:
            return _answer(start_response, "400 BAD REQUEST", refusal[1])
        deferred.flush()
        return result


class _Deferred:
    """A ``start_response`` that holds the status until the guard has looked."""

    def __init__(self, start_response):
        self.start_response = start_response
        self.args = None

    def __call__(self, status, headers, exc_info=None):
        self.args = (status, headers, exc_info)
        return self._write

    def _write(self, data):  # python-engineio never calls write(); kept for WSGI
        self.flush()(data)

    def flush(self):
        """Pass the held status on (once); return the server's ``write``."""
        if self.args is not None:
            status, headers, exc_info = self.args
            self.args = None
            self.write = self.start_response(status, headers, exc_info)
        return self.write
