"""REST endpoints for registration and login, and the Bearer-token guard."""

from functools import wraps

from flask import Blueprint, g, request

from ..ratelimit import limit_auth
from ..wire import ApiError, Payload, parse
from . import service
from .tokens import issue_token, verify_token

bp = Blueprint("auth", __name__, url_prefix="/api/auth")


class Credentials(Payload):
    username: str
    password: str


def json_body() -> object:
    """The request's JSON body, or ``bad_request`` if it is not JSON.

    A body with a Content-Length over ``MAX_CONTENT_LENGTH`` is refused by
    Werkzeug (413). A chunked one is read only up to the limit: reaching it
    means the body was cut, and that is ``too_large`` too, not malformed JSON.
    """
    limit = request.max_content_length
    if limit is not None and len(request.get_data(cache=True)) >= limit:
        raise ApiError("too_large", f"request body over {limit} bytes")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError("bad_request", "expected a JSON body")
    return body


def require_token(view):
    """Guard a view that changes state: it needs ``Authorization: Bearer <token>``.

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


def _session(identity) -> dict:
    return {"token": issue_token(identity), "user": identity.as_dict()}


@bp.post("/register")
def register():
    """Create an account and return a token for it (201)."""
    creds = parse(Credentials, json_body())
    limit_auth("register", creds.username)
    return _session(service.register(creds.username, creds.password)), 201


@bp.post("/login")
def login():
    """Exchange a username and password for a token."""
    creds = parse(Credentials, json_body())
    limit_auth("login", creds.username)
    return _session(service.authenticate(creds.username, creds.password))


@bp.get("/me")
@require_token
def me():
    """Return the identity behind the Bearer token."""
    return {"user": g.user.as_dict()}
