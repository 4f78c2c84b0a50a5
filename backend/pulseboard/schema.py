"""The database schema: Alembic migrations, applied at every start-up.

:func:`upgrade` brings the database to the newest migration before the app
serves anything, so ``make run``, the tests and every compose worker need no
separate step. Several workers starting at once against one database take
turns: a Postgres advisory lock (or, for a SQLite file, a lock file beside
it) lets one process migrate while the others wait, then find nothing to do.

A model change needs a migration (``flask --app pulseboard db migrate``);
``flask --app pulseboard db check`` fails while one is missing, and
tests/stack/test_schema.py runs it.
"""

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask
from sqlalchemy import Connection, Engine, inspect, text

from .extensions import db

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

#: The key of the Postgres advisory lock held while migrating ("pulsebd").
ADVISORY_LOCK_KEY = 0x70756C7365_6264


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the package's migrations, optionally bound to a connection."""
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        yield  # private to this process: nobody to wait for
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    with lock_path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection held by one process at a time across every process."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            # A session-level lock: it outlives the commits of the migrations.
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
            try:
                yield connection
            finally:
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                   {"key": ADVISORY_LOCK_KEY})
                connection.commit()
        return
    with _sqlite_file_lock(engine) if engine.dialect.name == "sqlite" else nullcontext(), \
            engine.connect() as connection:
        yield connection


def upgrade(app: Flask) -> None:
    """Migrate the app's database to the newest revision, one process at a time.

    A database made before migrations existed (``db.create_all()``) has
    tables but no ``alembic_version``: its missing tables are created and it
    is stamped at the newest revision rather than migrated from scratch.
    """
    with app.app_context(), migration_lock(db.engine) as connection:
        tables = set(inspect(connection).get_table_names())
        config = alembic_config(connection)
        adopt = bool(tables) and "alembic_version" not in tables
        if adopt:
            db.metadata.create_all(connection)
            connection.commit()
            command.stamp(config, "head")
        else:
            command.upgrade(config, "head")
        connection.commit()
    if adopt:  # logged once the tables exist: WARNING records are stored on /debug
        log.warning("adopted a database made before migrations: created missing tables "
                    "and stamped it at the newest revision")

