"""The chat's limits and the per-user sliding-window rate limiter."""

import re
import threading
import time
from collections import deque

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
RATE_WINDOW = 10.0


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


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key, over a sliding window.

    The state is in-process: with several workers each enforces its own
    window, which bounds a user at ``limit`` per worker their sockets use.
    """

    def __init__(self, limit: int = RATE_MESSAGES, window: float = RATE_WINDOW,
                 clock=time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[int, deque] = {}
        self._lock = threading.Lock()

    def hit(self, key: int) -> None:
        """Count one event for ``key``, or raise ``rate_limited`` without counting it."""
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                retry = hits[0] + self.window - now
                raise ApiError("rate_limited", f"more than {self.limit} messages in "
                                               f"{self.window:g} s; retry in {retry:.1f} s")
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle users now and then
                cutoff = now - self.window
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > cutoff}

    def refund(self, key: int) -> None:
        """Take back the newest event counted for ``key`` (it was a repeat after all)."""
        with self._lock:
            hits = self._hits.get(key)
            if hits:
                hits.pop()
