"""Schema migrations: in step with the models, on SQLite and Postgres, safe to race.

``flask db check`` (Flask-Migrate over Alembic's autogenerate) answers
"new upgrade operations detected" when a model changed without a migration:
this is the test that catches it. ``pulseboard migrate`` (and ``serve``,
before it listens) migrates; building the app, as every ``flask db`` command
does, migrates nothing.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa


def _run(tmp_path, database_url, command, timeout):
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "schema-test",
           "DATA_FILE": str(tmp_path / "data.json")}
    env.pop("MESSAGE_QUEUE", None)
    return subprocess.run([sys.executable, "-m", *command], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=timeout)


def flask_db(tmp_path, database_url, *args, timeout=120):
    """Run ``flask --app pulseboard db ARGS`` against ``database_url``; return the result."""
    return _run(tmp_path, database_url, ["flask", "--app", "pulseboard", "db", *args], timeout)


def pulseboard_migrate(tmp_path, database_url, timeout=120):
    """Run ``pulseboard migrate`` against ``database_url``; return the result."""
    return _run(tmp_path, database_url, ["pulseboard", "migrate"], timeout)


def assert_ok(result):
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"


def tables(database_url) -> set[str]:
    engine = sa.create_engine(database_url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture
def postgres(stack):
    """The stack's Postgres server; each test creates its own databases in it."""
    return stack.postgres


def test_migrations_match_the_models_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = flask_db(tmp_path, url, "check")  # building the app migrated nothing
    assert result.returncode != 0 and "Target database is not up to date" in result.stderr
    migrated = pulseboard_migrate(tmp_path, url)
    assert_ok(migrated)
    assert "database at revision" in migrated.stderr and "Traceback" not in migrated.stderr
    assert_ok(flask_db(tmp_path, url, "check"))  # nothing left over
    assert {"alembic_version", "users"} <= tables(url)
    assert_ok(pulseboard_migrate(tmp_path, url))  # again: nothing to do


def test_migrations_match_the_models_on_postgres(tmp_path, postgres):
    url = postgres.create_database("schema_check")
    assert_ok(pulseboard_migrate(tmp_path, url))
    assert_ok(flask_db(tmp_path, url, "check"))
    assert_ok(flask_db(tmp_path, url, "downgrade", "base"))
    assert tables(url) == {"alembic_version"}
    assert_ok(flask_db(tmp_path, url, "upgrade"))  # Flask-Migrate's own command works too
    assert_ok(flask_db(tmp_path, url, "check"))


@pytest.mark.parametrize("where", ["sqlite", "postgres"])
def test_processes_starting_together_take_turns_migrating(tmp_path, request, where):
    if where == "postgres":  # the advisory lock
        url = request.getfixturevalue("postgres").create_database("schema_race")
    else:  # the lock file beside the database
        url = f"sqlite:///{tmp_path / 'raced.db'}"
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: pulseboard_migrate(tmp_path, url), range(3)))
    for result in results:
        assert_ok(result)
    assert_ok(flask_db(tmp_path, url, "check"))
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


def test_a_database_from_before_migrations_is_refused_untouched(tmp_path):
    # db.create_all() made such databases in the first commit only; they are no
    # longer adopted (stamped): migrating one stops with the database's error.
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # what db.create_all() made of users before
        connection.execute(sa.text(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, username VARCHAR(32) NOT NULL, "
            "password_hash VARCHAR(256) NOT NULL, created_at DATETIME NOT NULL)"))
        connection.execute(sa.text(
            "INSERT INTO users VALUES (1, 'old', 'x', '2024-01-01 00:00:00')"))
    engine.dispose()
    result = pulseboard_migrate(tmp_path, url)
    assert result.returncode == 1
    assert "pulseboard: cannot migrate the database:" in result.stderr
    assert "already exists" in result.stderr and "Traceback" not in result.stderr
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT username FROM users")).scalar() == "old"
    engine.dispose()
