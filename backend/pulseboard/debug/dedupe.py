"""The dedupe index: which message id a (level, source, message) repeat belongs to.

An entry lives :data:`~.service.DEDUPE_WINDOW` seconds after the last
occurrence (the window slides). In one process it is a dict; with Redis it is
``pb:debug:seen:<sha1>`` holding the id, with ``PX`` the window, so a repeat
posted through any worker counts on the same id. Two workers seeing a new
message at once race for the key with ``SET NX``: the loser waits a moment
for the winner's id instead of storing a second row.
"""

import hashlib
import time

KEY = "pb:debug:seen:"
PENDING = b"pending"
CLAIM_MS = 2_000
WAIT_FOR_WINNER = 1.0


class MemoryDedupe:
    """The index of one process."""

    def __init__(self, window_ms: int):
        self.window_ms = window_ms
        #: (level, source, message) -> (id, ts of its last occurrence)
        self._seen: dict[tuple, tuple[int, int]] = {}

    def lookup(self, key: tuple, now: int) -> int | None:
        """The id ``key`` repeats, or None; a new message may claim ``key`` then."""
        seen = self._seen.get(key)
        if seen is None or now - seen[1] > self.window_ms:
            return None
        return seen[0]

    def remember(self, key: tuple, message_id: int, now: int) -> None:
        """``key`` last occurred ``now`` as ``message_id``."""
        self._seen[key] = (message_id, now)
        if len(self._seen) > 1_000:  # keep the index bounded
            horizon = now - self.window_ms
            self._seen = {k: v for k, v in self._seen.items() if v[1] >= horizon}


class RedisDedupe:
    """The index shared by every worker on one Redis."""

    def __init__(self, cluster, window_ms: int, sleep):
        self.cluster = cluster
        self.window_ms = window_ms
        self.sleep = sleep

    @staticmethod
    def _key(key: tuple) -> str:
        return KEY + hashlib.sha1("\x00".join(key).encode()).hexdigest()

    def lookup(self, key: tuple, now: int) -> int | None:
        """The id ``key`` repeats, or None after claiming ``key`` for a new message."""
        redis_key = self._key(key)
        deadline = time.monotonic() + WAIT_FOR_WINNER
        try:
            while True:
                if self.cluster.redis.set(redis_key, PENDING, nx=True, px=CLAIM_MS):
                    return None
                value = self.cluster.redis.get(redis_key)
                if value is not None and value != PENDING:
                    return int(value)
                if time.monotonic() > deadline:
                    return None  # the winner is stuck: store our own
                self.sleep(0.02)
        except self.cluster.errors:
            self.cluster.mark_down()
            return None

    def remember(self, key: tuple, message_id: int, now: int) -> None:
        """``key`` last occurred now as ``message_id``: the window starts again."""
        try:
            self.cluster.redis.set(self._key(key), message_id, px=self.window_ms)
        except self.cluster.errors:
            self.cluster.mark_down()
