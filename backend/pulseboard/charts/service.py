"""ChartService: streams, their recent windows, subscribers and producers.

A built-in stream's producer runs only while someone subscribes to it: the
first local ``subscribe`` starts a producer task on this worker, which ends
by itself on the first tick after this worker's last subscriber left.

With a message queue, one worker per stream samples: each producer task
competes for the lease ``chart:<name>`` (``SET NX PX``) and only its holder
samples, so every client sees the same series; when the holder's last
subscriber leaves it lets go, and when it dies the lease lapses within
:data:`LEASE_MS`, and a worker that still has subscribers takes over.
Points (sampled or published over HTTP) go to the stream's Redis window and
through the queue to every worker's subscribers. Subscriber counts are
cluster-wide. Published stream names are stored, so every worker lists them.
Without a queue everything stays in this process, as it always did.
"""

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..cluster import cluster_of
from ..extensions import db
from ..hub import Hub
from ..rooms import Rooms
from ..wire import ApiError, now_ms
from .datafile import DataFile
from .models import PublishedStream
from .producers import (
    BUILT_IN,
    FILE_INTERVAL_MS,
    PRODUCED_STREAM_PREFIXES,
    FileKeySampler,
    StreamInfo,
    prime_cpu,
)
from .streams import NAMESPACE, STREAM_NAME, stream_room
from .windows import RedisWindows

log = logging.getLogger(__name__)

WINDOW_POINTS = 600
#: The charts hub's tick: a stream gets about one ``points`` frame per tick
#: (two back to back at most, :mod:`pulseboard.hub`). Shorter than the other
#: hubs' 50 ms: points are what people watch arrive, and a frame costs little
#: since the writes go out in rounds (docs/benchmarks.md, *Seventh round*).
#: Not 20 ms: a source at exactly the tick's rate sits on the limiter's edge,
#: where any hiccup holds its points (*Eighth round*); 16 ms leaves a 50 Hz
#: source (the benchmark's publisher) a quarter of headroom.
POINTS_TICK = 0.016
#: A producer lease lapses this long after its holder stopped renewing it.
LEASE_MS = 3_000
LEASE_RENEW = 1.0
SUBSCRIBERS = "streams"
MAX_PUBLISHED_STREAMS = 256
FILE_PREFIX = "file."


@dataclass
class Stream:
    """One stream's state on this worker."""

    info: StreamInfo
    make_sampler: object = None  # a zero-argument callable, or None when published
    window: deque = field(default_factory=lambda: deque(maxlen=WINDOW_POINTS))
    subscribers: set = field(default_factory=set)
    producing: bool = False
    generation: int = 0
    #: Whether the window was seeded from stored history (:meth:`ChartService._seed`).
    seeded: bool = False
    #: The newest ``t`` put in the window from stored history: :meth:`ChartService.latest`
    #: leaves points up to it out (they are the past, not data arriving now).
    seeded_to: float = float("-inf")



