"""Preparing the scaled stack's PostgreSQL database: the schema, and the chat scenario's users.

The users are registered once into a SQLite file (scenarios/chat.py); the
scaled stack copies their rows, ids included, so the tokens signed for them
stay valid, instead of hashing 200 passwords again in the measured workers.
"""

import os
import subprocess
import sys

from sqlalchemy import MetaData, create_engine, func, select, text


def migrate(database_url: str) -> None:
    """``pulseboard migrate`` against ``database_url``: the schema the workers expect."""
    done = subprocess.run([sys.executable, "-m", "pulseboard", "migrate"], text=True,
                          env={**os.environ, "DATABASE_URL": database_url}, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"pulseboard migrate failed ({done.returncode}): {done.stderr[-2000:]}")


def copy_users(sqlite_file, database_url: str) -> int:
    """Copy every row of the ``users`` table from ``sqlite_file`` into ``database_url``.

    Returns how many were copied. The id sequence moves past the copied ids,
    so users registered afterwards get new ones.
    """
    source = create_engine(f"sqlite:///{sqlite_file}")
    target = create_engine(database_url)
    try:
        tables = MetaData()
        tables.reflect(target, only=["users"])
        users = tables.tables["users"]
        with source.connect() as reading:
            rows = [dict(row._mapping) for row in reading.execute(text("SELECT * FROM users"))]
        with target.begin() as writing:
            if rows:
                writing.execute(users.insert(), rows)
            highest = writing.scalar(select(func.max(users.c.id))) or 0
            if highest:
                writing.execute(text("SELECT setval(pg_get_serial_sequence('users', 'id'), :n)"),
                                {"n": highest})
        return len(rows)
    finally:
        source.dispose()
        target.dispose()
