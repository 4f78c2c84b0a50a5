"""Auth over REST: the bodies of ``POST /api/auth/register`` and ``/login``, and the session."""

from typing import Annotated

from pydantic import Field

from .base import Payload, Reply

#: A username: 3-32 of A-Z a-z 0-9 _ - (checked at registration).
USERNAME_PATTERN = r"^[A-Za-z0-9_-]{3,32}$"
USERNAME_RULE = "3-32 letters, digits, '_' or '-'"
PASSWORD_MIN, PASSWORD_MAX = 8, 128
#: What a login accepts at all (longer is bad_request before any lookup).
MAX_LOGIN_USERNAME, MAX_LOGIN_PASSWORD = 64, 1024


class Credentials(Payload):
    """``{username, password}`` for register and login.

    Registration then applies the username and password rules above (in the
    auth service, which answers with the sentences the login page shows).
    """

    username: Annotated[str, Field(max_length=MAX_LOGIN_USERNAME)]
    password: Annotated[str, Field(max_length=MAX_LOGIN_PASSWORD)]


class User(Reply):
    """Who a token belongs to."""

    id: int
    username: str


class Session(Reply):
    """The answer to register (201) and login (200)."""

    token: str
    user: User


class Me(Reply):
    """``GET /api/auth/me``."""

    user: User
