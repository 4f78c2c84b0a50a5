"""WatchedRedisManager: python-socketio's RedisManager, told what an outage is.

Upstream behaviour this covers (python-socketio 5.18, ``redis_manager.py``),
pinned by ``tests/backend/test_cluster.py``:

* ``_publish`` tries twice per emit and logs an ERROR for each failure:
  about 400 lines in a 5 s outage, each bridged to ``/debug`` and each
  bridged message another failing emit. Here a failed publish is logged once
  per outage (by the cluster), and while Redis is down a publish is tried at
  most every :data:`RETRY_EVERY` seconds; the others are dropped at once.
  Emits still reach this worker's own clients: ``PubSubManager.emit``
  delivers locally before it publishes.
* ``_redis_listen_with_retries`` backs off 1, 2, 4... up to 60 s and gives no
  sign when it is subscribed again. Here it retries every second, and it
  tells the cluster when the subscription broke and when it is back, so the
  server can send ``resync`` to its clients once pub/sub delivers again.
* A dropped publish was meant for every worker's clients, so the cluster
  also asks every other worker to resync its own (:meth:`publish_failed`).
"""

import logging
import time

from socketio import RedisManager

log = logging.getLogger(__name__)

RETRY_EVERY = 0.5
LISTEN_RETRY = 1.0


class WatchedRedisManager(RedisManager):
    """A RedisManager reporting its connection state to a cluster.

    :param cluster: the :class:`~.redis_cluster.RedisCluster` to tell.
    """

    def __init__(self, url: str, cluster, channel: str = "flask-socketio"):
        super().__init__(url, channel=channel)
        self.cluster = cluster
        self._down_since: float | None = None
        self._last_try = 0.0

    def _publish(self, data):
        now = time.monotonic()
        if self._down_since is not None and now - self._last_try < RETRY_EVERY:
            self.cluster.publish_failed()
            return None
        self._last_try = now
        try:
            if not self.connected:
                self._redis_connect()
            result = self.redis.publish(self.channel, self.json.dumps(data))
        except Exception as exc:
            self.connected = False
            if self._down_since is None:
                self._down_since = now
                log.info("publishing to the message queue failed: %s", exc)
            self.cluster.mark_down()
            self.cluster.publish_failed()
            return None
        self._down_since = None
        return result

    def _redis_listen_with_retries(self):
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    self.cluster.listener_state(True)
                yield from self.pubsub.listen()
            except Exception as exc:
                if subscribed:
                    log.info("message queue subscription lost: %s", exc)
                subscribed = False
                self.cluster.listener_state(False)
                time.sleep(LISTEN_RETRY)
