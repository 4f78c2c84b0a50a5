"""Signed, expiring bearer tokens (itsdangerous, as Flask itself uses).

A token carries the user's id and name, so checking one needs no database
round trip: connects stay cheap when thousands of clients reconnect at once.
"""

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "pulseboard.auth"


@dataclass(frozen=True)
class Identity:
    """Who a verified token belongs to."""

    id: int
    username: str

    def as_dict(self) -> dict:
        """The ``user`` object of the contract."""
        return {"id": self.id, "username": self.username}


def _serializer(config=None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer((config or current_app.config)["SECRET_KEY"], salt=SALT)


def issue_token(identity: Identity) -> str:
    """Sign a token for ``identity``; it expires after ``TOKEN_MAX_AGE`` seconds."""
    return _serializer().dumps({"uid": identity.id, "name": identity.username})


def verify_token(token: object, config=None) -> Identity | None:
    """Return the identity a token was issued to, or None if it is not valid.

    :param config: the app's config; the current app's when omitted (a WSGI
        middleware outside any app context passes it).
    """
    # A token is URL-safe ASCII: anything else (a lone surrogate included,
    # which made itsdangerous raise UnicodeEncodeError) is not one.
    if not isinstance(token, str) or not token or len(token) > 1024 or not token.isascii():
        return None
    config = config or current_app.config
    try:
        data = _serializer(config).loads(token, max_age=config["TOKEN_MAX_AGE"])
    except BadSignature:  # also covers SignatureExpired
        return None
    try:
        return Identity(id=int(data["uid"]), username=str(data["name"]))
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
