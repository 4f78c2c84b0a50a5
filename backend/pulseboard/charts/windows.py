"""Chart windows: the recent points of each stream, kept where every worker reads them.

Without a message queue a window is a deque in this process (read under the
hub's lock, so a new subscriber gets each point exactly once). With Redis it
is a capped list per stream (``pb:window:<name>``: RPUSH, then LTRIM to the
window's size), so a subscriber on any worker gets the same recent window,
whichever worker sampled or received the points. While Redis is unreachable
the worker's own copy answers.
"""

import json
import logging
from collections import deque

log = logging.getLogger(__name__)

KEY = "pb:window:"
#: A published stream's window outlives its last point this long (then Redis drops it).
IDLE_EXPIRY_S = 24 * 3600


class RedisWindows:
    """Capped Redis lists of ``[t_ms, value]`` points, one per stream."""

    def __init__(self, cluster, size: int):
        self.cluster = cluster
        self.size = size

    def append_many(self, points_by_stream: dict[str, list]) -> None:
        """Add points at the end of each stream's window, dropping the oldest past ``size``.

        One pipeline (one round trip) for every stream.
        """
        try:
            with self.cluster.redis.pipeline(transaction=False) as pipe:
                for name, points in points_by_stream.items():
                    key = KEY + name
                    pipe.rpush(key, *(json.dumps(p, separators=(",", ":")) for p in points))
                    pipe.ltrim(key, -self.size, -1)
                    pipe.expire(key, IDLE_EXPIRY_S)
                pipe.execute()
        except self.cluster.errors:
            self.cluster.mark_down()

    def read(self, name: str, fallback: deque) -> list:
        """The stream's window, oldest first (this worker's copy if Redis does not answer)."""
        try:
            raw = self.cluster.redis.lrange(KEY + name, 0, -1)
        except self.cluster.errors:
            self.cluster.mark_down()
            return list(fallback)
        return [json.loads(item) for item in raw]
