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
