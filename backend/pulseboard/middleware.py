"""WSGI middleware wrapped around the whole app in :func:`create_app`."""


class NoWebSocketCompression:
    """Refuse WebSocket extensions, so no permessage-deflate is negotiated.

    eventlet (and simple-websocket) accept permessage-deflate whenever a
    client offers it, and browsers always do. A broadcast is then compressed
    once per client rather than encoded once, and each connection keeps its
    own zlib state (~90 KB). The benchmark measured 39% of a worker's CPU in
    compression at 1,000 clients; Pulseboard's frames are small JSON, so the
    bandwidth saved does not pay for it (docs/benchmarks.md).
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.wsgi_app(environ, start_response)


class TerminatedChunkedInput:
    """Let Werkzeug read chunked request bodies under eventlet.

    Werkzeug reads a body without ``Content-Length`` only when the server sets
    ``wsgi.input_terminated``; gevent and Werkzeug's own server do, eventlet
    (0.41) does not, so every chunked body (Telegraf's ``influxdb_v2`` output
    always streams one) read as empty: a 400 for a valid request. eventlet's
    ``wsgi.input`` decodes the chunks itself and ends at the last one, which is
    what the flag promises; Werkzeug still stops reading at
    ``MAX_CONTENT_LENGTH``.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            environ.setdefault("wsgi.input_terminated", True)
        return self.wsgi_app(environ, start_response)


class ConnectionGate:
    """Tell the connection budget which connections belong to authenticated users.

    A request promotes its connection (see :mod:`pulseboard.connections`)
    when it carries a valid Bearer token or belongs to an Engine.IO session
    that authenticated; a Socket.IO connect promotes the connection of its
    handshake (:class:`~pulseboard.namespace.AuthNamespace`). Without
    ``pulseboard serve``'s eventlet protocol there is no connection to
    promote and this passes every request through.
    """

    def __init__(self, wsgi_app, verify_token, is_member_session, socketio_path="/socket.io/"):
        self.wsgi_app = wsgi_app
        self.verify_token = verify_token
        self.is_member_session = is_member_session
        self.socketio_path = socketio_path

    def __call__(self, environ, start_response):
        connection = environ.get("pulseboard.connection")
        # Only a guest is checked: a member's requests cost nothing here.
        if connection is not None and connection.member is False and \
                self._authenticated(environ):
            connection.promote()
        return self.wsgi_app(environ, start_response)

    def _authenticated(self, environ) -> bool:
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer" and self.verify_token(token) is not None:
            return True
        if environ.get("PATH_INFO", "").startswith(self.socketio_path):
            from urllib.parse import parse_qs

            sid = parse_qs(environ.get("QUERY_STRING", "")).get("sid", [None])[0]
            return sid is not None and self.is_member_session(sid)
        return False
