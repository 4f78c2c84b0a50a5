"""LocalCluster: the single-process twin of :class:`~.redis_cluster.RedisCluster`.

Everything is "this process": every lease is held, every count is this
worker's, no worker is ever lost and the queue is never down. Nothing here
touches the network, so single-process hot paths cost what they did.
"""

import os
import socket
import threading

from .counts import MemoryCounts


class LocalLease:
    """A lease nobody else can want: always held."""

    def __init__(self, name: str):
        self.name = name

    def hold(self) -> bool:
        """Acquire or renew; always True here."""
        return True

    def holder(self) -> str | None:
        """Who holds it (this process)."""
        return "local"

    def release(self) -> None:
        """Give it up (nothing to do)."""


class LocalCluster:
    """One process is the whole cluster."""

    clustered = False
    redis = None

    def __init__(self):
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self._counts: dict[str, MemoryCounts] = {}
        self._commands: dict[str, object] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        """Nothing runs in the background here."""

    def queue_status(self, probe: bool = False) -> str | None:
        """``None``: there is no message queue."""
        return None

    def counts(self, kind: str, on_gone=None) -> MemoryCounts:
        """Counts of ``kind`` (``presence``, ``chart-subscribers``) in this process."""
        with self._lock:
            return self._counts.setdefault(kind, MemoryCounts(kind))

    def lease(self, name: str, ttl_ms: int) -> LocalLease:
        """A lease that is always this process's."""
        return LocalLease(name)

    def is_alive(self, worker_id: str | None) -> bool:
        """Only this process is alive; runs of an earlier process are not."""
        return worker_id == self.worker_id

    def on_command(self, kind: str, handler) -> None:
        """Register ``handler(data)`` for commands of ``kind`` sent to this process."""
        self._commands[kind] = handler

    def send_command(self, kind: str, data: dict) -> bool:
        """Run the command here (there is no one else); True if a handler took it."""
        handler = self._commands.get(kind)
        if handler is None:
            return False
        handler(data)
        return True

    def on_resync(self, callback) -> None:
        """Never called: a single process cannot miss its own emits."""

    def on_workers_lost(self, callback) -> None:
        """Never called: no other worker exists."""

    def on_rejoined(self, callback) -> None:
        """One process never loses its registration: ``callback`` never runs."""
