"""The chat's rules: what a room name and a message text must be, previews, the rate limit.

The contract's limits themselves (room names, text length, pages) live in
:mod:`pulseboard.contract.chat`, with the payload models that apply them to
every event; this module checks what a service call receives and builds the
per-user rate limiter (see :mod:`pulseboard.ratelimit`).
"""

import re

from ..cluster import cluster_of
from ..contract.chat import (
    DEFAULT_PAGE,
    DEFAULT_ROOM,
    JOIN_MESSAGES,
    MAX_PAGE,
    MAX_TEXT,
    PREVIEW_CHARS,
    ROOM_NAME_PATTERN,
    ROOM_NAME_RULE,
)
from ..ratelimit import RateLimiter
from ..wire import ApiError

__all__ = ["DEFAULT_PAGE", "DEFAULT_ROOM", "JOIN_MESSAGES", "MAX_PAGE", "MAX_ROOMS",
           "MAX_ROOMS_PER_SOCKET", "MAX_TEXT", "RATE_MESSAGES", "RATE_WINDOW", "ROOM_NAME",
           "chat_limiter", "check_room_name", "clean_text", "preview"]

ROOM_NAME = re.compile(ROOM_NAME_PATTERN)
#: Rooms are created by joining them; these caps keep that from growing unbounded.
MAX_ROOMS = 1000
MAX_ROOMS_PER_SOCKET = 100
RATE_MESSAGES = 10
RATE_WINDOW = 10


def check_room_name(name: str) -> str:
    """Return ``name`` if it is a valid room name, else raise ``bad_request``."""
    # fullmatch: ROOM_NAME's `$` alone would also match before a final newline.
    if not ROOM_NAME.fullmatch(name):
        raise ApiError("bad_request", f"room names are {ROOM_NAME_RULE}")
    return name


def clean_text(text: str) -> str:
    """Strip surrounding whitespace; refuse empty (``bad_request``) or long (``too_large``) text."""
    text = text.strip()
    if not text:
        raise ApiError("bad_request", "text must not be empty")
    if len(text) > MAX_TEXT:
        raise ApiError("too_large", f"text is {len(text)} characters; the limit is {MAX_TEXT}")
    return text


def preview(text: str) -> str:
    """The start of a message, as shown in a notification."""
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def chat_limiter(socketio) -> RateLimiter:
    """The chat's per-user limit: :data:`RATE_MESSAGES` per :data:`RATE_WINDOW` seconds.

    Counted in the cluster's Redis when there is one, so a user's sockets on
    every worker share one window.
    """
    cluster = cluster_of(socketio)
    uri = cluster.url if cluster.clustered else "memory://"
    return RateLimiter("chat", f"{RATE_MESSAGES} per {RATE_WINDOW:g} seconds", uri,
                       on_error=getattr(cluster, "mark_down", None))