class ChartService:
    """Owns every stream of one worker and batches their points to ``/charts``.

    :param socketio: the ``SocketIO`` instance used for background tasks and emits.
    :param data_file: path of the JSON data file behind the ``file.*`` streams.
    """

    #: The cap of published streams (``MAX_PUBLISHED_STREAMS``; set by :func:`..init_app`).
    max_published_streams = MAX_PUBLISHED_STREAMS

    def __init__(self, socketio, data_file: str):
        self.socketio = socketio
        self.data_file = DataFile(data_file)
        self.hub = Hub(socketio, NAMESPACE, "points", self._frame, tick=POINTS_TICK)
        self.rooms = Rooms(socketio, NAMESPACE)
        self.cluster = cluster_of(socketio)
        self.subscriber_counts = self.cluster.counts("chart-subscribers")
        self.windows = RedisWindows(self.cluster, WINDOW_POINTS) if self.cluster.clustered \
            else None
        prime_cpu()
        self._lock = threading.Lock()
        #: The :class:`~.history.HistoryWriter` every recorded point goes to (set by init_app).
        self.history = None
        #: Stream name -> keys watching it without a socket (alert rules); see :meth:`watch`.
        self.watchers: dict[str, set[str]] = {}
        self._streams: dict[str, Stream] = {
            name: Stream(info, sampler) for name, (info, sampler) in BUILT_IN.items()
        }

    @staticmethod
    def _frame(room: str, points: list) -> dict:
        return {"stream": room.removeprefix("stream:"), "points": points}

    # -- queries ---------------------------------------------------------------

    def list_streams(self, with_stats: bool = False) -> list[dict]:
        """Every stream a client can subscribe to, file keys included."""
        values = self.data_file.values()  # one stat of the file, not one per key
        for key in values:
            self._file_stream(FILE_PREFIX + key, values)
        for row in db.session.scalars(select(PublishedStream)):
            self._published_stream(row)
        with self._lock:
            streams = sorted(self._streams.values(), key=lambda s: s.info.name)
        if not with_stats:
            return [s.info.as_dict() for s in streams]
        totals = self.subscriber_counts.fields(SUBSCRIBERS)
        return [{**s.info.as_dict(), "subscribers": totals.get(s.info.name, 0),
                 "producing": self._producing(s)} for s in streams]

    def _producing(self, stream: Stream) -> bool:
        """Whether any worker samples ``stream`` now (its lease is held)."""
        if stream.make_sampler is None:
            return False
        if not self.cluster.clustered:
            return stream.producing
        return self.cluster.lease(f"chart:{stream.info.name}", LEASE_MS).holder() is not None

    def lookup(self, name: str) -> Stream:
        """The stream called ``name``, or ``not_found``."""
        stream = self._streams.get(name)
        if stream is None and name.startswith(FILE_PREFIX):
            stream = self._file_stream(name)
        elif stream is None and STREAM_NAME.match(name):
            row = db.session.get(PublishedStream, name)  # published through another worker
            stream = self._published_stream(row) if row else None
        if stream is None:
            raise ApiError("not_found", f"no stream named {name!r}")
        return stream

    def _seed(self, stream: Stream) -> None:
        """Put the stream's stored raw points before its window, once per process.

        After a restart a window would start empty; the stored points older
        than what this process recorded since come first (the database read
        is outside the hub's lock). Done on the first ``subscribe``, not in
        :meth:`lookup`: an alert rule's :meth:`latest` must not take an old
        stored point for the level now.
        """
        stream.seeded = True
        if self.history is None:
            return
        from .history import recent_raw

        try:
            stored = recent_raw(stream.info.name, WINDOW_POINTS)
        except Exception:  # a window without its past beats a failed subscribe
            db.session.rollback()
            log.exception("chart history: cannot seed the window of %s", stream.info.name)
            return
        if not stored:
            return
        with self.hub.lock:
            current = list(stream.window)
            first = current[0][0] if current else float("inf")
            stream.window.clear()
            older = [p for p in stored if p[0] < first]
            stream.window.extend(older + current)
            if older:
                stream.seeded_to = max(stream.seeded_to, older[-1][0])

    def _published_stream(self, row: PublishedStream) -> Stream:
        with self._lock:
            if row.name not in self._streams:
                self._streams[row.name] = Stream(StreamInfo(row.name, row.name, row.unit))
            return self._streams[row.name]

    def _file_stream(self, name: str, values: dict | None = None) -> Stream | None:
        key = name.removeprefix(FILE_PREFIX)
        if key not in (self.data_file.values() if values is None else values):
            return None
        with self._lock:
            if name not in self._streams:
                info = StreamInfo(name, f"Data file: {key}", "", interval_ms=FILE_INTERVAL_MS)
                self._streams[name] = Stream(info, lambda: FileKeySampler(self.data_file, key))
            return self._streams[name]

    # -- subscriptions ---------------------------------------------------------

    def subscribe(self, sid: str, name: str) -> list:
        """Add ``sid`` to a stream's subscribers; return the recent window.

        In one process the socket joins the stream's room under the hub's
        lock, and the window returned leaves out the points still waiting for
        the next tick, which the new subscriber receives in that frame: every
        point reaches it exactly once. With a message queue the socket joins
        first and the shared window is read after (no Redis call under the
        lock): a point can then arrive in both, never in neither; it has the
        same ``t`` both times.
        """
        stream = self.lookup(name)
        if not stream.seeded:
            self._seed(stream)
        room = stream_room(name)
        if self.windows is not None:
            self.rooms.join(sid, room)
            # An empty shared window (Redis restarted too): this worker's seeded one.
            window = self.windows.read(name, stream.window) or list(stream.window)
        else:
            with self.hub.lock:
                self.rooms.join(sid, room)
                window = list(stream.window)
                unsent = self.hub.pending_count(room)
                window = window[: max(0, len(window) - unsent)]
        with self._lock:
            # The first reader of either kind starts the producer (a watched stream has one).
            first = not stream.subscribers and not self.watchers.get(name)
            added = sid not in stream.subscribers
            stream.subscribers.add(sid)
        if added:
            self.subscriber_counts.add(SUBSCRIBERS, name, 1)
        with self._lock:
            if first and stream.make_sampler is not None:
                stream.generation += 1
                stream.producing = True
                self.socketio.start_background_task(self._produce, stream, stream.generation)
        return window

    def unsubscribe(self, sid: str, name: str) -> None:
        """Remove ``sid`` from a stream; its producer stops with the last one."""
        stream = self.lookup(name)
        self.rooms.leave(sid, stream_room(name))
        self._remove(stream, sid)

    def drop(self, sid: str) -> None:
        """Remove a disconnected socket from every stream."""
        for room in self.rooms.drop(sid):
            stream = self._streams.get(room.removeprefix("stream:"))
            if stream is not None:
                self._remove(stream, sid)

    def _remove(self, stream: Stream, sid: str) -> None:
        with self._lock:
            present = sid in stream.subscribers
            stream.subscribers.discard(sid)
        if present:
            self.subscriber_counts.add(SUBSCRIBERS, stream.info.name, -1)

    # -- producing and publishing ---------------------------------------------

    def publish(self, name: str, points: list[list[float]], unit: str | None = None) -> int:
        """Append points to a published stream, creating it on first use."""
        refused = self.publish_many({name: points}, unit)
        if refused:
            raise refused[name]
        return len(points)

    def publish_many(self, points_by_stream: dict[str, list], unit: str | None = None
                     ) -> dict[str, ApiError]:
        """Append points to several published streams, creating them on first use.

        Each stream is checked as :meth:`publish` checks one (its name, the
        server's own prefixes, the cap of published streams); a refused stream
        is returned (name -> the error) and does not stop the others. The
        accepted ones are recorded together (:meth:`_record_many`): one Redis
        round trip, one hub lock, and, on an idle hub, one flush for all.
        """
        refused: dict[str, ApiError] = {}
        accepted = []
        streams = self._streams
        for name, points in points_by_stream.items():
            stream = streams.get(name)
            if stream is None or stream.make_sampler is not None:
                try:
                    stream = self._publishable(name, unit)
                except ApiError as exc:
                    refused[name] = exc
                    continue
            accepted.append((stream, points))
        self._record_many(accepted)
        return refused

    def _publishable(self, name: str, unit: str | None) -> Stream:
        """The published stream ``name``, created if new; else the error :meth:`publish` raises."""
        if not STREAM_NAME.match(name):
            raise ApiError("bad_request", "stream names are 1-64 of a-z, 0-9, '.', '_', '-'")
        if name.startswith(PRODUCED_STREAM_PREFIXES):
            raise ApiError("forbidden", f"{name!r} is produced by the server itself")
        return self._streams.get(name) or self._create_published(name, unit or "")

    def _create_published(self, name: str, unit: str) -> Stream:
        row = db.session.get(PublishedStream, name)
        if row is None:
            if db.session.query(PublishedStream).count() >= self.max_published_streams:
                raise ApiError("too_large", "too many published streams")
            row = PublishedStream(name=name, unit=unit)
            db.session.add(row)
            try:
                db.session.commit()
            except IntegrityError:  # another worker created it first
                db.session.rollback()
                row = db.session.get(PublishedStream, name)
        return self._published_stream(row)

    def _record(self, stream: Stream, points: list) -> None:
        self._record_many([(stream, points)])

    def _record_many(self, items: list[tuple[Stream, list]]) -> None:
        """Record points of several streams: ``[(stream, points)]``, each stream once.

        The shared windows first (one Redis pipeline, before the emit: never a
        gap), then this worker's windows and the hub under one lock (an idle
        hub sends every stream in one flush), then the history's buffer
        (written by its flusher, not here).
        """
        items = [(stream, points) for stream, points in items if points]
        if not items:
            return
        if self.windows is not None:
            self.windows.append_many({stream.info.name: points for stream, points in items})
        with self.hub.lock:
            for stream, points in items:
                stream.window.extend(points)
            self.hub.append_many({stream_room(stream.info.name): points
                                  for stream, points in items})
        if self.history is not None:
            for stream, points in items:
                self.history.add(stream.info.name, points)

    def _produce(self, stream: Stream, generation: int) -> None:
        lease = self.cluster.lease(f"chart:{stream.info.name}", LEASE_MS)
        sample, renewed = None, 0.0
        try:
            while (stream.subscribers or self.watchers.get(stream.info.name)) \
                    and stream.generation == generation:
                now = time.monotonic()
                if now - renewed >= LEASE_RENEW or not self.cluster.clustered:
                    if not lease.hold():  # another worker samples this stream
                        sample, renewed = None, 0.0
                        self.socketio.sleep(LEASE_RENEW)
                        continue
                    renewed = now
                if sample is None:
                    sample = stream.make_sampler()
                    if getattr(sample, "warmup", False):
                        self.socketio.sleep(sample.interval)
                value = sample()
                if value is not None:
                    self._record(stream, [[now_ms(), value]])
                self.socketio.sleep(sample.interval)
        finally:
            if self.cluster.clustered:
                lease.release()
            with self._lock:
                if stream.generation == generation:
                    stream.producing = False

    # -- watchers: alert rules (pulseboard.alerts) -----------------------------

    def watch(self, name: str, key: str) -> None:
        """Keep stream ``name`` produced for ``key`` (``alert:<rule>``) as a subscriber would.

        A watcher gets no frames and is not counted among subscribers; it reads
        the points with :meth:`latest`. A published stream nobody created yet
        is watched all the same (it has no producer to start).
        """
        try:
            stream = self.lookup(name)
        except ApiError:
            stream = None
        with self._lock:
            keys = self.watchers.setdefault(name, set())
            first = not keys and stream is not None and not stream.subscribers
            keys.add(key)
            if first and stream.make_sampler is not None:
                stream.generation += 1
                stream.producing = True
                self.socketio.start_background_task(self._produce, stream, stream.generation)

    def unwatch(self, name: str, key: str) -> None:
        """Stop watching; the producer ends with the last watcher and subscriber."""
        with self._lock:
            keys = self.watchers.get(name, set())
            keys.discard(key)
            if not keys:
                self.watchers.pop(name, None)

    def latest(self, name: str, after_t: float | None = None) -> list:
        """The stream's recent points (the shared window) with ``t > after_t``, oldest first.

        An unknown stream has none. Points seeded from stored history are left
        out: an alert rule must not take an hours-old stored point for fresh data.
        """
        try:
            stream = self.lookup(name)
        except ApiError:
            return []
        if self.windows is not None:
            points = self.windows.read(name, stream.window)
        else:
            with self.hub.lock:
                points = list(stream.window)
        after = stream.seeded_to if after_t is None else max(after_t, stream.seeded_to)
        return [p for p in points if p[0] > after]
