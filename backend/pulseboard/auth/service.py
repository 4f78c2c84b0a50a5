"""Registering users and checking passwords."""

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..contract.auth import PASSWORD_MAX, PASSWORD_MIN, USERNAME_PATTERN
from ..extensions import db
from ..wire import ApiError
from .models import User
from .tokens import Identity

USERNAME = re.compile(USERNAME_PATTERN)
PASSWORD_LENGTH = range(PASSWORD_MIN, PASSWORD_MAX + 1)


def register(username: str, password: str) -> Identity:
    """Create a user, or raise ``bad_request`` for a bad or taken name."""
    if not USERNAME.fullmatch(username):
        raise ApiError(
            "bad_request", "username must be 3-32 letters, digits, '_' or '-'"
        )
    if len(password) not in PASSWORD_LENGTH:
        raise ApiError("bad_request", "password must be 8-128 characters")
    user = User(username=username, password_hash=generate_password_hash(password))
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ApiError("bad_request", f"username {username!r} is taken") from None
    return Identity(user.id, user.username)


def authenticate(username: str, password: str) -> Identity:
    """Return the identity for valid credentials, or raise ``unauthorized``."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not check_password_hash(user.password_hash, password):
        raise ApiError("unauthorized", "wrong username or password")
    return Identity(user.id, user.username)


def find_user(username: str) -> Identity | None:
    """Look a user up by name."""
    user = db.session.scalar(select(User).where(User.username == username))
    return Identity(user.id, user.username) if user else None
