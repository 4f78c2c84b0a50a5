"""RedisCluster: shared state, liveness and commands for workers on one Redis.

Liveness: each worker keeps ``pb:worker:<id>`` alive (``PX`` :data:`ALIVE_MS`,
renewed every :data:`BEAT` seconds) and is listed in ``pb:workers``. One
worker at a time (the ``sweep`` lease) looks for listed workers whose key
expired, twice in a row, and reaps them: their shared counts are subtracted
(presence expires with the worker) and ``on_workers_lost`` callbacks settle
what they owned (task runs). A worker that finds its own key gone (Redis
restarted empty, or it was reaped while unreachable) registers again, adds
its counts back and runs ``on_rejoined`` callbacks (stop what a survivor
settled). After any failed Redis call the first good beat also adds the
counts back: a change made while Redis stalled lives only in the mirror.

Queue state: the heartbeat and the message queue's listener report whether
Redis answers. After an outage, once the listener has subscribed again,
``on_resync`` callbacks run: the server tells its clients to re-subscribe,
since pub/sub delivered nothing meanwhile. When this worker's own publishes
failed, clients on other workers missed them too, though those workers'
listeners may never have broken: the resync then also goes out as a
``resync`` command, and each other worker resyncs its own clients (it does
not pass the command on).
"""

import json
import logging
import os
import secrets
import socket
import threading
import time

import redis

from .counts import REAP, REPUBLISH, TOTAL_PREFIX, RedisCounts, split_contribution
from .lease import RELEASE, RENEW, RedisLease

log = logging.getLogger(__name__)

BEAT = 2.0
ALIVE_MS = 10_000
SWEEP_MS = 6_000
COMMANDS = "pb:commands"
WORKERS = "pb:workers"
#: Short timeouts: a Redis that does not answer must not stall a request long.
TIMEOUTS = {"socket_timeout": 2, "socket_connect_timeout": 1, "health_check_interval": 10}

