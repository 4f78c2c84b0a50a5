"""Per-namespace batching between producers and Socket.IO rooms.

Producers never emit per client: they :meth:`Hub.append` items for a room,
and a single flusher task per hub emits one frame per room per tick carrying
everything appended since the previous tick. python-socketio encodes a room
emit once, so the cost of a tick is one encode per busy room, whatever the
number of subscribers.

Batching is coalescing under load, not a fixed delay: the flushes of a hub
are rate-limited to one per tick on average, allowing a burst of two (a
GCRA, the generic cell rate algorithm: a flush is due one tick after the one
before; one may run up to ``burst - 1`` ticks early). An item appended while
the hub is within its rate is emitted at once, by the appending caller; only
items that arrive faster than the tick wait for the flusher. The burst is
what lets a source at the tick's own rate through: with a strict "one tick
since the last emit" rule, a point that came a little early waited for the
tick, and every later point of a steady source waited as long (the emit's
phase stuck behind the source's); a burst absorbs that jitter.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from .transport.direct_writes import written_by_exit

log = logging.getLogger(__name__)

#: Upper bound of the delay a batched item waits before it is emitted; an
#: item appended within the rate (see the module docstring) does not wait at all.
DEFAULT_TICK = 0.05

#: Flushes a hub may run back to back before its tick spaces them out.
DEFAULT_BURST = 2

FrameBuilder = Callable[[str, list], Any]


def latest_by_id(items: Iterable[dict]) -> list[dict]:
    """Coalesce updates of one object within a tick: the last item per ``id`` wins."""
    return list({item["id"]: item for item in items}.values())


class Frame(NamedTuple):
    """One emit of a tick: ``event`` with ``data`` to ``to`` (a room or rooms)."""

    event: str
    data: Any
    to: str | list[str]
    local: bool = False


class Hub:
    """Collects items per room and emits them in one frame per room per tick.

    :param socketio: the ``flask_socketio.SocketIO`` instance to emit with.
    :param namespace: the namespace the frames go to, e.g. ``/charts``.
    :param event: the event name of a frame, e.g. ``points``.
    :param build_frame: ``(room, items) -> payload`` for one room's batch; not
        needed by a subclass that overrides :meth:`frames`.
    :param tick: seconds between flushes on average (the contract allows at most 0.1).
    :param burst: flushes that may run back to back (at least 1: a strict tick).
    """

    def __init__(
        self,
        socketio,
        namespace: str,
        event: str,
        build_frame: FrameBuilder | None = None,
        tick: float = DEFAULT_TICK,
        burst: int = DEFAULT_BURST,
    ):
        self.socketio = socketio
        self.namespace = namespace
        self.event = event
        self.build_frame = build_frame
        self.tick = tick
        self._pending: dict[tuple[str, bool], list] = {}
        #: Held while appending and while a tick's batches are emitted; a
        #: caller holding it can join a room and snapshot state atomically.
        self.lock = threading.RLock()
        self._flusher_started = False
        self.burst = burst
        # The rate rule's state (monotonic times): when the next flush is due at
        # one per tick, and from when one may run at once (``burst - 1`` ticks early).
        self._due = float("-inf")
        self._free_at = float("-inf")
        self._flushing = False
        #: Flushes run by :meth:`append` because the hub was within its rate (the tests count them).
        self.immediate_flushes = 0

    def append(self, room: str, items: list, local: bool = False) -> None:
        """Queue ``items`` for ``room``; they leave with the next tick's frame.

        :param local: emit only to this worker's clients (``ignore_queue``):
            for data every worker produces itself, such as host metrics, so
            that a message queue does not deliver each worker's copy to all.
        """
        if items:
            self.append_many({room: items}, local)

    def append_many(self, items_by_room: dict[str, list], local: bool = False) -> None:
        """:meth:`append` for several rooms at once: within the rate, all in one flush.

        (Appended one by one, only the first room's items would leave at once
        and the others a tick later.)
        """
        if not any(items_by_room.values()):
            return
        with self.lock:
            pending = self._pending
            for room, items in items_by_room.items():
                if items:
                    pending.setdefault((room, local), []).extend(items)
            # Within the rate: emit now. Not from within a flush (an emit that
            # logs, and a log bridge that appends, must not recurse).
            if not self._flushing and time.monotonic() >= self._free_at:
                self.immediate_flushes += 1
                try:
                    self.flush()
                except Exception:  # as in the flusher: the caller's append stands
                    log.exception("flushing %s %r frames failed", self.namespace, self.event)
            if not self._flusher_started:
                self._flusher_started = True
                self.socketio.start_background_task(self._run)

    def pending_count(self, room: str) -> int:
        """How many items for ``room`` wait for the next tick (call with :attr:`lock`)."""
        return sum(len(items) for (r, _), items in self._pending.items() if r == room)

    def frames(self, pending: dict[tuple[str, bool], list]) -> Iterable[Frame]:
        """What one tick emits for its ``{(room, local): items}``: a frame per room.

        Subclasses override this to shape a tick differently (order, coalescing,
        routing); :meth:`flush` keeps the locking and emitting in one place.
        """
        for (room, local), items in pending.items():
            yield Frame(self.event, self.build_frame(room, items), room, local)

    def flush(self) -> None:
        """Emit every pending batch now."""
        # Emitting under the lock too: a subscriber joining a room under it was
        # either a member when a batch went out or finds that batch in the
        # snapshot it takes, never both (threads interleave otherwise).
        with self.lock:
            pending, self._pending = self._pending, {}
            if not pending:
                return
            self._due = max(self._due, time.monotonic()) + self.tick
            self._free_at = self._due - (self.burst - 1) * self.tick
            self._flushing = True
            try:
                frames = list(self.frames(pending))
                # The tick's frames leave now, not once this greenlet yields (after
                # an HTTP publish's response): one frame as the emit reaches each
                # socket, several in one write per socket at the end.
                with written_by_exit(self.socketio.server.eio, one_emit=len(frames) == 1):
                    for frame in frames:
                        self.socketio.emit(frame.event, frame.data, to=frame.to,
                                           namespace=self.namespace, ignore_queue=frame.local)
            finally:
                self._flushing = False

    def _run(self) -> None:
        # A flush may run once the rate allows it, whoever made the last one
        # (this task or an append within the rate), so a room gets about one
        # frame per tick under load; a flush that took 30 ms shortens the next
        # wait. With nothing pending, appends within the rate emit themselves.
        while True:
            wait = self._free_at - time.monotonic()
            if wait > 0:
                self.socketio.sleep(wait)
            elif not self._pending:
                self.socketio.sleep(self.tick)
                continue
            try:
                self.flush()
            except Exception:  # a bad frame must not stop every later one
                log.exception("flushing %s %r frames failed", self.namespace, self.event)
