"""REST endpoints for registration and login (the shared helpers: :mod:`pulseboard.http`)."""

from flask import Blueprint, g

from ..contract.auth import Credentials
from ..http import json_body, require_token
from ..ratelimit import limit_auth
from ..wire import ApiError, parse
from . import service
from .tokens import issue_token

__all__ = ["bp"]

bp = Blueprint("auth", __name__, url_prefix="/api/auth")


def _session(identity) -> dict:
    return {"token": issue_token(identity), "user": identity.as_dict()}


@bp.post("/register")
def register():
    """Create an account and return a token for it (201)."""
    creds = parse(Credentials, json_body())
    # service.USERNAME ends in `$`, which also matches before a final newline.
    if not service.USERNAME.fullmatch(creds.username):
        raise ApiError("bad_request", "username must be 3-32 letters, digits, '_' or '-'")
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