class RedisCluster:
    """Workers sharing one Redis (``MESSAGE_QUEUE``).

    :param url: the ``redis://`` URL.
    :param socketio: starts the background tasks and sleeps cooperatively.
    """

    clustered = True
    errors = (redis.RedisError, OSError)

    def __init__(self, url: str, socketio):
        self.url = url
        self.socketio = socketio
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.redis = redis.Redis.from_url(url, **TIMEOUTS)
        self.alive_key = f"pb:worker:{self.worker_id}"
        self.contribution_key = f"pb:contrib:{self.worker_id}"
        self.renew = self.redis.register_script(RENEW)
        self.release = self.redis.register_script(RELEASE)
        self._reap = self.redis.register_script(REAP)
        self._republish = self.redis.register_script(REPUBLISH)
        self._counts: dict[str, RedisCounts] = {}
        self._commands: dict[str, object] = {}
        self._on_resync: list = []
        self._on_lost: list = []
        self._on_rejoined: list = []
        self._suspects: set[str] = set()
        self._lock = threading.Lock()
        self.queue_up = True
        #: A Redis call failed since the last republish: counts may have changed
        #: only in the mirror (Redis may have kept its data, so ``SET XX`` works).
        self.dirty = False
        #: Something may have been published while pub/sub could not deliver it.
        self.missed = False
        #: One of this worker's publishes was dropped: other workers' clients missed it.
        self.publish_missed = False
        self.listening = False
        #: The queue's subscription broke and is not back yet.
        self.listener_lost = False
        self._started = False
        self._sweep = RedisLease(self, "sweep", SWEEP_MS)
        self.on_command("resync", self._resync_requested)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        """Register this worker and start the heartbeat and command listener (once)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        self._beat()
        self.socketio.start_background_task(self._heartbeat)
        self.socketio.start_background_task(self._listen_commands)

    def _heartbeat(self) -> None:
        while True:
            self.socketio.sleep(BEAT)
            try:
                self._beat()
                if self._sweep.hold():
                    self._sweep_workers()
            except self.errors:
                self.mark_down()  # said once per outage, not once per beat
            except Exception:  # the heartbeat must outlive any one failure
                log.exception("cluster heartbeat failed")

    def _beat(self) -> None:
        try:
            renewed = self.redis.set(self.alive_key, "1", xx=True, px=ALIVE_MS)
            if not renewed or self.dirty:
                self.dirty = False  # cleared first: a failure meanwhile sets it again
                self._register()
        except self.errors:
            self.mark_down()
            return
        self.mark_up()
        if not renewed:
            # Reaped while unreachable (or Redis lost its data): what this
            # worker owned may have been settled by a survivor meanwhile.
            for callback in self._on_rejoined:
                try:
                    callback()
                except Exception:
                    log.exception("checking state after registering again failed")

    def _register(self) -> None:
        """(Re)join: alive key, registry, and this worker's counts added back."""
        args = [TOTAL_PREFIX]
        for counts in list(self._counts.values()):
            args += counts.contribution()
        held = self._republish(keys=[self.contribution_key], args=args)
        self.redis.set(self.alive_key, "1", px=ALIVE_MS)
        self.redis.sadd(WORKERS, self.worker_id)
        if held:
            log.info("registered again with %d shared counts", held)

    def _sweep_workers(self) -> None:
        listed = {m.decode() for m in self.redis.smembers(WORKERS)}
        missing = {w for w in listed if w != self.worker_id
                   and not self.redis.exists(f"pb:worker:{w}")}
        # Reaped only when missing on two sweeps in a row: a worker whose key
        # vanished with a Redis restart has a beat's time to register again.
        lost, self._suspects = missing & self._suspects, missing - self._suspects
        if not lost:
            self._notify_lost(set())
            return
        for worker in sorted(lost):
            gone = self._reap(keys=[f"pb:contrib:{worker}"], args=[TOTAL_PREFIX])
            for item in gone:
                kind, group, field = split_contribution(item.decode())
                counts = self._counts.get(kind)
                if counts is not None and counts.on_gone is not None:
                    counts.on_gone(group, field)
            self.redis.srem(WORKERS, worker)
            log.warning("worker %s was lost: its presence and leases expired", worker)
        self._notify_lost(lost)

    def _notify_lost(self, lost: set[str]) -> None:
        for callback in self._on_lost:
            try:
                callback(lost)
            except Exception:
                log.exception("settling lost workers' state failed")

    # -- queue state -----------------------------------------------------------

    def mark_down(self) -> None:
        """Redis did not answer: remember that clients may have missed emits."""
        self.missed = True
        self.dirty = True
        if self.queue_up:
            self.queue_up = False
            log.warning("message queue unreachable: emits reach this worker's clients only "
                        "until it is back")

    def mark_up(self) -> None:
        """Redis answered; resync clients if pub/sub may have dropped something."""
        if not self.queue_up:
            self.queue_up = True
            log.warning("message queue reachable again")
        if self.missed and self.listening:
            self._resync()

    def listener_state(self, listening: bool) -> None:
        """Called by the queue manager when its subscription breaks or is back."""
        self.listening = listening
        self.listener_lost = not listening
        if not listening:
            self.mark_down()
        elif self.missed:
            self._resync()

    def publish_failed(self) -> None:
        """The queue manager dropped a publish: every worker's clients must resync."""
        self.missed = True
        self.publish_missed = True

    def _resync(self) -> None:
        self.missed = False
        if self.publish_missed:
            # Cleared first: a publish dropped while the command goes out sets it again.
            self.publish_missed = False
            if not self.send_command("resync", {"worker": self.worker_id}):
                self.publish_missed = True
        self._run_resync_callbacks()

    def _resync_requested(self, data: dict) -> None:
        # Another worker's publishes were dropped: resync here, never re-broadcast.
        if data.get("worker") != self.worker_id:
            self._run_resync_callbacks()

    def _run_resync_callbacks(self) -> None:
        for callback in self._on_resync:
            try:
                callback()
            except Exception:
                log.exception("resync callback failed")

    def queue_status(self, probe: bool = False) -> str:
        """``"up"`` or ``"down"``; ``probe`` pings Redis now instead of trusting the last beat."""
        if probe:
            try:
                self.redis.ping()
            except self.errors:
                self.mark_down()
                return "down"
            # The manager subscribes on its first use: a fresh worker is up.
            return "down" if self.listener_lost else "up"
        return "up" if self.queue_up else "down"

    # -- shared structures -----------------------------------------------------

    def counts(self, kind: str, on_gone=None) -> RedisCounts:
        """Cluster-wide counts of ``kind``; ``on_gone(group, field)`` for a lost worker's last."""
        with self._lock:
            if kind not in self._counts:
                self._counts[kind] = RedisCounts(self, kind, on_gone)
            return self._counts[kind]

    def lease(self, name: str, ttl_ms: int) -> RedisLease:
        """A lease named ``name`` that lapses ``ttl_ms`` after its holder stops renewing."""
        return RedisLease(self, name, ttl_ms)

    def is_alive(self, worker_id: str | None) -> bool:
        """Whether ``worker_id`` kept its heartbeat (True while Redis cannot tell)."""
        if worker_id is None:
            return False
        if worker_id == self.worker_id:
            return True
        try:
            return bool(self.redis.exists(f"pb:worker:{worker_id}"))
        except self.errors:
            return True

    def on_resync(self, callback) -> None:
        """Run ``callback()`` after an outage, once pub/sub delivers again."""
        self._on_resync.append(callback)

    def on_workers_lost(self, callback) -> None:
        """Run ``callback(lost_ids)`` on each sweep (``lost_ids`` may be empty)."""
        self._on_lost.append(callback)

    def on_rejoined(self, callback) -> None:
        """Run ``callback()`` after this worker found its alive key gone and registered again."""
        self._on_rejoined.append(callback)

    # -- commands --------------------------------------------------------------

    def on_command(self, kind: str, handler) -> None:
        """Run ``handler(data)`` for each command of ``kind`` any worker sends."""
        self._commands[kind] = handler

    def send_command(self, kind: str, data: dict) -> bool:
        """Publish a command to every worker; False if Redis is unreachable."""
        try:
            self.redis.publish(COMMANDS, json.dumps({"kind": kind, "data": data}))
        except self.errors:
            self.mark_down()
            return False
        return True

    def _listen_commands(self) -> None:
        # A client of its own without a read timeout: listen() blocks between
        # commands, and a stopped Redis closes the socket (an error at once).
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_keepalive=True)
        while True:
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(COMMANDS)
                for message in pubsub.listen():
                    self._dispatch(message)
            except self.errors:
                self.mark_down()
            finally:
                pubsub.close()
            time.sleep(1)

    def _dispatch(self, message) -> None:
        if message.get("type") != "message":
            return
        try:
            command = json.loads(message["data"])
            handler = self._commands.get(command["kind"])
            if handler is not None:
                handler(command["data"])
        except Exception:
            log.exception("handling a cluster command failed")
