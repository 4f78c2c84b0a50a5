"""Shared counts: how many sockets hold something, summed over every worker.

A count is addressed by ``(group, field)`` within a kind, e.g. kind
``presence``, group a chat room, field a username. :meth:`add` returns the
cluster-wide total after the change, so a caller sees the 0 → 1 and 1 → 0
transitions exactly once across the cluster (presence events).

The Redis implementation keeps two hashes: the total per group
(``pb:count:<kind>\\x1f<group>``) and each worker's own contribution
(``pb:contrib:<worker>``), changed together by one Lua script. When a worker
dies, a survivor subtracts its contribution (:data:`REAP`); when Redis lost
the data (a restart without persistence, or this worker was reaped while
away), the worker adds its local mirror back (:data:`REPUBLISH`).
"""

import threading
from collections import defaultdict

SEP = "\x1f"
TOTAL_PREFIX = "pb:count:"

ADD = """
local t = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[3])
local c = redis.call('HINCRBY', KEYS[2], ARGV[2], ARGV[3])
if t <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
if c <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end
return t
"""

#: Subtract a dead worker's contribution; returns the fields whose total reached 0.
REAP = """
local items = redis.call('HGETALL', KEYS[1])
local gone = {}
for i = 1, #items, 2 do
  local f = items[i]
  local n = tonumber(items[i + 1])
  local first = string.find(f, '\\31', 1, true)
  local second = string.find(f, '\\31', first + 1, true)
  local total = ARGV[1] .. string.sub(f, 1, second - 1)
  local field = string.sub(f, second + 1)
  if redis.call('HINCRBY', total, field, -n) <= 0 then
    redis.call('HDEL', total, field)
    table.insert(gone, f)
  end
end
redis.call('DEL', KEYS[1])
return gone
"""

#: Replace this worker's contribution with its local mirror. What is still
#: recorded of it (its key lapsed but nobody reaped it yet) is subtracted
#: first, so nothing counts twice; returns how many fields it holds.
REPUBLISH = """
local function total_of(f)
  local first = string.find(f, '\\31', 1, true)
  local second = string.find(f, '\\31', first + 1, true)
  return ARGV[1] .. string.sub(f, 1, second - 1), string.sub(f, second + 1)
end
local old = redis.call('HGETALL', KEYS[1])
for i = 1, #old, 2 do
  local total, field = total_of(old[i])
  if redis.call('HINCRBY', total, field, -tonumber(old[i + 1])) <= 0 then
    redis.call('HDEL', total, field)
  end
end
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 2 do
  local total, field = total_of(ARGV[i])
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('HINCRBY', total, field, tonumber(ARGV[i + 1]))
end
return (#ARGV - 1) / 2
"""


def split_contribution(item: str) -> tuple[str, str, str]:
    """``kind, group, field`` of a contribution field."""
    kind, group, field = item.split(SEP, 2)
    return kind, group, field


class MemoryCounts:
    """Counts of one kind in this process only."""

    def __init__(self, kind: str):
        self.kind = kind
        self._totals: dict[str, dict[str, int]] = defaultdict(dict)
        self._lock = threading.Lock()

    def add(self, group: str, field: str, delta: int) -> int:
        """Change a count by ``delta``; return the new total."""
        with self._lock:
            counts = self._totals[group]
            total = counts.get(field, 0) + delta
            if total > 0:
                counts[field] = total
            else:
                counts.pop(field, None)
                if not counts:
                    del self._totals[group]
            return max(total, 0)

    def fields(self, group: str) -> dict[str, int]:
        """``{field: total}`` of one group."""
        with self._lock:
            return dict(self._totals.get(group, {}))

    def sizes(self, groups: list[str]) -> dict[str, int]:
        """How many fields each group has."""
        with self._lock:
            return {g: len(self._totals.get(g, ())) for g in groups}

    def local(self) -> dict[tuple[str, str], int]:
        """This process's own counts (all of them, here)."""
        with self._lock:
            return {(g, f): n for g, counts in self._totals.items() for f, n in counts.items()}


class RedisCounts:
    """Counts of one kind summed over every worker, in Redis.

    :param cluster: the :class:`~.redis_cluster.RedisCluster` (client, worker id).
    :param on_gone: ``callback(group, field)`` when a lost worker's sockets
        were the last to hold a field (a user went offline with the worker).
    """

    def __init__(self, cluster, kind: str, on_gone=None):
        self.cluster = cluster
        self.kind = kind
        self.on_gone = on_gone
        self.mirror = MemoryCounts(kind)  # this worker's contribution, to republish
        self._add = cluster.redis.register_script(ADD)

    def _total_key(self, group: str) -> str:
        return f"{TOTAL_PREFIX}{self.kind}{SEP}{group}"

    def add(self, group: str, field: str, delta: int) -> int:
        """Change this worker's count by ``delta``; return the cluster total.

        While Redis is unreachable the change is kept in the mirror (added
        back when Redis returns) and the answer is this worker's own count.
        """
        local = self.mirror.add(group, field, delta)
        try:
            total = self._add(keys=[self._total_key(group), self.cluster.contribution_key],
                              args=[field, f"{self.kind}{SEP}{group}{SEP}{field}", delta])
        except self.cluster.errors:
            self.cluster.mark_down()
            return local
        return max(int(total), 0)

    def fields(self, group: str) -> dict[str, int]:
        """``{field: cluster total}`` of one group (this worker's alone while Redis is down)."""
        try:
            raw = self.cluster.redis.hgetall(self._total_key(group))
        except self.cluster.errors:
            self.cluster.mark_down()
            return self.mirror.fields(group)
        return {k.decode(): int(v) for k, v in raw.items() if int(v) > 0}

    def sizes(self, groups: list[str]) -> dict[str, int]:
        """How many fields each group has, in one round trip."""
        try:
            with self.cluster.redis.pipeline(transaction=False) as pipe:
                for group in groups:
                    pipe.hlen(self._total_key(group))
                lengths = pipe.execute()
        except self.cluster.errors:
            self.cluster.mark_down()
            return self.mirror.sizes(groups)
        return dict(zip(groups, (int(n) for n in lengths), strict=True))

    def contribution(self) -> list:
        """The ``field, count`` pairs of this worker's mirror, as REPUBLISH takes them."""
        args = []
        for (group, field), n in self.mirror.local().items():
            args += [f"{self.kind}{SEP}{group}{SEP}{field}", n]
        return args
