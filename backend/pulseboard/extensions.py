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
socketio = SocketIO()


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
