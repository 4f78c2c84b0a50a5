"""The chat's limits, and its per-user rate limiter (see :mod:`pulseboard.ratelimit`)."""

import re

from ..cluster import cluster_of
from ..ratelimit import RateLimiter
from ..wire import ApiError

ROOM_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
DEFAULT_ROOM = "general"
MAX_TEXT = 2000
PREVIEW_CHARS = 100
JOIN_MESSAGES = 50
DEFAULT_PAGE = 50
MAX_PAGE = 200
#: Rooms are created by joining them; these caps keep that from growing unbounded.
MAX_ROOMS = 1000
MAX_ROOMS_PER_SOCKET = 100
RATE_MESSAGES = 10
RATE_WINDOW = 10


def check_room_name(name: str) -> str:
    """Return ``name`` if it is a valid room name, else raise ``bad_request``."""
    if not ROOM_NAME.match(name):
        raise ApiError("bad_request", "room names are 1-32 of a-z, 0-9, '_' and '-', "
                                      "starting with a letter or digit")
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
