"""The database schema: Alembic migrations, applied before a server listens.

:func:`create_app <pulseboard.app.create_app>` never touches the schema. The
processes that serve do: ``pulseboard serve`` (every compose worker, ``make
run``, the tests' servers) and the development app ``flask --app pulseboard.dev
run`` migrate before they listen, and ``pulseboard migrate`` (or ``flask --app
pulseboard db upgrade``) does only that. Several processes starting at once
against one database take turns: a Postgres advisory lock (or, for a SQLite
file, a lock file beside it) lets one process migrate while the others wait,
then find nothing to do.

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
from sqlalchemy import Connection, Engine, text

from .extensions import db, migrate

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
    """Migrate the app's database to the newest revision, one process at a time."""
    with app.app_context(), migration_lock(db.engine) as connection:
        command.upgrade(alembic_config(connection), "head")
        connection.commit()


def migration_app(config: dict | None = None) -> Flask:
    """A Flask app with only the database and Flask-Migrate: nothing else starts.

    It has :func:`pulseboard.create_app`'s import name, hence its instance
    folder and default SQLite database, and the same settings.
    """
    from .config import from_environment

    app = Flask("pulseboard.app", instance_relative_config=True)
    app.config.from_mapping(from_environment(Path(app.instance_path)))
    app.config.from_mapping(config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    return app


def migrate_database(config: dict | None = None) -> str:
    """Bring the configured database to the newest revision; return that revision.

    What ``pulseboard migrate`` runs, and ``pulseboard serve`` before it builds its app.
    """
    app = migration_app(config)
    upgrade(app)
    with app.app_context():
        with db.engine.connect() as connection:
            revision = connection.execute(
                text("SELECT version_num FROM alembic_version")).scalar()
        db.engine.dispose()  # this app is done: its pool's connections are not kept
    return revision
