"""Which browser origins may open a Socket.IO connection.

python-engineio, given a list, no longer admits the page's own origin, yet
``make run`` serves the SPA from the backend and nginx serves it from the
public host: both are same-origin and must pass. So the check admits the
listed ``CORS_ORIGINS`` plus the origin the request itself was made to, the
same rule engine.io applies when no list is given. It is this check, not
flask-cors, that stops cross-site WebSocket hijacking.
"""


def request_origins(environ: dict) -> set[str]:
    """The origins a same-origin page would send for this request."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST")
    origins = {f"{scheme}://{host}"} if host else set()
    forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", host or "").split(",")[0].strip()
    forwarded_proto = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
    if forwarded_host:
        origins.add(f"{forwarded_proto}://{forwarded_host}")
    return origins


def origin_checker(allowed: list[str]):
    """Build the ``cors_allowed_origins`` callable for python-socketio."""
    listed = frozenset(allowed)
    allow_all = "*" in listed

    def is_allowed(origin: str | None, environ: dict) -> bool:
        if origin is None:  # not a browser: nothing to hijack
            return True
        return allow_all or origin in listed or origin in request_origins(environ)

    return is_allowed
