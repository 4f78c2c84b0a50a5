"""RedisLease: "exactly one worker does this" (sample a stream, sweep dead workers).

``SET key <worker id> NX PX ttl`` takes the lease; its holder renews it (a
script that extends it only if the value is still its own id) and releases
it the same way. A holder that dies stops renewing, and the lease lapses
after ``ttl``.
"""

RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1
end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisLease:
    """``SET key me NX PX ttl``: held by one worker until it lets go or dies."""

    def __init__(self, cluster, name: str, ttl_ms: int):
        self.cluster = cluster
        self.key = f"pb:lease:{name}"
        self.ttl_ms = ttl_ms

    def hold(self) -> bool:
        """Acquire the lease or renew it; False if another worker holds it."""
        try:
            return bool(self.cluster.renew(keys=[self.key],
                                           args=[self.cluster.worker_id, self.ttl_ms]))
        except self.cluster.errors:
            self.cluster.mark_down()
            return False

    def holder(self) -> str | None:
        """The id of the worker holding it, or None."""
        try:
            value = self.cluster.redis.get(self.key)
        except self.cluster.errors:
            return None
        return value.decode() if value else None

    def release(self) -> None:
        """Let go if this worker holds it."""
        try:
            self.cluster.release(keys=[self.key], args=[self.cluster.worker_id])
        except self.cluster.errors:
            self.cluster.mark_down()
