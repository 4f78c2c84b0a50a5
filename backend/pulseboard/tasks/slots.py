"""Task slots: at most ``TASK_CONCURRENCY`` runs running at once, in the whole cluster.

In one process a slot is a member of a set. With Redis the slots are a
sorted set (``pb:task-slots``) of run ids scored by when their hold lapses:
a worker takes a slot with one script (drop lapsed holds, then add if fewer
than the limit), renews its runs' holds while they run, and removes them
when they end. A dead worker's holds lapse after :data:`HOLD_MS`.
"""

import threading
import time

KEY = "pb:task-slots"
HOLD_MS = 15_000

TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 1 end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3]) return 1
end
return 0
"""


class LocalSlots:
    """Slots of this process."""

    shared = False

    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self._held: set[int] = set()
        self._lock = threading.Lock()

    def take(self, run_id: int) -> bool:
        """Take a slot for ``run_id``; False if all are taken."""
        with self._lock:
            if len(self._held) >= self.limit:
                return False
            self._held.add(run_id)
            return True

    def renew(self, run_ids) -> None:
        """Nothing lapses here."""

    def give_back(self, run_id: int) -> None:
        """Free ``run_id``'s slot."""
        with self._lock:
            self._held.discard(run_id)


class RedisSlots:
    """Slots shared by every worker on one Redis."""

    shared = True

    def __init__(self, cluster, limit: int):
        self.cluster = cluster
        self.limit = max(1, limit)
        self._take = cluster.redis.register_script(TAKE)

    def take(self, run_id: int) -> bool:
        """Take a slot for ``run_id``; False if all are taken (or Redis does not answer)."""
        now = int(time.time() * 1000)
        try:
            return bool(self._take(keys=[KEY], args=[now, self.limit, run_id, now + HOLD_MS]))
        except self.cluster.errors:
            self.cluster.mark_down()
            return False

    def renew(self, run_ids) -> None:
        """Push the holds of ``run_ids`` (running here) :data:`HOLD_MS` into the future."""
        run_ids = list(run_ids)
        if not run_ids:
            return
        until = int(time.time() * 1000) + HOLD_MS
        try:
            # Not XX: a Redis that restarted empty gets the holds back.
            self.cluster.redis.zadd(KEY, {str(r): until for r in run_ids})
        except self.cluster.errors:
            self.cluster.mark_down()

    def give_back(self, run_id: int) -> None:
        """Free ``run_id``'s slot."""
        try:
            self.cluster.redis.zrem(KEY, str(run_id))
        except self.cluster.errors:
            self.cluster.mark_down()
