"""Flask extensions, created once and bound to an app in :func:`create_app`."""

import sqlite3

from flask_cors import CORS
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for every Pulseboard model."""


# Objects keep their values after a commit: services build the reply from the
# row they just stored, and expiring it would cost a reload per message.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
cors = CORS()

#: The namespaces a ``resync`` goes to after a message-queue outage.
RESYNC_NAMESPACES = ("/charts", "/logs", "/debug", "/chat", "/alerts")


class PulseboardSocketIO(SocketIO):
    """Flask-SocketIO bound to a cluster (:mod:`pulseboard.cluster`).

    With a ``redis://`` ``message_queue`` the client manager is a
    :class:`~pulseboard.cluster.queue.WatchedRedisManager`, which reports
    outages, and :attr:`cluster` is Redis-backed; otherwise the cluster is
    the in-process twin and nothing else changes.
    """

    cluster = None

    def init_app(self, app, **kwargs):
        """Bind to ``app`` as ``SocketIO.init_app`` does, then start the cluster."""
        from .cluster import make_cluster

        self.cluster = make_cluster({"MESSAGE_QUEUE": kwargs.get("message_queue")}, self)
        if self.cluster.clustered and "client_manager" not in kwargs:
            from .cluster.queue import WatchedRedisManager

            kwargs["client_manager"] = WatchedRedisManager(kwargs["message_queue"], self.cluster)
        super().init_app(app, **kwargs)
        self.cluster.on_resync(self.send_resync)
        self.cluster.start()

    def send_resync(self) -> None:
        """Tell this worker's clients on every namespace to re-subscribe (``resync``)."""
        for namespace in RESYNC_NAMESPACES:
            self.emit("resync", {"reason": "queue"}, namespace=namespace, ignore_queue=True)


socketio = PulseboardSocketIO()


@event.listens_for(Engine, "connect")
def tune_sqlite(dbapi_connection, connection_record) -> None:
    """Put every SQLite connection in WAL mode with a busy timeout and foreign keys on.

    WAL lets readers run beside the one writer and, with ``synchronous=NORMAL``,
    commits no longer wait for an fsync each: a chat message or a batch of log
    lines costs a write, not a disk flush. The busy timeout makes a second
    worker or thread wait for the write lock instead of failing at once.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
