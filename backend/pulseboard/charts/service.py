"""ChartService: streams, their recent windows, subscribers and producers.

A built-in stream's producer runs only while this worker has subscribers to
it: the first ``subscribe`` starts it as a background task and it ends by
itself on the first tick after the last subscriber left. Its points are
emitted to this worker's clients only, since every worker samples for its
own clients. Points published over HTTP go through the message queue (when
one is configured) so that clients on every worker receive them, and the
names of published streams are stored, so every worker can list them and
accept subscriptions to them.
"""

import threading
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..hub import Hub
from ..wire import ApiError, now_ms
from .datafile import DataFile
from .models import PublishedStream
from .producers import BUILT_IN, RESERVED_PREFIXES, FileKeySampler, StreamInfo
from .streams import NAMESPACE, STREAM_NAME, stream_room

WINDOW_POINTS = 600
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

    def stats(self) -> dict:
        """The stream object plus this worker's subscriber and producer state."""
        return {
            **self.info.as_dict(),
            "subscribers": len(self.subscribers),
            "producing": self.producing,
        }


class ChartService:
    """Owns every stream of one worker and batches their points to ``/charts``.

    :param socketio: the ``SocketIO`` instance used for background tasks and emits.
    :param data_file: path of the JSON data file behind the ``file.*`` streams.
    """

    def __init__(self, socketio, data_file: str):
        self.socketio = socketio
        self.data_file = DataFile(data_file)
        self.hub = Hub(socketio, NAMESPACE, "points", self._frame)
        self._lock = threading.Lock()
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
        return [s.stats() if with_stats else s.info.as_dict() for s in streams]

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
                info = StreamInfo(name, f"Data file: {key}", "")
                self._streams[name] = Stream(info, lambda: FileKeySampler(self.data_file, key))
            return self._streams[name]

    # -- subscriptions ---------------------------------------------------------

    def subscribe(self, sid: str, name: str, join) -> list:
        """Add ``sid`` to a stream's subscribers; return the recent window.

        ``join()`` puts the socket in the stream's room. It runs under the
        hub's lock, and the window returned leaves out the points still
        waiting for the next tick, which the new subscriber receives in that
        frame: every point reaches it exactly once.
        """
        stream = self.lookup(name)
        with self.hub.lock:
            join()
            window = list(stream.window)
            unsent = self.hub.pending_count(stream_room(name))
            window = window[: max(0, len(window) - unsent)]
        with self._lock:
            first = not stream.subscribers
            stream.subscribers.add(sid)
            if first and stream.make_sampler is not None:
                stream.generation += 1
                stream.producing = True
                self.socketio.start_background_task(self._produce, stream, stream.generation)
        return window

    def unsubscribe(self, sid: str, name: str) -> None:
        """Remove ``sid`` from a stream; its producer stops with the last one."""
        stream = self.lookup(name)
        with self._lock:
            stream.subscribers.discard(sid)

    def drop(self, sid: str) -> None:
        """Remove a disconnected socket from every stream."""
        with self._lock:
            for stream in self._streams.values():
                stream.subscribers.discard(sid)

    # -- producing and publishing ---------------------------------------------

    def publish(self, name: str, points: list[list[float]], unit: str | None = None) -> int:
        """Append points to a published stream, creating it on first use."""
        if not STREAM_NAME.match(name):
            raise ApiError("bad_request", "stream names are 1-64 of a-z, 0-9, '.', '_', '-'")
        if name.startswith(RESERVED_PREFIXES):
            raise ApiError("forbidden", f"{name!r} is produced by the server itself")
        stream = self._streams.get(name) or self._create_published(name, unit or "")
        self._record(stream, points, local=False)
        return len(points)

    def _create_published(self, name: str, unit: str) -> Stream:
        row = db.session.get(PublishedStream, name)
        if row is None:
            if db.session.query(PublishedStream).count() >= MAX_PUBLISHED_STREAMS:
                raise ApiError("too_large", "too many published streams")
            row = PublishedStream(name=name, unit=unit)
            db.session.add(row)
            try:
                db.session.commit()
            except IntegrityError:  # another worker created it first
                db.session.rollback()
                row = db.session.get(PublishedStream, name)
        return self._published_stream(row)

    def _record(self, stream: Stream, points: list, local: bool) -> None:
        with self.hub.lock:
            stream.window.extend(points)
            self.hub.append(stream_room(stream.info.name), points, local=local)

    def _produce(self, stream: Stream, generation: int) -> None:
        sample = stream.make_sampler()
        try:
            while stream.subscribers and stream.generation == generation:
                value = sample()
                if value is not None:
                    self._record(stream, [[now_ms(), value]], local=True)
                self.socketio.sleep(sample.interval)
        finally:
            with self._lock:
                if stream.generation == generation:
                    stream.producing = False
