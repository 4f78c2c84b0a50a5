"""Publish Socket.IO events from outside the server, through the message queue.

A cron job, a batch script or another service reaches every client of every
worker by writing to the same Redis the workers read (``MESSAGE_QUEUE``),
without running a server or holding a socket to one::

    from pulseboard.emitter import Emitter

    emitter = Emitter("redis://localhost:6379/0")
    emitter.publish_points("build.duration", [[1718000000000, 42.5]])
    emitter.emit("notification", {"kind": "deploy", "preview": "v2 is out"},
                 namespace="/chat", room="user:1")

The emitter is write-only (python-socketio's ``RedisManager(write_only=True)``):
it never receives, so it cannot see acks and needs no event loop. It talks
the channel Flask-SocketIO's workers listen on. Emits reach the clients
connected *now*; nothing is stored, so a chart point published this way is
not in a later subscriber's window (``POST /api/streams/<name>/points`` is).

Points go only to streams that exist: a published stream is created by its
first ``POST /api/streams/<name>/points`` (which stores its name in the
workers' database), and no client can subscribe to any other name, so a point
sent to one would reach nobody. :func:`check_published_stream` tells, and
``pulseboard publish-point`` refuses unknown and server-produced names with a
message that says how to create the stream.
"""

import redis
import socketio

from .charts.streams import NAMESPACE as CHARTS_NAMESPACE
from .charts.streams import STREAM_NAME, stream_room
from .wire import now_ms


class UnknownStream(ValueError):
    """Points were sent to a name that is no published stream."""


def check_published_stream(database_url: str, stream: str) -> None:
    """Raise :class:`UnknownStream` unless ``stream`` is a published stream.

    :param database_url: the workers' ``DATABASE_URL`` (an SQLAlchemy URL);
        the stream list is the ``chart_streams`` table the server keeps.
    :raises UnknownStream: for a malformed name, a name the server produces
        itself (``system.``, ``demo.``, ``file.``) or one never created.
    :raises sqlalchemy.exc.SQLAlchemyError: when the database cannot be read.
    """
    # Imported here: a script that only emits never pays for SQLAlchemy or psutil.
    from sqlalchemy import create_engine, text

    from .charts.producers import PRODUCED_STREAM_PREFIXES

    if not STREAM_NAME.match(stream):
        raise UnknownStream("stream names are 1-64 of a-z, 0-9, '.', '_', '-'")
    if stream.startswith(PRODUCED_STREAM_PREFIXES):
        raise UnknownStream(f"{stream!r} is produced by the server itself; "
                            "publish to a stream of your own")
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM chart_streams WHERE name = :name"), {"name": stream}
            ).first()
    finally:
        engine.dispose()
    if found is None:
        raise UnknownStream(
            f"no stream named {stream!r}: create it by publishing its first point over "
            f"HTTP (POST /api/streams/{stream}/points), then send more with publish-point")


#: The Redis channel Flask-SocketIO workers subscribe to unless told otherwise.
FLASK_SOCKETIO_CHANNEL = "flask-socketio"


class Emitter:
    """A write-only connection to the workers' message queue.

    :param message_queue: the workers' ``MESSAGE_QUEUE``, e.g.
        ``redis://redis:6379/0`` (``redis://`` and ``rediss://`` URLs).
    :param channel: the pub/sub channel; the default is Flask-SocketIO's.
    """

    def __init__(self, message_queue: str, channel: str = FLASK_SOCKETIO_CHANNEL):
        if not message_queue or not message_queue.startswith(("redis://", "rediss://")):
            raise ValueError("the emitter needs a redis:// or rediss:// MESSAGE_QUEUE URL")
        self.url = message_queue
        self.channel = channel
        self.manager = socketio.RedisManager(message_queue, channel=channel, write_only=True)

    def listening_workers(self, timeout: float = 5) -> int:
        """How many workers listen on the channel now; raises if Redis is unreachable.

        The manager itself only logs a failed publish, so a caller that must
        know (the CLI) checks the queue first.
        """
        client = redis.Redis.from_url(self.url, socket_timeout=timeout,
                                      socket_connect_timeout=timeout)
        try:
            return dict(client.pubsub_numsub(self.channel)).get(self.channel.encode(), 0)
        finally:
            client.close()

    def emit(self, event: str, data, namespace: str = "/", room: str | None = None) -> None:
        """Emit ``event`` with ``data`` to ``room`` (or to the whole namespace).

        :param namespace: e.g. ``/charts`` or ``/chat``; clients receive the
            event only on a namespace they are connected to.
        :param room: e.g. ``stream:build.duration`` or ``user:7``; ``None``
            sends to every client of the namespace.
        """
        self.manager.emit(event, data, namespace=namespace, room=room)

    def publish_points(self, stream: str, points: list[list[float]]) -> None:
        """Send chart points to a stream's live subscribers on every worker.

        The frame has the shape of the server's own ``points`` event:
        ``{stream, points: [[t_ms, value], ...]}``.
        """
        if not STREAM_NAME.match(stream):
            raise ValueError("stream names are 1-64 of a-z, 0-9, '.', '_', '-'")
        frame = {"stream": stream, "points": [[t, v] for t, v in points]}
        self.emit("points", frame, namespace=CHARTS_NAMESPACE, room=stream_room(stream))

    def publish_value(self, stream: str, value: float) -> None:
        """Send one point, stamped with the current time, to a stream."""
        self.publish_points(stream, [[now_ms(), value]])
