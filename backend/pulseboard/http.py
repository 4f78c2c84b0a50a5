"""The helpers every REST endpoint shares: a strict JSON body, the Bearer guard, route ids.

Beside :mod:`pulseboard.wire` (the acks and errors they raise); every feature's
blueprint imports them from here.
"""

from functools import wraps

from flask import Blueprint, g, request
from werkzeug.routing import IntegerConverter

from .auth.tokens import verify_token
from .transport import strict_json
from .wire import MAX_ID, ApiError


def json_body() -> object:
    """The request's JSON body, or ``bad_request`` if it is not (strict) JSON.

    A body with a Content-Length over ``MAX_CONTENT_LENGTH`` is refused by
    Werkzeug (413). A chunked one is read only up to the limit: reaching it
    means the body was cut, and that is ``too_large`` too, not malformed JSON.
    The body is decoded by :func:`pulseboard.transport.strict_json.loads`:
    NaN, Infinity, lone surrogates, numbers past a double's range and nesting
    deeper than 32 levels are ``bad_request``, never stored and re-sent.
    """
    limit = request.max_content_length
    data = request.get_data(cache=True)
    if limit is not None and len(data) >= limit:
        raise ApiError("too_large", f"request body over {limit} bytes")
    if not request.is_json:
        raise ApiError("bad_request", "expected a JSON body (Content-Type: application/json)")
    try:
        return strict_json.loads(data)
    except strict_json.JSONRefused as exc:
        raise ApiError("bad_request", f"body: {exc}") from None


def require_token(view):
    """Guard a view: it needs ``Authorization: Bearer <token>`` (reads and writes alike).

    The verified identity is available to the view as ``g.user``.
    """

    @wraps(view)
    def guarded(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        identity = verify_token(token) if scheme.lower() == "bearer" else None
        if identity is None:
            raise ApiError("unauthorized", "a valid Bearer token is required")
        g.user = identity
        return view(*args, **kwargs)

    return guarded


class IdConverter(IntegerConverter):
    """A route id of 1..``MAX_ID``, digits only: a larger one is a plain 404, never a 500.

    (A 20-digit id once overflowed SQLite's INTEGER and answered 500.)
    """

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def register_id_converter(bp: Blueprint, name: str) -> None:
    """Make ``<name:...>`` an :class:`IdConverter` in the routes of ``bp``'s app."""

    @bp.record_once
    def register(state) -> None:
        state.app.url_map.converters[name] = IdConverter
